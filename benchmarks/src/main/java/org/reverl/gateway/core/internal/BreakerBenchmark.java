package org.reverl.gateway.core.internal;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowSynchronizationStrategy;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowType;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.reverl.gateway.core.GatewayConfig;

/**
 * What one resilience4j circuit breaker costs per call (permission plus a success recorded), for the configurations
 * the engine could use; chooses {@code HealthControl.breakerConfig} by measurement.
 *
 * <ul>
 *   <li>{@code count20_sync_events}: COUNT_BASED, 20 calls, SYNCHRONIZED, with a state-transition consumer registered
 *       (any consumer makes resilience4j build an event object for every call);
 *   <li>{@code count20_sync}, {@code count100_sync}: COUNT_BASED, 20 or 100 calls (resilience4j's default), SYNCHRONIZED;
 *   <li>{@code count20_lockfree}: COUNT_BASED, 20 calls, LOCK_FREE;
 *   <li>{@code time10s_sync}, {@code time10s_lockfree}: TIME_BASED, 10 seconds.
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class BreakerBenchmark {

    @Param({
        "count20_sync_events",
        "count20_sync",
        "count100_sync",
        "count20_lockfree",
        "time10s_sync",
        "time10s_lockfree"
    })
    public String config;

    private CircuitBreaker breaker;
    private long durationNanos;

    @Setup(Level.Trial)
    public void setUp() {
        String[] parts = config.split("_");
        SlidingWindowType type =
                parts[0].startsWith("count") ? SlidingWindowType.COUNT_BASED : SlidingWindowType.TIME_BASED;
        int size = Integer.parseInt(parts[0].replaceAll("[^0-9]", ""));
        SlidingWindowSynchronizationStrategy sync = parts[1].equals("lockfree")
                ? SlidingWindowSynchronizationStrategy.LOCK_FREE
                : SlidingWindowSynchronizationStrategy.SYNCHRONIZED;
        GatewayConfig defaults = GatewayConfig.defaults();
        breaker = CircuitBreaker.of(
                "bench",
                CircuitBreakerConfig.custom()
                        .slidingWindow(size, defaults.breakerMinimumNumberOfCalls(), type, sync)
                        .failureRateThreshold(defaults.breakerFailureRateThreshold())
                        .waitDurationInOpenState(defaults.breakerWaitDurationInOpenState())
                        .permittedNumberOfCallsInHalfOpenState(defaults.breakerPermittedCallsInHalfOpenState())
                        .automaticTransitionFromOpenToHalfOpenEnabled(false)
                        .writableStackTraceEnabled(false)
                        .build());
        if (parts.length > 2 && parts[2].equals("events")) {
            breaker.getEventPublisher().onStateTransition(e -> {});
        }
        durationNanos = TimeUnit.MILLISECONDS.toNanos(1);
    }

    @Benchmark
    public boolean permissionAndSuccess() {
        boolean permitted = breaker.tryAcquirePermission();
        breaker.onSuccess(durationNanos, TimeUnit.NANOSECONDS);
        return permitted;
    }
}
