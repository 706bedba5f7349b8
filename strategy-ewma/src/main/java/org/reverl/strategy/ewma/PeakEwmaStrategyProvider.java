package org.reverl.strategy.ewma;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;
import org.reverl.gateway.api.PluginOptions;
import org.reverl.gateway.api.SelectionStrategy;
import org.reverl.gateway.api.SelectionStrategyProvider;

/**
 * Provides {@value #NAME}: each request goes to the cheaper of two distinct, randomly drawn eligible backends, where
 * cost is a backend's peak-sensitive moving average of latency times its requests in flight plus one, divided by its
 * effective weight (Finagle's and Linkerd's "peak EWMA"). A backend that is slow but alive gets little traffic even
 * when its in-flight count hardly differs from the others', which is where {@code least_conn} cannot tell.
 *
 * <p>The latency of every outcome the load balancer records feeds the average; a failure (refused, reset, timed out,
 * a 5xx answer) counts as a sample of at least {@code failure_penalty}, so a backend that fails fast does not look
 * fast. A backend without a sample yet is tried once, then waits for that answer.
 *
 * <p>Options:
 * <ul>
 *   <li>{@code decay}: how fast old samples fade, a duration &gt; 0, default {@code 10s} (as Finagle and Linkerd): a
 *       sample {@code dt} old weighs {@code exp(-dt / decay)}, and an estimate not refreshed decays towards zero at
 *       that rate, so a backend avoided as slow is tried again after a few decay times.
 *   <li>{@code failure_penalty}: the smallest latency a failed request counts as, a duration &gt; 0, default {@code
 *       1s}.
 * </ul>
 *
 * <p>Thread-safe and stateless. Public only because {@link java.util.ServiceLoader} requires it: configure {@code
 * peak_ewma}, never this class.
 */
public final class PeakEwmaStrategyProvider implements SelectionStrategyProvider {

    /** The strategy's name. */
    public static final String NAME = "peak_ewma";

    /** The default decay time. */
    public static final Duration DEFAULT_DECAY = Duration.ofSeconds(10);

    /** The default smallest latency a failure counts as. */
    public static final Duration DEFAULT_FAILURE_PENALTY = Duration.ofSeconds(1);

    private static final String DECAY = "decay";
    private static final String FAILURE_PENALTY = "failure_penalty";
    private static final Set<String> OPTIONS = Set.of(DECAY, FAILURE_PENALTY);

    private final LongSupplier ticker;

    /** For {@link java.util.ServiceLoader}: the strategy's clock is {@link System#nanoTime()}. */
    public PeakEwmaStrategyProvider() {
        this(System::nanoTime);
    }

    /** For tests: strategies read time from {@code ticker} (nanoseconds, like {@link System#nanoTime()}). */
    PeakEwmaStrategyProvider(LongSupplier ticker) {
        this.ticker = ticker;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public SelectionStrategy create(Map<String, String> options) {
        PluginOptions o = PluginOptions.of("strategy '" + NAME + "'", options, OPTIONS);
        Duration decay = positiveDuration(o, DECAY, DEFAULT_DECAY);
        Duration failurePenalty = positiveDuration(o, FAILURE_PENALTY, DEFAULT_FAILURE_PENALTY);
        return new PeakEwmaStrategy(
                saturatedNanos(decay), saturatedNanos(failurePenalty), ticker, PeakEwmaStrategy.THREAD_LOCAL_RANDOM);
    }

    /** The option as a duration above zero; the message quotes the value as written. */
    private static Duration positiveDuration(PluginOptions o, String option, Duration defaultValue) {
        if (!o.has(option)) {
            return defaultValue;
        }
        Duration d = PluginOptions.parseDuration(o.string(option, ""));
        if (d == null) {
            throw o.invalid(option, "a duration such as 500ms, 2s, 1m or 1h");
        }
        if (d.isZero() || d.isNegative()) {
            throw o.invalid(option, "> 0");
        }
        return d;
    }

    private static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE; // about 292 years: the same as forever here
        }
    }
}
