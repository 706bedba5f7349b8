package org.reverl.gateway.core.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
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
import org.reverl.gateway.api.Backend;
import org.reverl.gateway.api.Lease;
import org.reverl.gateway.api.RequestContext;
import org.reverl.gateway.api.SelectionStrategy;

/**
 * One {@link SelectionStrategy#select} of the hashing strategies over the engine's own backends, for 1,024 different
 * client keys in turn (so the table lookups are not one cached line), with bounded loads off ({@code 0}) and on
 * ({@code 150}), over idle backends and over backends holding {@code inFlight} requests each on average (leases taken
 * at set-up and held): then the bounded pick cannot accept the key's backend at a glance and sums every backend's
 * in-flight count. Target: 0 B/op.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class HashPickBenchmark {

    @Param({"ring_hash", "maglev"})
    public String strategy;

    @Param({"0", "150"})
    public String balanceFactor;

    @Param({"3", "50", "1000"})
    public int backends;

    @Param({"0", "8"})
    public int inFlight;

    private final List<Lease> held = new ArrayList<>();

    private DefaultLoadBalancer lb;
    private SelectionStrategy selector;

    /** A client: its address hash, as the HTTP data path computes one. */
    private static final class Client implements RequestContext {
        final long hash;

        Client(long hash) {
            this.hash = hash;
        }

        @Override
        public long affinityHash() {
            return hash;
        }
    }

    /** Each thread's own walk through the clients. */
    @State(Scope.Thread)
    public static class Clients {
        final Client[] clients = new Client[1024];
        int next;

        @Setup(Level.Trial)
        public void setUp() {
            SplittableRandom random = new SplittableRandom(42);
            for (int i = 0; i < clients.length; i++) {
                clients[i] = new Client(random.nextLong());
            }
        }

        Client next() {
            return clients[next++ & (clients.length - 1)];
        }
    }

    @Setup(Level.Trial)
    public void setUp() {
        lb = Fleet.loadBalancer(strategy, Map.of("balance_factor", balanceFactor), backends);
        selector = lb.strategy();
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < inFlight * backends; i++) {
            held.add(lb.acquire(new Client(random.nextLong()), new Attempts()));
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        held.forEach(Lease::release);
        held.clear();
        lb.close();
    }

    @Benchmark
    public Backend pick(Clients clients) {
        return selector.select(clients.next());
    }
}
