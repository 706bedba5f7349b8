package org.reverl.gateway.core.internal;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.decorators.Decorators;
import io.github.resilience4j.retry.Retry;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.reverl.gateway.api.Gateway;
import org.reverl.gateway.core.GatewayConfig;
import org.reverl.gateway.core.Gateways;

/**
 * A whole call to an in-process backend that answers at once ({@link InstantEndpoint}), four ways:
 *
 * <ul>
 *   <li>{@code direct}: the backend's {@code send}, no load balancing (the baseline);
 *   <li>{@code gateway}: {@link Gateway#call} over round_robin;
 *   <li>{@code resilience4jDecorators}: what a user writes without Reverl for the same asynchronous call: an {@link
 *       AtomicInteger} round robin and, per backend, one resilience4j {@link CircuitBreaker} and one {@link Retry}
 *       (default configurations), composed per call with {@link Decorators#ofCompletionStage};
 *   <li>{@code resilience4jDecoratorsSync}: the cheapest form of the same: the synchronous function decorated once
 *       per backend with {@link Decorators#ofFunction}.
 * </ul>
 *
 * Targets: {@code gateway} at least 2x faster than {@code resilience4jDecorators}, and within 100 ns of {@code direct}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class GatewayCallBenchmark {

    @Param({"3", "50", "1000"})
    public int backends;

    /** A boxed value whose reply is also in the Integer cache, so neither side allocates for boxing. */
    public Integer request = 21;

    private InstantEndpoint[] endpoints;
    private Gateway<Integer, Integer> gateway;

    private final AtomicInteger next = new AtomicInteger();
    private CircuitBreaker[] breakers;
    private Retry[] retries;
    private Function<Integer, Integer>[] decorated;
    private ScheduledExecutorService scheduler;

    @Setup(Level.Trial)
    public void setUp() {
        Function<Integer, Integer> function = x -> 2 * x;
        endpoints = new InstantEndpoint[backends];
        Gateways.Builder<Integer, Integer> builder = Gateways.<Integer, Integer>builder()
                .config(GatewayConfig.builder().name("bench").build());
        for (int i = 0; i < backends; i++) {
            endpoints[i] = new InstantEndpoint("b" + i, function);
            builder.backend(endpoints[i]);
        }
        gateway = builder.build();

        breakers = new CircuitBreaker[backends];
        retries = new Retry[backends];
        decorated = newFunctionArray(backends);
        for (int i = 0; i < backends; i++) {
            breakers[i] = CircuitBreaker.ofDefaults("b" + i);
            retries[i] = Retry.ofDefaults("b" + i);
            decorated[i] = Decorators.ofFunction(function)
                    .withCircuitBreaker(breakers[i])
                    .withRetry(retries[i])
                    .decorate();
        }
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "bench-retry-scheduler");
            t.setDaemon(true);
            return t;
        });
    }

    @SuppressWarnings("unchecked")
    private static Function<Integer, Integer>[] newFunctionArray(int n) {
        return (Function<Integer, Integer>[]) new Function<?, ?>[n];
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        gateway.close();
        scheduler.shutdownNow();
    }

    @Benchmark
    public Integer direct() {
        return endpoints[0].send(request).toCompletableFuture().join();
    }

    @Benchmark
    public Integer gateway() {
        return gateway.call(request).toCompletableFuture().join();
    }

    @Benchmark
    public Integer resilience4jDecorators() {
        int i = (next.getAndIncrement() & Integer.MAX_VALUE) % endpoints.length;
        InstantEndpoint endpoint = endpoints[i];
        Integer q = request;
        CompletionStage<Integer> reply = Decorators.ofCompletionStage(() -> endpoint.send(q))
                .withCircuitBreaker(breakers[i])
                .withRetry(retries[i], scheduler)
                .get();
        return reply.toCompletableFuture().join();
    }

    @Benchmark
    public Integer resilience4jDecoratorsSync() {
        int i = (next.getAndIncrement() & Integer.MAX_VALUE) % decorated.length;
        return decorated[i].apply(request);
    }
}
