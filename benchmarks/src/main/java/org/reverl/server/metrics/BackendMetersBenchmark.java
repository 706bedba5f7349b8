package org.reverl.server.metrics;

import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.reverl.gateway.api.BackendSpec;
import org.reverl.gateway.api.LoadBalancer;
import org.reverl.gateway.core.LoadBalancers;

/**
 * Recording one response's latency for a backend, as {@link BackendMeters#onResponse} does on the event loop.
 * {@link #timerWithPercentiles} is the Timer as it was: the Prometheus buckets plus Micrometer's own p50 and p99 over a
 * minute (an HdrHistogram recorder). {@link #timerAndWindow} is the Timer with the buckets only plus a {@link
 * LatencyWindow} for the p50 and p99; {@link #window} is the window alone and {@link #onResponse} the whole call with
 * its counters. Latencies cycle through 1,024 values from a log-normal distribution (median 2 ms). Target: 0 B/op.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class BackendMetersBenchmark {

    private static final int VALUES = 1024;

    private PrometheusMeterRegistry registry;
    private LoadBalancer lb;
    private Timer withPercentiles;
    private Timer bucketsOnly;
    private LatencyWindow latencyWindow;
    private BackendMeters meters;
    private final long[] latencies = new long[VALUES];

    /** Where a thread is in the latencies. */
    @State(Scope.Thread)
    public static class PerThread {
        int next;
    }

    @Setup(Level.Trial)
    public void setUp() {
        registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        withPercentiles = Timer.builder("before")
                .serviceLevelObjectives(BackendMeters.LATENCY_BUCKETS)
                .publishPercentiles(0.5, 0.99)
                .distributionStatisticExpiry(BackendMeters.RECENT)
                .register(registry);
        bucketsOnly = Timer.builder("after")
                .serviceLevelObjectives(BackendMeters.LATENCY_BUCKETS)
                .distributionStatisticExpiry(BackendMeters.RECENT)
                .register(registry);
        latencyWindow = new LatencyWindow(BackendMeters.RECENT, System::nanoTime);
        lb = LoadBalancers.builder()
                .backend(BackendSpec.of("b1", "http://127.0.0.1:9001"))
                .build();
        meters = new BackendMeters(registry, lb.backend("b1").orElseThrow(), "default", System::nanoTime);
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < VALUES; i++) {
            latencies[i] = (long) (2_000_000 * Math.exp(random.nextGaussian()));
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        lb.close();
        registry.close();
    }

    private long next(PerThread thread) {
        return latencies[thread.next++ & (VALUES - 1)];
    }

    @Benchmark
    public void timerWithPercentiles(PerThread thread) {
        withPercentiles.record(next(thread), TimeUnit.NANOSECONDS);
    }

    @Benchmark
    public void timerAndWindow(PerThread thread) {
        long nanos = next(thread);
        bucketsOnly.record(nanos, TimeUnit.NANOSECONDS);
        latencyWindow.record(nanos);
    }

    @Benchmark
    public void window(PerThread thread) {
        latencyWindow.record(next(thread));
    }

    @Benchmark
    public void onResponse(PerThread thread) {
        meters.onResponse(200, next(thread));
    }
}
