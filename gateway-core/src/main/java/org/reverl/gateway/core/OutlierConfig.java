package org.reverl.gateway.core;

import java.time.Duration;
import org.reverl.gateway.api.Checks;

/**
 * Passive outlier ejection: what the responses of a backend must look like for the load balancer to take it out of
 * rotation for a while, modelled on Envoy's outlier detection ({@code consecutive_5xx}, {@code
 * consecutive_gateway_failure}, {@code base_ejection_time}, {@code max_ejection_time}, {@code max_ejection_percent}).
 * Immutable; built with {@link #builder()}, validated at once.
 *
 * <h2>Rules</h2>
 * <ul>
 *   <li><b>Detectors.</b> {@code consecutive5xx} responses with a status of 500-599 in a row, or {@code
 *       consecutiveGatewayFailure} responses of 502, 503 or 504 in a row, eject a backend; 0 turns either off. A
 *       transport failure (refused, reset, timed out: anything reported as a failed lease) counts for both, as Envoy
 *       does when it does not split local-origin errors. Any other response resets the count (a 500 resets the
 *       gateway-failure count only). With {@link Latency}, a backend whose mean latency over a window exceeds {@code
 *       factor} times the pool's median is ejected too.
 *   <li><b>Time out.</b> The n-th ejection of a backend lasts {@code baseEjectionTime} x n, at most {@code
 *       maxEjectionTime}. The count n drops by one for every {@code baseEjectionTime} a restored backend stays in
 *       rotation without being ejected, so a backend that is healthy again starts over at the base time.
 *   <li><b>Bound.</b> At most {@code maxEjectionPercent} of the pool's members are ejected by outlier detection at
 *       once, rounded down, but at least one whenever the percentage is above 0 (as in Envoy, which ejects one host
 *       regardless). A backend in trial counts as ejected. An ejection the bound refuses is logged and its count starts
 *       again. Ejections by the circuit breaker do not count here.
 *   <li><b>Return.</b> When its time is over the backend takes trial traffic (it is eligible again, still shown
 *       ejected). The first outcome decides: a response below 500 (and, after a latency ejection, no slower than the
 *       limit it broke) restores it; a 5xx, a transport failure (or a slow response) ejects it again at once for the
 *       next, longer time.
 * </ul>
 *
 * @param consecutive5xx 5xx responses in a row that eject a backend; 0 for off
 * @param consecutiveGatewayFailure 502, 503 or 504 responses (or transport failures) in a row that eject; 0 for off
 * @param baseEjectionTime how long a first ejection lasts; later ones last a multiple of it
 * @param maxEjectionTime the longest an ejection may last; at least {@code baseEjectionTime}
 * @param maxEjectionPercent the largest share (0-100) of the pool's members that may be ejected at once
 * @param latency latency outlier detection, or {@code null} for none
 */
public record OutlierConfig(
        int consecutive5xx,
        int consecutiveGatewayFailure,
        Duration baseEjectionTime,
        Duration maxEjectionTime,
        int maxEjectionPercent,
        Latency latency) {

    /** Envoy's default. */
    public static final int DEFAULT_CONSECUTIVE_5XX = 5;
    /** Off by default, as Envoy does not enforce it by default. */
    public static final int DEFAULT_CONSECUTIVE_GATEWAY_FAILURE = 0;

    public static final Duration DEFAULT_BASE_EJECTION_TIME = Duration.ofSeconds(30);
    public static final Duration DEFAULT_MAX_EJECTION_TIME = Duration.ofSeconds(300);
    /** Envoy's default: with fewer than 20 members, still one at a time. */
    public static final int DEFAULT_MAX_EJECTION_PERCENT = 10;

    /** Validates. */
    public OutlierConfig {
        Checks.inRange("outlier.consecutive5xx", consecutive5xx, 0, 10_000);
        Checks.inRange("outlier.consecutiveGatewayFailure", consecutiveGatewayFailure, 0, 10_000);
        atLeastOneMillisecond("outlier.baseEjectionTime", baseEjectionTime);
        atLeastOneMillisecond("outlier.maxEjectionTime", maxEjectionTime);
        if (maxEjectionTime.compareTo(baseEjectionTime) < 0) {
            throw new IllegalArgumentException(Checks.message(
                    "outlier.maxEjectionTime",
                    maxEjectionTime,
                    ">= outlier.baseEjectionTime (" + baseEjectionTime + ")"));
        }
        Checks.inRange("outlier.maxEjectionPercent", maxEjectionPercent, 0, 100);
        if (consecutive5xx == 0 && consecutiveGatewayFailure == 0 && latency == null) {
            throw new IllegalArgumentException(Checks.message(
                    "outlier",
                    "consecutive5xx 0, consecutiveGatewayFailure 0, no latency",
                    "at least one detector on"));
        }
    }

    /** The defaults: 5 consecutive 5xx eject for 30 s, growing to at most 300 s, at most 10% of the pool at once. */
    public static OutlierConfig defaults() {
        return builder().build();
    }

    /** A builder with the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** Whether the consecutive-5xx detector is on. */
    public boolean consecutive5xxEnabled() {
        return consecutive5xx > 0;
    }

    /** Whether the consecutive-gateway-failure detector is on. */
    public boolean consecutiveGatewayFailureEnabled() {
        return consecutiveGatewayFailure > 0;
    }

    /**
     * How many of {@code members} may be ejected at once: {@code maxEjectionPercent} of them rounded down, at least one
     * while the percentage is above 0.
     */
    public int maxEjected(int members) {
        if (maxEjectionPercent == 0 || members == 0) {
            return 0;
        }
        return Math.max(1, (int) ((long) members * maxEjectionPercent / 100));
    }

    /**
     * How long the {@code n}-th ejection (from 1) lasts: {@code baseEjectionTime} x n, at most {@code maxEjectionTime}.
     */
    public Duration ejectionTime(int n) {
        Checks.positive("n", n);
        Duration grown = baseEjectionTime.multipliedBy(n);
        return grown.compareTo(maxEjectionTime) > 0 ? maxEjectionTime : grown;
    }

    private static void atLeastOneMillisecond(String what, Duration d) {
        java.util.Objects.requireNonNull(d, what);
        if (d.toMillis() < 1) {
            throw new IllegalArgumentException(Checks.message(what, d, ">= 1ms"));
        }
    }

    /**
     * Latency outliers: every {@code window}, each backend's mean latency over the window (complete responses below 500
     * only; failures are the other detectors' business) is compared with the median of those means across the pool
     * (the lower middle one for an even count, so that of two backends the slower is compared with the faster);
     * a backend with at least {@code minRequests} responses in the window whose mean exceeds {@code factor} x that
     * median is ejected like a 5xx outlier, within the same bound. Backends with fewer responses take no part.
     *
     * @param factor how many times the pool's median a backend's mean must exceed; above 1
     * @param window how long each measurement runs; the evaluation runs at the end of each
     * @param minRequests responses a backend needs in a window to be judged (and to count in the median)
     */
    public record Latency(double factor, Duration window, int minRequests) {

        public static final double DEFAULT_FACTOR = 3.0;
        public static final Duration DEFAULT_WINDOW = Duration.ofSeconds(10);
        public static final int DEFAULT_MIN_REQUESTS = 20;

        /** Validates. */
        public Latency {
            if (!(factor > 1.0) || Double.isInfinite(factor)) {
                throw new IllegalArgumentException(Checks.message("outlier.latency.factor", factor, "> 1"));
            }
            atLeastOneMillisecond("outlier.latency.window", window);
            Checks.inRange("outlier.latency.minRequests", minRequests, 1, 1_000_000);
        }

        /** Factor 3, a 10 s window, 20 requests at least. */
        public static Latency defaults() {
            return new Latency(DEFAULT_FACTOR, DEFAULT_WINDOW, DEFAULT_MIN_REQUESTS);
        }
    }

    /** Builds an {@link OutlierConfig}; setters validate at once, {@link #build()} the rules across fields. */
    public static final class Builder {
        private int consecutive5xx = DEFAULT_CONSECUTIVE_5XX;
        private int consecutiveGatewayFailure = DEFAULT_CONSECUTIVE_GATEWAY_FAILURE;
        private Duration baseEjectionTime = DEFAULT_BASE_EJECTION_TIME;
        private Duration maxEjectionTime = DEFAULT_MAX_EJECTION_TIME;
        private int maxEjectionPercent = DEFAULT_MAX_EJECTION_PERCENT;
        private Latency latency;

        private Builder() {}

        /** 5xx responses in a row that eject; 0 for off. Default {@value OutlierConfig#DEFAULT_CONSECUTIVE_5XX}. */
        public Builder consecutive5xx(int count) {
            this.consecutive5xx = Checks.inRange("outlier.consecutive5xx", count, 0, 10_000);
            return this;
        }

        /** 502/503/504 responses or transport failures in a row that eject; 0 (the default) for off. */
        public Builder consecutiveGatewayFailure(int count) {
            this.consecutiveGatewayFailure = Checks.inRange("outlier.consecutiveGatewayFailure", count, 0, 10_000);
            return this;
        }

        /** How long a first ejection lasts; at least 1 ms. Default 30 s. */
        public Builder baseEjectionTime(Duration time) {
            atLeastOneMillisecond("outlier.baseEjectionTime", time);
            this.baseEjectionTime = time;
            return this;
        }

        /** The longest an ejection lasts; at least the base time. Default 300 s. */
        public Builder maxEjectionTime(Duration time) {
            atLeastOneMillisecond("outlier.maxEjectionTime", time);
            this.maxEjectionTime = time;
            return this;
        }

        /** The largest share (0-100) of the pool ejected at once. Default 10. */
        public Builder maxEjectionPercent(int percent) {
            this.maxEjectionPercent = Checks.inRange("outlier.maxEjectionPercent", percent, 0, 100);
            return this;
        }

        /** Latency outlier detection; {@code null} (the default) for none. */
        public Builder latency(Latency latency) {
            this.latency = latency;
            return this;
        }

        public OutlierConfig build() {
            return new OutlierConfig(
                    consecutive5xx,
                    consecutiveGatewayFailure,
                    baseEjectionTime,
                    maxEjectionTime,
                    maxEjectionPercent,
                    latency);
        }
    }
}
