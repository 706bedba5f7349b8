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
import java.util.ServiceLoader;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.reverl.gateway.api.Backend;
import org.reverl.gateway.api.BackendEvent;
import org.reverl.gateway.api.BackendSpec;
import org.reverl.gateway.api.BackendState;
import org.reverl.gateway.api.LivenessProbe;
import org.reverl.gateway.api.LivenessProbeProvider;
import org.reverl.gateway.api.LoadBalancer;
import org.reverl.gateway.api.ProbeResult;
import org.reverl.gateway.api.SelectionStrategyProvider;
import org.reverl.gateway.core.GatewayConfig;
import org.reverl.gateway.core.HealthCheckConfig;
import org.reverl.gateway.core.LoadBalancers;
import org.reverl.gateway.core.ProviderRegistry;

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

    /** The real {@code tcp} probe, counting the probes started and those that found the backend down. */
    private static final class CountingTcpProvider implements LivenessProbeProvider {
        final AtomicInteger started = new AtomicInteger();
        final AtomicInteger failed = new AtomicInteger();

        @Override
        public String name() {
            return TcpProbeProvider.NAME;
        }

        @Override
        public LivenessProbe create(Map<String, String> options) {
            LivenessProbe tcp = new TcpProbeProvider().create(options);
            return new LivenessProbe() {
                @Override
                public CompletionStage<ProbeResult> probe(Backend backend, Duration timeout) {
                    started.incrementAndGet();
                    return tcp.probe(backend, timeout).whenComplete((r, e) -> {
                        if (r == null || !r.alive()) {
                            failed.incrementAndGet();
                        }
                    });
                }
            };
        }
    }

    @Test
    void downForLong_listensAgain_upAtTheNextProbes_withTheDefaultIntervals() throws Exception {
        CountingTcpProvider tcp = new CountingTcpProvider();
        List<SelectionStrategyProvider> strategies = new java.util.ArrayList<>();
        ServiceLoader.load(SelectionStrategyProvider.class).forEach(strategies::add);
        AtomicInteger startedAtUp = new AtomicInteger(-1);
        server = listen(0);
        int port = server.getLocalPort();
        HealthCheckConfig defaults = HealthCheckConfig.builder("tcp").build();
        lb = LoadBalancers.builder()
                .config(GatewayConfig.builder().healthCheck(defaults).build())
                .registry(ProviderRegistry.of(strategies, List.of(tcp)))
                .listener(events::add)
                .listener(e -> {
                    if (e.type() == BackendEvent.Type.UP) {
                        startedAtUp.compareAndSet(-1, tcp.started.get());
                    }
                })
                .backend(BackendSpec.of("web", "tcp://127.0.0.1:" + port))
                .build();

        server.close(); // killed: fall (3) failures take it down, those after the first at the fast interval
        await().atMost(defaults.interval().plus(SLACK))
                .pollInterval(Duration.ofMillis(10))
                .until(() -> lb.backend("web").orElseThrow().state() == BackendState.DOWN);
        int failedWhenDown = tcp.failed.get();
        // it stays dead for a while: ten more probes at the down interval (nothing grows, nothing is skipped)
        await().atMost(defaults.downInterval().multipliedBy(10).plus(SLACK))
                .pollInterval(Duration.ofMillis(10))
                .until(() -> tcp.failed.get() >= failedWhenDown + 10);

        int startedBeforeListening = tcp.started.get(); // taken before bind: the bound below only gets stricter
        server = listen(port);
        await().atMost(SLACK).pollInterval(Duration.ofMillis(5)).until(() -> startedAtUp.get() >= 0);

        // the probe under way when it listened again (which may still fail), then rise passing ones: nothing was
        // skipped or waited longer for. When they run (downInterval, then fastInterval) is HealthTimelineTest's,
        // on a clock it steps.
        assertThat(startedAtUp.get() - startedBeforeListening)
                .as("probes started from listening again to the UP event")
                .isBetween(defaults.rise(), defaults.rise() + 1);
        assertThat(events)
                .filteredOn(e -> e.type() != BackendEvent.Type.ADDED)
                .extracting(BackendEvent::describe)
                .containsExactly("backend web is down: connection refused", "backend web is up: 2 probes passed");
    }
}
