package org.reverl.gateway.core;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.Map;
import org.reverl.gateway.api.Checks;

/**
 * Active health checking: which {@link org.reverl.gateway.api.LivenessProbe} runs, how often, and how many results
 * move a backend between up and down (HAProxy's {@code inter}, {@code downinter}, {@code fastinter}, {@code timeout
 * check}, {@code rise} and {@code fall}).
 *
 * <p>Which interval follows a probe depends on where the backend stands after it: {@code interval} while it is up
 * and its last probe passed, {@code downInterval} while it is down and its last probe failed, and {@code
 * fastInterval} while it is in transition (down with a first success, until {@code rise}; up with a first failure,
 * until {@code fall}). With the defaults a backend that listens again is up within {@code downInterval + (rise - 1)
 * * fastInterval}, plus jitter and the probes' own time: 250 ms, at most 275 ms with 10% jitter.
 *
 * @param probe the probe's name, e.g. {@code tcp}
 * @param probeOptions the probe's options
 * @param interval time between the end of one probe and the start of the next, per backend, while it is up
 * @param downInterval the same while the backend is down: how soon a backend that comes back is noticed
 * @param fastInterval the same while the backend is in transition, so that {@code rise} or {@code fall} is reached
 *     quickly once the first probe changed its mind
 * @param jitterPercent each interval is shortened or lengthened at random by up to this share (0-50), so that probes
 *     of many backends do not fire together
 * @param timeout how long one probe may take before it counts as failed; at most {@code interval}
 * @param rise consecutive successes that bring a down backend up
 * @param fall consecutive failures that take an up backend down
 * @param initiallyUp whether an added backend starts up ({@code true}) or down until its first probe passes
 */
public record HealthCheckConfig(
        String probe,
        Map<String, String> probeOptions,
        Duration interval,
        Duration downInterval,
        Duration fastInterval,
        int jitterPercent,
        Duration timeout,
        int rise,
        int fall,
        boolean initiallyUp) {

    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(2);
    /** Five connects a second to a dead backend: cheap, and its return is noticed within a fifth of a second. */
    public static final Duration DEFAULT_DOWN_INTERVAL = Duration.ofMillis(200);
    /** Confirms a change of mind ({@code rise} or {@code fall}) within a twentieth of a second per probe. */
    public static final Duration DEFAULT_FAST_INTERVAL = Duration.ofMillis(50);

    public static final int DEFAULT_JITTER_PERCENT = 10;
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(1);
    public static final int DEFAULT_RISE = 2;
    public static final int DEFAULT_FALL = 3;

    /** Validates and copies. */
    public HealthCheckConfig {
        Checks.pluginName("healthCheck.probe", probe);
        probeOptions = Map.copyOf(requireNonNull(probeOptions, "probeOptions"));
        Checks.positive("healthCheck.interval", interval);
        Checks.positive("healthCheck.downInterval", downInterval);
        Checks.positive("healthCheck.fastInterval", fastInterval);
        Checks.inRange("healthCheck.jitterPercent", jitterPercent, 0, 50);
        Checks.positive("healthCheck.timeout", timeout);
        if (timeout.compareTo(interval) > 0) {
            throw new IllegalArgumentException(
                    Checks.message("healthCheck.timeout", timeout, "<= healthCheck.interval (" + interval + ")"));
        }
        Checks.inRange("healthCheck.rise", rise, 1, 100);
        Checks.inRange("healthCheck.fall", fall, 1, 100);
    }

    /**
     * This configuration with {@code options} as the probe's options, the rest unchanged.
     *
     * @since 0.3
     */
    public HealthCheckConfig withProbeOptions(Map<String, String> options) {
        return new HealthCheckConfig(
                probe, options, interval, downInterval, fastInterval, jitterPercent, timeout, rise, fall, initiallyUp);
    }

    /** A builder for probe {@code probe} with the defaults. */
    public static Builder builder(String probe) {
        return new Builder(probe);
    }

    /** Builds a {@link HealthCheckConfig}; setters validate at once. Not thread-safe. */
    public static final class Builder {
        private final String probe;
        private Map<String, String> probeOptions = Map.of();
        private Duration interval = DEFAULT_INTERVAL;
        private Duration downInterval = DEFAULT_DOWN_INTERVAL;
        private Duration fastInterval = DEFAULT_FAST_INTERVAL;
        private int jitterPercent = DEFAULT_JITTER_PERCENT;
        private Duration timeout = DEFAULT_TIMEOUT;
        private int rise = DEFAULT_RISE;
        private int fall = DEFAULT_FALL;
        private boolean initiallyUp = true;

        private Builder(String probe) {
            this.probe = Checks.pluginName("healthCheck.probe", probe);
        }

        public Builder probeOptions(Map<String, String> options) {
            this.probeOptions = Map.copyOf(requireNonNull(options, "options"));
            return this;
        }

        public Builder interval(Duration interval) {
            this.interval = Checks.positive("healthCheck.interval", interval);
            return this;
        }

        /** How often a down backend is probed. Default {@link #DEFAULT_DOWN_INTERVAL}. */
        public Builder downInterval(Duration downInterval) {
            this.downInterval = Checks.positive("healthCheck.downInterval", downInterval);
            return this;
        }

        /** How often a backend in transition is probed. Default {@link #DEFAULT_FAST_INTERVAL}. */
        public Builder fastInterval(Duration fastInterval) {
            this.fastInterval = Checks.positive("healthCheck.fastInterval", fastInterval);
            return this;
        }

        public Builder jitterPercent(int percent) {
            this.jitterPercent = Checks.inRange("healthCheck.jitterPercent", percent, 0, 50);
            return this;
        }

        public Builder timeout(Duration timeout) {
            this.timeout = Checks.positive("healthCheck.timeout", timeout);
            return this;
        }

        public Builder rise(int rise) {
            this.rise = Checks.inRange("healthCheck.rise", rise, 1, 100);
            return this;
        }

        public Builder fall(int fall) {
            this.fall = Checks.inRange("healthCheck.fall", fall, 1, 100);
            return this;
        }

        public Builder initiallyUp(boolean up) {
            this.initiallyUp = up;
            return this;
        }

        public HealthCheckConfig build() {
            return new HealthCheckConfig(
                    probe,
                    probeOptions,
                    interval,
                    downInterval,
                    fastInterval,
                    jitterPercent,
                    timeout,
                    rise,
                    fall,
                    initiallyUp);
        }
    }
}
