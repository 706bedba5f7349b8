package org.reverl.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.reverl.gateway.api.Backend;
import org.reverl.gateway.api.BackendSpec;
import org.reverl.gateway.api.LoadBalancer;
import org.reverl.gateway.core.LoadBalancers;

/** The charts' history, sampled by hand with a clock the test moves. */
class BackendHistoryTest {

    private final LoadBalancer lb = LoadBalancers.builder()
            .backend(BackendSpec.of("b1", "http://127.0.0.1:9001"))
            .backend(BackendSpec.of("b2", "http://127.0.0.1:9002"))
            .build();
    private final ServerMetrics metrics = ServerMetrics.create(lb);

    @AfterEach
    void close() {
        metrics.close();
        lb.close();
    }

    @Test
    void sample_ratesPerSecondSinceThePreviousPoint_keepsTheLastN_forgetsRemovedBackends() {
        AtomicLong now = new AtomicLong(1_000_000);
        BackendHistory history = new BackendHistory(() -> Map.of("default", lb), metrics, now::get, 3);
        Backend b1 = lb.backend("b1").orElseThrow();
        history.sample(); // baseline

        for (int second = 1; second <= 4; second++) {
            for (int i = 0; i < 10 * second; i++) {
                metrics.observer().onResponse(b1, i % 5 == 0 ? 503 : 200, 2_000_000);
            }
            now.addAndGet(2000); // two seconds between samples
            history.sample();
        }

        Map<String, List<BackendHistory.Point>> points = history.snapshot("default");
        assertThat(points.get("b1")).hasSize(3); // the last three of four
        assertThat(points.get("b1"))
                .extracting(BackendHistory.Point::requestsPerSecond)
                .containsExactly(10.0, 15.0, 20.0);
        assertThat(points.get("b1"))
                .extracting(BackendHistory.Point::errorsPerSecond)
                .containsExactly(2.0, 3.0, 4.0);
        assertThat(points.get("b1").get(2).p99Millis()).isGreaterThan(1.0);
        assertThat(points.get("b2"))
                .extracting(BackendHistory.Point::requestsPerSecond)
                .containsOnly(0.0);

        lb.remove("b2");
        history.sample();
        assertThat(history.snapshot("default")).containsOnlyKeys("b1");
    }

    @Test
    void sample_everyPool_aBackendKnownByItsPool_evenUnderAnIdAnotherPoolHas() {
        LoadBalancer api = LoadBalancers.builder()
                .backend(BackendSpec.of("b1", "http://127.0.0.1:9101"))
                .build();
        metrics.follow("api", api);
        Map<String, LoadBalancer> pools = new LinkedHashMap<>(Map.of("default", lb));
        pools.put("api", api);
        AtomicLong now = new AtomicLong(1_000_000);
        BackendHistory history = new BackendHistory(() -> pools, metrics, now::get, 10);
        try {
            history.sample(); // baseline
            for (int i = 0; i < 30; i++) {
                metrics.observer().onResponse(api.backend("b1").orElseThrow(), 200, 1_000_000);
            }
            for (int i = 0; i < 10; i++) {
                metrics.observer().onResponse(lb.backend("b1").orElseThrow(), 200, 1_000_000);
            }
            now.addAndGet(1000);
            history.sample();

            assertThat(history.snapshot("api")).containsOnlyKeys("b1");
            assertThat(history.snapshot("api").get("b1"))
                    .extracting(BackendHistory.Point::requestsPerSecond)
                    .containsExactly(30.0);
            assertThat(history.snapshot("default").get("b1"))
                    .extracting(BackendHistory.Point::requestsPerSecond)
                    .containsExactly(10.0);

            pools.remove("api"); // a reload took the pool away
            history.sample();
            assertThat(history.snapshot("api")).isEmpty();
            assertThat(history.snapshot("default")).containsOnlyKeys("b1", "b2");
        } finally {
            api.close();
        }
    }
}
