package org.reverl.gateway.core;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.Map;
import org.reverl.gateway.api.Checks;

/**
 * How a gateway selects, protects and fails over: one immutable value, built with {@link #builder()} and validated on
 * {@link Builder#build()}. Defaults are the {@code DEFAULT_*} constants.
 *
 * @param name the gateway's name, in logs and thread names
 * @param strategy the selection strategy's name, e.g. {@code round_robin}
 * @param strategyOptions the strategy's options
 * @param maxAttempts how many backends one call may be sent to, the first included (1 = no failover)
 * @param retryBudgetPercent failover retries allowed at once, as a percentage of the requests in flight
 * @param minRetryConcurrency failover retries always allowed at once, whatever the percentage gives
 * @param callTimeout how long a call may take, failovers included, before it fails
 * @param breakerFailureRateThreshold failure percentage over the breaker's window that opens it
 * @param breakerSlidingWindowSize how many recent calls per backend the breaker looks at
 * @param breakerMinimumNumberOfCalls how many calls the breaker needs before it judges a failure rate
 * @param breakerWaitDurationInOpenState how long an ejected backend stays out before trial calls
 * @param breakerPermittedCallsInHalfOpenState how many trial calls decide whether an ejected backend comes back
 * @param errorRepliesCountAsFailures whether an error replied by a backend (not a transport failure) counts against
 *     its health
 * @param healthCheck active probing, or {@code null} for none (passive detection and lifecycle only)
 * @param slowStart how long a backend that comes back ramps its effective weight from 10% to 100%; zero for none
 * @param panicThresholdPercent when fewer than this share (0-100) of the members that are not administratively out
 *     are eligible, spread requests over all of them rather than overload the few; 0 turns panic mode off
 * @param outlier passive outlier ejection on responses, or {@code null} (the default) for none
 */
public record GatewayConfig(
        String name,
        String strategy,
        Map<String, String> strategyOptions,
        int maxAttempts,
        double retryBudgetPercent,
        int minRetryConcurrency,
        Duration callTimeout,
        float breakerFailureRateThreshold,
        int breakerSlidingWindowSize,
        int breakerMinimumNumberOfCalls,
        Duration breakerWaitDurationInOpenState,
        int breakerPermittedCallsInHalfOpenState,
        boolean errorRepliesCountAsFailures,
        HealthCheckConfig healthCheck,
        Duration slowStart,
        int panicThresholdPercent,
        OutlierConfig outlier) {

    public static final String DEFAULT_NAME = "reverl";
    public static final String DEFAULT_STRATEGY = "round_robin";
    public static final int DEFAULT_MAX_ATTEMPTS = 3;
    public static final int MAX_MAX_ATTEMPTS = 10;
    /** Envoy's default retry budget: 20% of active requests. */
    public static final double DEFAULT_RETRY_BUDGET_PERCENT = 20.0;
    /** Envoy's default floor: 3 concurrent retries. */
    public static final int DEFAULT_MIN_RETRY_CONCURRENCY = 3;

    public static final Duration DEFAULT_CALL_TIMEOUT = Duration.ofSeconds(30);
    public static final float DEFAULT_BREAKER_FAILURE_RATE_THRESHOLD = 50f; // percent
    public static final int DEFAULT_BREAKER_SLIDING_WINDOW_SIZE = 20; // calls
    public static final int DEFAULT_BREAKER_MINIMUM_NUMBER_OF_CALLS = 10; // calls
    public static final Duration DEFAULT_BREAKER_WAIT_DURATION_IN_OPEN_STATE = Duration.ofSeconds(5);
    public static final int DEFAULT_BREAKER_PERMITTED_CALLS_IN_HALF_OPEN_STATE = 3;

    /** Validates and copies; the rules are those of {@link Builder}. */
    public GatewayConfig {
        Checks.notBlank("name", name);
        Checks.pluginName("strategy", strategy);
        strategyOptions = Map.copyOf(requireNonNull(strategyOptions, "strategyOptions"));
        Checks.inRange("maxAttempts", maxAttempts, 1, MAX_MAX_ATTEMPTS);
        Checks.inRange("retryBudgetPercent", retryBudgetPercent, 0.0, 100.0);
        Checks.inRange("minRetryConcurrency", minRetryConcurrency, 0, 10_000);
        Checks.positive("callTimeout", callTimeout);
        Checks.inRange("breakerFailureRateThreshold", breakerFailureRateThreshold, 1.0, 100.0);
        Checks.inRange("breakerSlidingWindowSize", breakerSlidingWindowSize, 1, 10_000);
        Checks.inRange("breakerMinimumNumberOfCalls", breakerMinimumNumberOfCalls, 1, 10_000);
        if (breakerMinimumNumberOfCalls > breakerSlidingWindowSize) {
            throw new IllegalArgumentException(Checks.message(
                    "breakerMinimumNumberOfCalls",
                    breakerMinimumNumberOfCalls,
                    "<= breakerSlidingWindowSize (" + breakerSlidingWindowSize + ")"));
        }
        if (breakerWaitDurationInOpenState.toMillis() < 1) {
            throw new IllegalArgumentException(
                    Checks.message("breakerWaitDurationInOpenState", breakerWaitDurationInOpenState, ">= 1ms"));
        }
        Checks.inRange("breakerPermittedCallsInHalfOpenState", breakerPermittedCallsInHalfOpenState, 1, 10_000);
        Checks.notNegative("slowStart", slowStart);
        Checks.inRange("panicThresholdPercent", panicThresholdPercent, 0, 100);
    }

    /** The defaults. */
    public static GatewayConfig defaults() {
        return builder().build();
    }

    /** A builder with the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from this config. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Builds a {@link GatewayConfig}. Setters validate at once. Not thread-safe. */
    public static final class Builder {
        private String name = DEFAULT_NAME;
        private String strategy = DEFAULT_STRATEGY;
        private Map<String, String> strategyOptions = Map.of();
        private int maxAttempts = DEFAULT_MAX_ATTEMPTS;
        private double retryBudgetPercent = DEFAULT_RETRY_BUDGET_PERCENT;
        private int minRetryConcurrency = DEFAULT_MIN_RETRY_CONCURRENCY;
        private Duration callTimeout = DEFAULT_CALL_TIMEOUT;
        private float breakerFailureRateThreshold = DEFAULT_BREAKER_FAILURE_RATE_THRESHOLD;
        private int breakerSlidingWindowSize = DEFAULT_BREAKER_SLIDING_WINDOW_SIZE;
        private int breakerMinimumNumberOfCalls = DEFAULT_BREAKER_MINIMUM_NUMBER_OF_CALLS;
        private Duration breakerWaitDurationInOpenState = DEFAULT_BREAKER_WAIT_DURATION_IN_OPEN_STATE;
        private int breakerPermittedCallsInHalfOpenState = DEFAULT_BREAKER_PERMITTED_CALLS_IN_HALF_OPEN_STATE;
        private boolean errorRepliesCountAsFailures;
        private HealthCheckConfig healthCheck;
        private Duration slowStart = Duration.ZERO;
        private int panicThresholdPercent;
        private OutlierConfig outlier;

        private Builder() {}

        private Builder(GatewayConfig c) {
            name = c.name;
            strategy = c.strategy;
            strategyOptions = c.strategyOptions;
            maxAttempts = c.maxAttempts;
            retryBudgetPercent = c.retryBudgetPercent;
            minRetryConcurrency = c.minRetryConcurrency;
            callTimeout = c.callTimeout;
            breakerFailureRateThreshold = c.breakerFailureRateThreshold;
            breakerSlidingWindowSize = c.breakerSlidingWindowSize;
            breakerMinimumNumberOfCalls = c.breakerMinimumNumberOfCalls;
            breakerWaitDurationInOpenState = c.breakerWaitDurationInOpenState;
            breakerPermittedCallsInHalfOpenState = c.breakerPermittedCallsInHalfOpenState;
            errorRepliesCountAsFailures = c.errorRepliesCountAsFailures;
            healthCheck = c.healthCheck;
            slowStart = c.slowStart;
            panicThresholdPercent = c.panicThresholdPercent;
            outlier = c.outlier;
        }

        /** Passive outlier ejection on responses; {@code null} (the default) for none. */
        public Builder outlier(OutlierConfig outlier) {
            this.outlier = outlier;
            return this;
        }

        /** Active probing; {@code null} (the default) for none. */
        public Builder healthCheck(HealthCheckConfig healthCheck) {
            this.healthCheck = healthCheck;
            return this;
        }

        /** Ramp-up window of a backend that comes back; zero (the default) for none. */
        public Builder slowStart(Duration window) {
            this.slowStart = Checks.notNegative("slowStart", window);
            return this;
        }

        /** Panic threshold in percent of eligible members; 0 (the default) for none. Envoy uses 50. */
        public Builder panicThresholdPercent(int percent) {
            this.panicThresholdPercent = Checks.inRange("panicThresholdPercent", percent, 0, 100);
            return this;
        }

        /** The gateway's name, in logs and thread names. Default {@value GatewayConfig#DEFAULT_NAME}. */
        public Builder name(String name) {
            this.name = Checks.notBlank("name", name);
            return this;
        }

        /** The selection strategy by name, with no options. Default {@value GatewayConfig#DEFAULT_STRATEGY}. */
        public Builder strategy(String name) {
            return strategy(name, Map.of());
        }

        /** The selection strategy by name, with its options. */
        public Builder strategy(String name, Map<String, String> options) {
            this.strategy = Checks.pluginName("strategy", name);
            this.strategyOptions = Map.copyOf(requireNonNull(options, "options"));
            return this;
        }

        /** Backends one call may be sent to, the first included: 1 to 10. Default 3. */
        public Builder maxAttempts(int maxAttempts) {
            this.maxAttempts = Checks.inRange("maxAttempts", maxAttempts, 1, MAX_MAX_ATTEMPTS);
            return this;
        }

        /** Retries allowed at once as a percentage (0-100) of requests in flight. Default 20. */
        public Builder retryBudgetPercent(double percent) {
            this.retryBudgetPercent = Checks.inRange("retryBudgetPercent", percent, 0.0, 100.0);
            return this;
        }

        /** Retries always allowed at once. Default 3. */
        public Builder minRetryConcurrency(int min) {
            this.minRetryConcurrency = Checks.inRange("minRetryConcurrency", min, 0, 10_000);
            return this;
        }

        /** How long a call may take, failovers included. Default 30 s. */
        public Builder callTimeout(Duration timeout) {
            this.callTimeout = Checks.positive("callTimeout", timeout);
            return this;
        }

        /** Failure percentage (1-100) over the window that opens a backend's breaker. Default 50. */
        public Builder breakerFailureRateThreshold(float percent) {
            this.breakerFailureRateThreshold =
                    (float) Checks.inRange("breakerFailureRateThreshold", percent, 1.0, 100.0);
            return this;
        }

        /** Recent calls per backend the breaker looks at. Default 20. */
        public Builder breakerSlidingWindowSize(int calls) {
            this.breakerSlidingWindowSize = Checks.inRange("breakerSlidingWindowSize", calls, 1, 10_000);
            return this;
        }

        /** Calls the breaker needs before judging; at most the window size. Default 10. */
        public Builder breakerMinimumNumberOfCalls(int calls) {
            this.breakerMinimumNumberOfCalls = Checks.inRange("breakerMinimumNumberOfCalls", calls, 1, 10_000);
            return this;
        }

        /** How long an ejected backend stays out before trial calls; at least 1 ms. Default 5 s. */
        public Builder breakerWaitDurationInOpenState(Duration wait) {
            Checks.positive("breakerWaitDurationInOpenState", wait);
            this.breakerWaitDurationInOpenState = wait;
            return this;
        }

        /** Trial calls that decide whether an ejected backend comes back. Default 3. */
        public Builder breakerPermittedCallsInHalfOpenState(int calls) {
            this.breakerPermittedCallsInHalfOpenState =
                    Checks.inRange("breakerPermittedCallsInHalfOpenState", calls, 1, 10_000);
            return this;
        }

        /**
         * Whether an error replied by a backend (its function threw, say) counts against its health. Default {@code
         * false}: the backend answered, so it is up; transport failures and timeouts always count.
         */
        public Builder errorRepliesCountAsFailures(boolean count) {
            this.errorRepliesCountAsFailures = count;
            return this;
        }

        /** Builds, checking the rules that span fields. */
        public GatewayConfig build() {
            return new GatewayConfig(
                    name,
                    strategy,
                    strategyOptions,
                    maxAttempts,
                    retryBudgetPercent,
                    minRetryConcurrency,
                    callTimeout,
                    breakerFailureRateThreshold,
                    breakerSlidingWindowSize,
                    breakerMinimumNumberOfCalls,
                    breakerWaitDurationInOpenState,
                    breakerPermittedCallsInHalfOpenState,
                    errorRepliesCountAsFailures,
                    healthCheck,
                    slowStart,
                    panicThresholdPercent,
                    outlier);
        }
    }
}
