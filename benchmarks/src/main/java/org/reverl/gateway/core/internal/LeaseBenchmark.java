package org.reverl.gateway.core.internal;

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
import org.reverl.gateway.api.BackendState;
import org.reverl.gateway.api.BackendUnavailableException;
import org.reverl.gateway.api.Lease;
import org.reverl.gateway.api.LoadBalancer;
import org.reverl.gateway.api.RequestContext;

/**
 * The acquire/outcome bracket of the hot path through the public {@link LoadBalancer} API, as a transport uses it: pick,
 * breaker permission, in-flight count, outcome recorded by the backend's circuit breaker. Target: 0 B/op.
 *
 * <p>{@link #lastResortRequest} measures the path taken when every backend is out (ejected): one request tries each of
 * three backends once as a last resort, fails on each, and gets {@code null}. Target: 0 B/op there too.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class LeaseBenchmark {

    @Param({"round_robin", "peak_ewma"})
    public String strategy;

    @Param({"3", "50", "1000"})
    public int backends;

    private static final Exception REFUSED = new java.net.ConnectException("connection refused");

    private LoadBalancer lb;
    private RequestContext request;
    private long durationNanos;

    /** What a transport keeps per connection: one {@link Attempts}, cleared between requests. */
    @State(Scope.Thread)
    public static class PerThread {
        final Attempts attempts = new Attempts();
    }

    /** Three backends, every one ejected: nothing is eligible, so acquire hands out last-resort leases. */
    @State(Scope.Benchmark)
    public static class AllEjected {
        LoadBalancer lb;

        @Setup(Level.Trial)
        public void setUp() {
            lb = Fleet.loadBalancer("round_robin", 3);
            for (int i = 0; i < 3; i++) {
                Lease lease = lb.acquire(RequestContext.NONE, new Attempts());
                lease.onFailure(
                        1, new BackendUnavailableException(lease.backend().id(), "connection refused", true));
                String id = lease.backend().id();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (lb.backend(id).orElseThrow().state() != BackendState.EJECTED) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("backend " + id + " was not ejected");
                    }
                    Thread.onSpinWait();
                }
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            lb.close();
        }
    }

    @Setup(Level.Trial)
    public void setUp() {
        lb = Fleet.loadBalancer(strategy, backends);
        request = RequestContext.NONE;
        durationNanos = TimeUnit.MILLISECONDS.toNanos(1);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        lb.close();
    }

    @Benchmark
    public Lease acquireOnSuccess(PerThread thread) {
        Lease lease = lb.acquire(request, thread.attempts);
        lease.onSuccess(durationNanos);
        return lease;
    }

    @Benchmark
    public int lastResortRequest(AllEjected fleet, PerThread thread) {
        Attempts attempts = thread.attempts;
        attempts.clear();
        Lease lease;
        while ((lease = fleet.lb.acquire(request, attempts)) != null) {
            lease.onFailure(durationNanos, REFUSED);
            attempts.record(lease.backend(), "connection refused");
        }
        return attempts.size();
    }
}
