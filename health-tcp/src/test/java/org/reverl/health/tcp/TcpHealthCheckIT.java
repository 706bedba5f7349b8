package org.reverl.health.tcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
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

/** The gateway's health state machine driving the real {@code tcp} probe against a real server socket. */
class TcpHealthCheckIT {

    private static final Duration INTERVAL = Duration.ofMillis(100);
    private static final int FALL = 2;
    private static final int RISE = 2;
    /** Scheduling slack on a loaded 2-core machine; the bound is about correctness, not speed. */
    private static final Duration SLACK = Duration.ofSeconds(3);

    private final List<BackendEvent> events = new CopyOnWriteArrayList<>();
    private LoadBalancer lb;
    private ServerSocket server;

    @AfterEach
    void tearDown() throws IOException {
        if (lb != null) {
            lb.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private static ServerSocket listen(int port) throws IOException {
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        return s;
    }

    @Test
    void serverCloses_downWithinFallTimesInterval_reopens_upWithinRiseTimesInterval_oneEventEach() throws Exception {
        server = listen(0);
        int port = server.getLocalPort();
        lb = LoadBalancers.builder()
                .config(GatewayConfig.builder()
                        .healthCheck(HealthCheckConfig.builder("tcp")
                                // keep the probe's back-off out of the way of the timing bounds below
                                .probeOptions(Map.of("backoff_after", "100"))
                                .interval(INTERVAL)
                                .timeout(INTERVAL)
                                .jitterPercent(0)
                                .fall(FALL)
                                .rise(RISE)
                                .build())
                        .build())
                .listener(events::add)
                .backend(BackendSpec.of("web", "tcp://127.0.0.1:" + port))
                .build();
        assertThat(lb.backend("web").orElseThrow().state()).isEqualTo(BackendState.UP);

        server.close();
        await().atMost(INTERVAL.multipliedBy(FALL + 1).plus(SLACK))
                .pollInterval(Duration.ofMillis(10))
                .until(() -> lb.backend("web").orElseThrow().state() == BackendState.DOWN);

        server = listen(port);
        await().atMost(INTERVAL.multipliedBy(RISE + 1).plus(SLACK))
                .pollInterval(Duration.ofMillis(10))
                .until(() -> lb.backend("web").orElseThrow().state() == BackendState.UP);

        // events are emitted on the control thread just after the state changes
        await().untilAsserted(() -> assertThat(events)
                .filteredOn(e -> e.type() != BackendEvent.Type.ADDED)
                .extracting(BackendEvent::describe)
                .containsExactly("backend web is down: connection refused", "backend web is up: 2 probes passed"));
    }
}
