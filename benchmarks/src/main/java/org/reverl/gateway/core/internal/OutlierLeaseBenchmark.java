package org.reverl.gateway.core.internal;

import java.time.Duration;
import java.util.Map;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.reverl.gateway.api.Attempts;
import org.reverl.gateway.api.BackendSpec;
import org.reverl.gateway.api.Lease;
import org.reverl.gateway.api.LoadBalancer;
import org.reverl.gateway.api.RequestContext;
import org.reverl.gateway.core.GatewayConfig;
import org.reverl.gateway.core.LoadBalancers;
import org.reverl.gateway.core.OutlierConfig;

/**
 * What outlier detection adds to the acquire/outcome bracket of {@link LeaseBenchmark}: {@code lease.onResponse} with
 * detection off, with {@code consecutive5xx}, and with latency windows too. {@link #acquireOnResponseSome503} answers
 * every fourth request with 503 (the count rises and resets, below the threshold of 5, so nothing is ejected).
 * Target: 0 B/op.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class OutlierLeaseBenchmark {

    @Param({"off", "consecutive5xx", "consecutive5xx_latency"})
    public String outlier;

    private LoadBalancer lb;
    private long durationNanos;

    /** What a transport keeps per connection. */
    @State(Scope.Thread)
    public static class PerThread {
        final Attempts attempts = new Attempts();
        int requests;
    }

    @Setup(Level.Trial)
    public void setUp() {
        OutlierConfig config = switch (outlier) {
            case "off" -> null;
            case "consecutive5xx" -> OutlierConfig.defaults();
            case "consecutive5xx_latency" ->
                OutlierConfig.builder()
                        .latency(new OutlierConfig.Latency(3, Duration.ofSeconds(10), 20))
                        .build();
            default -> throw new IllegalArgumentException("outlier: " + outlier);
        };
        LoadBalancers.Builder b = LoadBalancers.builder()
                .config(GatewayConfig.builder().name("bench").outlier(config).build());
        for (int i = 0; i < 3; i++) {
            b.backend(new BackendSpec("b" + i, "local:b" + i, 1, Map.of()));
        }
        lb = b.build();
        durationNanos = TimeUnit.MILLISECONDS.toNanos(1);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        lb.close();
    }

    @Benchmark
    public Lease acquireOnResponse(PerThread thread) {
        Lease lease = lb.acquire(RequestContext.NONE, thread.attempts);
        lease.onResponse(200, durationNanos);
        return lease;
    }

    @Benchmark
    public Lease acquireOnResponseSome503(PerThread thread) {
        Lease lease = lb.acquire(RequestContext.NONE, thread.attempts);
        lease.onResponse((++thread.requests & 3) == 0 ? 503 : 200, durationNanos);
        return lease;
    }
}
