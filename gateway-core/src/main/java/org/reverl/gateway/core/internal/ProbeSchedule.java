package org.reverl.gateway.core.internal;

import static java.util.Objects.requireNonNull;

import java.util.function.LongUnaryOperator;
import org.reverl.gateway.core.HealthCheckConfig;

/**
 * When a backend is probed next, from where it stands after its last probe (HAProxy's {@code inter}, {@code
 * downinter} and {@code fastinter}):
 *
 * <ul>
 *   <li>down, last probe failed: {@code downInterval}, so that a backend that returns is noticed soon;
 *   <li>down with a success, up with a failure (in transition): {@code fastInterval}, so that {@code rise} or {@code
 *       fall} is reached soon after the first probe that changed its mind;
 *   <li>up (or ejected by its breaker), last probe passed: {@code interval}.
 * </ul>
 *
 * Each delay is then moved at random by up to {@code jitterPercent} either way. Pure apart from the random source,
 * which is injected, so tests can pin it.
 */
final class ProbeSchedule {

    private final long intervalNanos;
    private final long downIntervalNanos;
    private final long fastIntervalNanos;
    private final int jitterPercent;
    /** Given a bound {@code n > 0}, a number in {@code [0, n)}. */
    private final LongUnaryOperator random;

    ProbeSchedule(HealthCheckConfig config, LongUnaryOperator random) {
        this.intervalNanos = config.interval().toNanos();
        this.downIntervalNanos = config.downInterval().toNanos();
        this.fastIntervalNanos = config.fastInterval().toNanos();
        this.jitterPercent = config.jitterPercent();
        this.random = requireNonNull(random, "random");
    }

    /**
     * The interval before the next probe, without jitter.
     *
     * @param down whether the backend's health is down
     * @param successes consecutive successful probes so far
     * @param failures consecutive failed probes so far
     */
    long baseNanos(boolean down, int successes, int failures) {
        if (down) {
            return successes > 0 ? fastIntervalNanos : downIntervalNanos;
        }
        return failures > 0 ? fastIntervalNanos : intervalNanos;
    }

    /** {@link #baseNanos} with jitter applied. */
    long nextDelayNanos(boolean down, int successes, int failures) {
        long base = baseNanos(down, successes, failures);
        long jitter = base * jitterPercent / 100;
        return jitter == 0 ? base : base - jitter + random.applyAsLong(2 * jitter + 1);
    }
}
