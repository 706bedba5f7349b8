package org.reverl.health.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.reverl.gateway.api.BackendEvent;
import org.reverl.gateway.api.BackendSpec;
import org.reverl.gateway.api.BackendState;
import org.reverl.gateway.api.LoadBalancer;
import org.reverl.gateway.core.GatewayConfig;
import org.reverl.gateway.core.HealthCheckConfig;
import org.reverl.gateway.core.LoadBalancers;

/** The gateway's health state machine driving the real {@code http} probe against a real HTTP server. */
class HttpHealthCheckIT {

    private static final Duration INTERVAL = Duration.ofMillis(100);
    private static final int FALL = 2;
    private static final int RISE = 2;
    /** Scheduling slack on a loaded 2-core machine; the bound is about correctness, not speed. */
    private static final Duration SLACK = Duration.ofSeconds(3);

    private final List<BackendEvent> events = new CopyOnWriteArrayList<>();
    private LoadBalancer lb;
    private HealthServer server;

    @AfterEach
    void tearDown() {
        if (lb != null) {
            lb.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void healthPathAnswers503_backendGoesDown_answers200_comesBackUp() throws Exception {
        server = HealthServer.http();
        lb = LoadBalancers.builder()
                .config(GatewayConfig.builder()
                        .healthCheck(HealthCheckConfig.builder("http")
                                .probeOptions(Map.of("path", "/health"))
                                .interval(INTERVAL)
                                .downInterval(INTERVAL)
                                .fastInterval(INTERVAL)
                                .timeout(INTERVAL)
                                .jitterPercent(0)
                                .fall(FALL)
                                .rise(RISE)
                                .build())
                        .build())
                .listener(events::add)
                .backend(BackendSpec.of("web", "http://127.0.0.1:" + server.port()))
                .build();
        assertThat(lb.backend("web").orElseThrow().state()).isEqualTo(BackendState.UP);

        server.status = 503;
        await().atMost(INTERVAL.multipliedBy(FALL + 1).plus(SLACK))
                .pollInterval(Duration.ofMillis(10))
                .until(() -> lb.backend("web").orElseThrow().state() == BackendState.DOWN);

        server.status = 200;
        await().atMost(INTERVAL.multipliedBy(RISE + 1).plus(SLACK))
                .pollInterval(Duration.ofMillis(10))
                .until(() -> lb.backend("web").orElseThrow().state() == BackendState.UP);

        await().untilAsserted(() -> assertThat(events)
                .filteredOn(e -> e.type() != BackendEvent.Type.ADDED)
                .extracting(BackendEvent::describe)
                .containsExactly(
                        "backend web is down: http probe: 503 from /health", "backend web is up: 2 probes passed"));
        assertThat(server.received).allSatisfy(r -> assertThat(r.path()).isEqualTo("/health"));
    }
}
