package org.reverl.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.reverl.gateway.core.GatewayConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bounds and the tally of a run of generated cases ({@link FramingFuzzIT}, {@link ResponseFramingFuzzIT}): a seed
 * and a count of cases ({@code -Dreverl.fuzz.seed}, {@code -Dreverl.fuzz.cases}), a time limit the run stops at rather
 * than run on, and at most {@link #MAX_FAILURES} failures kept, each with its case.
 */
final class FuzzRun {

    static final long SEED = Long.getLong("reverl.fuzz.seed", 20261130L);
    private static final Logger log = LoggerFactory.getLogger(FuzzRun.class);
    private static final Duration LIMIT = Duration.ofMinutes(3);
    private static final int MAX_FAILURES = 20;

    private final String name;
    private final int cases;
    private final long deadline = System.nanoTime() + LIMIT.toNanos();
    final List<String> failures = new ArrayList<>();
    /** Cases the strict reading framed (what that means is the test's). */
    int framed;

    private int lenient;

    private int run;

    /** @param cases how many cases unless {@code -Dreverl.fuzz.cases} says */
    FuzzRun(String name, int cases) {
        this.name = name;
        this.cases = Integer.getInteger("reverl.fuzz.cases", cases);
    }

    /** Whether to run another case: fewer than asked so far, before the limit, and not too many failures. */
    boolean more() {
        return run < cases && System.nanoTime() < deadline && failures.size() < MAX_FAILURES;
    }

    /** The number of the next case; counts it. */
    int next() {
        return run++;
    }

    /**
     * A breaker that does not open: a run sends the backend, or has it send, one bad message after another, and a
     * breaker opened by them would answer the cases after with 503s that test nothing.
     */
    static GatewayConfig.Builder breakerNeverOpens(GatewayConfig.Builder b) {
        return b.breakerFailureRateThreshold(100)
                .breakerSlidingWindowSize(10_000)
                .breakerMinimumNumberOfCalls(10_000);
    }

    /** Notes a message the proxy forwarded where the strict reading stopped, with {@code where} it was. */
    void lenient(String where) {
        lenient++;
        log.info("{}: forwarded leniently: {}", name, where);
    }

    /** Logs the tally, then fails with the failures kept, or if the time limit cut the run short of 200 cases. */
    void finish() {
        log.info(
                "{}: seed {}, {} cases, {} framed by the strict reading, {} forwarded leniently",
                name,
                SEED,
                run,
                framed,
                lenient);
        assertThat(failures).as("%s, seed %d", name, SEED).isEmpty();
        assertThat(run).as("cases run before the run's limit").isGreaterThanOrEqualTo(Math.min(cases, 200));
    }
}
