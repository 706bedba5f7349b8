package org.reverl.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;

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
        BackendHistory history = new BackendHistory(lb, metrics, now::get, 3);
        Backend b1 = lb.backend("b1").orElseThrow();
        history.sample(); // baseline

        for (int second = 1; second <= 4; second++) {
            for (int i = 0; i < 10 * second; i++) {
                metrics.observer().onResponse(b1, i % 5 == 0 ? 503 : 200, 2_000_000);
            }
            now.addAndGet(2000); // two seconds between samples
            history.sample();
        }

        Map<String, List<BackendHistory.Point>> points = history.snapshot();
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
        assertThat(history.snapshot()).containsOnlyKeys("b1");
    }
}
