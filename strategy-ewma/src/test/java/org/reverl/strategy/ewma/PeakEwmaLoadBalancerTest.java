package org.reverl.strategy.ewma;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.reverl.gateway.api.Attempts;
import org.reverl.gateway.api.BackendSpec;
import org.reverl.gateway.api.Lease;
import org.reverl.gateway.api.LoadBalancer;
import org.reverl.gateway.api.RequestContext;
import org.reverl.gateway.core.GatewayConfig;
import org.reverl.gateway.core.LoadBalancers;
import org.reverl.gateway.core.ProviderRegistry;

/**
 * {@code peak_ewma} inside the engine: picks through {@link LoadBalancer#acquire}, latencies fed back by the engine's
 * own leases ({@code onSuccess}), in-flight counts kept by the engine. Time is virtual: one request every
 * millisecond, each completing after its backend's latency, on the strategy's injected ticker.
 */
class PeakEwmaLoadBalancerTest {

    private static final long MS = 1_000_000L;

    private final AtomicLong now = new AtomicLong();

    private LoadBalancer loadBalancer(int backends) {
        LoadBalancers.Builder builder = LoadBalancers.builder()
                .registry(ProviderRegistry.of(List.of(new PeakEwmaStrategyProvider(now::get)), List.of()))
                .config(GatewayConfig.builder()
                        .name("ewma")
                        .strategy("peak_ewma")
                        .build());
        for (int i = 0; i < backends; i++) {
            builder.backend(new BackendSpec("b" + i, "local:b" + i, 1, Map.of()));
        }
        return builder.build();
    }

    /** A lease that ends at {@code end}. */
    private record Pending(long end, long latency, Lease lease) {}

    /** Runs {@code requests} requests, one per ms, and returns the picks per backend id. */
    private Map<String, Integer> run(LoadBalancer lb, int requests, Map<String, Long> latencies) {
        Map<String, Integer> picks = new HashMap<>();
        PriorityQueue<Pending> pending = new PriorityQueue<>((x, y) -> Long.compare(x.end, y.end));
        for (int i = 0; i < requests; i++) {
            now.addAndGet(MS);
            while (!pending.isEmpty() && pending.peek().end <= now.get()) {
                Pending p = pending.poll();
                p.lease.onSuccess(p.latency);
            }
            Lease lease = lb.acquire(RequestContext.NONE, new Attempts());
            assertThat(lease).isNotNull();
            String id = lease.backend().id();
            picks.merge(id, 1, Integer::sum);
            long latency = latencies.getOrDefault(id, 0L);
            pending.add(new Pending(now.get() + latency, latency, lease));
        }
        pending.forEach(p -> p.lease.release());
        return picks;
    }

    @Test
    void tenTimesSlowerBackend_getsFewerPicks() {
        try (LoadBalancer lb = loadBalancer(3)) {
            Map<String, Long> latencies = Map.of("b0", 10 * MS, "b1", 10 * MS, "b2", 100 * MS);
            Map<String, Integer> picks = run(lb, 30_000, latencies); // 30 s of virtual time

            // the fast ones share almost everything; the slow one gets probes as its estimate decays
            assertThat(picks.get("b2")).isLessThan(30_000 / 100);
            assertThat(picks.get("b0")).isGreaterThan(14_000);
            assertThat(picks.get("b1")).isGreaterThan(14_000);
            assertThat(lb.backends()).allSatisfy(b -> assertThat(b.inFlight()).isZero());
        }
    }

    @Test
    void equalBackends_shareTheLoad() {
        try (LoadBalancer lb = loadBalancer(3)) {
            Map<String, Long> latencies = Map.of("b0", 10 * MS, "b1", 10 * MS, "b2", 10 * MS);
            Map<String, Integer> picks = run(lb, 30_000, latencies);
            assertThat(picks.values()).allSatisfy(n -> assertThat(n).isBetween(8_000, 12_000));
        }
    }
}
