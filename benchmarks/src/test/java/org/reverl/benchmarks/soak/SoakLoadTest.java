package org.reverl.benchmarks.soak;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.reverl.benchmarks.load.OpenLoopSchedule;
import org.reverl.gateway.http.internal.Ticker;

/** The soak load end to end against an in-process backend: small, bounded runs of one or two seconds. */
@Timeout(30)
class SoakLoadTest {

    private final ByteArrayOutputStream printed = new ByteArrayOutputStream();

    private Interval.Snapshot run(SoakOptions options) throws InterruptedException {
        return new SoakLoad(
                        options,
                        new PrintStream(printed, true, StandardCharsets.UTF_8),
                        Ticker.SYSTEM,
                        OpenLoopSchedule.Sleeper.PARK)
                .run();
    }

    private String output() {
        return printed.toString(StandardCharsets.UTF_8);
    }

    @Test
    void aStalledAnswer_countsInTheLatencyOfEveryRequestDueBehindIt() throws Exception {
        // 20 requests in 1 s over one keep-alive connection; the first is answered no sooner than 1.2 s after it
        // arrived, so the other 19, due at 50-950 ms, cannot even be sent before 1.2 s
        CompletableFuture<Integer> late = CompletableFuture.supplyAsync(
                () -> 200, CompletableFuture.delayedExecutor(1200, TimeUnit.MILLISECONDS));
        try (TestBackend backend = new TestBackend(n -> n == 0 ? late : TestBackend.now(200))) {
            Interval.Snapshot total = run(new SoakOptions(
                    backend.uri(),
                    20,
                    Duration.ZERO,
                    Duration.ofSeconds(1),
                    Duration.ofSeconds(1),
                    1,
                    0,
                    Duration.ofSeconds(10),
                    100));

            assertThat(total.requests()).isEqualTo(20);
            assertThat(total.failed()).isZero();
            assertThat(total.latency().get(Kind.KEEP_ALIVE).getTotalCount()).isEqualTo(20);
            // measured from the time each was due: at least 1200 - 950 ms, where a closed loop, timing from the send,
            // would see the 19 answered at once
            assertThat(total.latency().get(Kind.KEEP_ALIVE).getMinValue())
                    .isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toMicros(249));
            assertThat(backend.received).hasValue(20);
        }
        assertThat(output()).contains("interval 1 ").contains("total requests 20, failed 0 (none)");
    }

    @Test
    void failures_areCounted_byReason() throws Exception {
        // 10 requests, each on a new connection; the second one received gets a 503, the third never an answer
        try (TestBackend backend = new TestBackend(
                n -> n == 1 ? TestBackend.now(503) : n == 2 ? new CompletableFuture<>() : TestBackend.now(200))) {
            Interval.Snapshot total = run(new SoakOptions(
                    backend.uri(),
                    10,
                    Duration.ZERO,
                    Duration.ofSeconds(1),
                    Duration.ofSeconds(1),
                    1,
                    100,
                    Duration.ofMillis(300),
                    100));

            assertThat(total.requests()).isEqualTo(10);
            assertThat(total.failed()).isEqualTo(2);
            assertThat(total.failed(Failure.STATUS)).isEqualTo(1);
            assertThat(total.failed(Failure.TIMEOUT)).isEqualTo(1);
            assertThat(total.badStatuses()).containsExactly(entry(503, 1L));
            assertThat(total.latency().get(Kind.NEW_CONNECTION).getTotalCount()).isEqualTo(9);
            assertThat(backend.closeRequested).hasValue(10);
        }
        assertThat(output())
                .contains("failures interval 1 not 2xx: 1 [503: 1], timeout: 1;")
                .contains("total requests 10, failed 2 (not 2xx: 1 [503: 1], timeout: 1)");
    }

    @Test
    void mixesTheKinds_andReportsEachIntervalWithTheRequestsDueInIt() throws Exception {
        try (TestBackend backend = new TestBackend(n -> TestBackend.now(200))) {
            Interval.Snapshot total = run(new SoakOptions(
                    backend.uri(),
                    20,
                    Duration.ZERO,
                    Duration.ofSeconds(2),
                    Duration.ofSeconds(1),
                    2,
                    20,
                    Duration.ofSeconds(10),
                    100));

            assertThat(total.requests()).isEqualTo(40);
            assertThat(total.failed()).isZero();
            assertThat(total.latency().get(Kind.NEW_CONNECTION).getTotalCount()).isEqualTo(8);
            assertThat(total.latency().get(Kind.KEEP_ALIVE).getTotalCount()).isEqualTo(32);
            assertThat(backend.closeRequested).hasValue(8);
            // the keep-alive requests shared the pool's two connections
            assertThat(backend.keepAlivePorts).hasSize(2);
        }
        assertThat(output().lines().filter(l -> l.startsWith("interval ")))
                .hasSize(2)
                .allSatisfy(l -> assertThat(l.split(" +")).contains("20"));
    }
}
