package org.reverl.gateway.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.ServiceLoader;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.reverl.gateway.api.Attempts;
import org.reverl.gateway.api.Backend;
import org.reverl.gateway.api.BackendEvent;
import org.reverl.gateway.api.BackendSpec;
import org.reverl.gateway.api.BackendState;
import org.reverl.gateway.api.Lease;
import org.reverl.gateway.api.LivenessProbe;
import org.reverl.gateway.api.LivenessProbeProvider;
import org.reverl.gateway.api.LoadBalancer;
import org.reverl.gateway.api.ProbeResult;
import org.reverl.gateway.api.RequestContext;
import org.reverl.gateway.api.SelectionStrategyProvider;

/**
 * Admin commands and health settings through the public builder. The state machine's transitions and timers are
 * tested step by step in {@code internal.BackendHealthTest} and {@code internal.HealthTimelineTest}.
 */
class HealthStateMachineTest {

    /** Probe results per backend id, set by the test; a missing entry means alive. */
    static final Map<String, Function<Backend, CompletionStage<ProbeResult>>> SCRIPT = new ConcurrentHashMap<>();

    public static final class ScriptedProbeProvider implements LivenessProbeProvider {
        @Override
        public String name() {
            return "scripted";
        }

        @Override
        public LivenessProbe create(Map<String, String> options) {
            return (backend, timeout) -> SCRIPT.getOrDefault(
                            backend.id(), b -> CompletableFuture.completedFuture(ProbeResult.up()))
                    .apply(backend);
        }
    }

    private final List<BackendEvent> events = new CopyOnWriteArrayList<>();
    private LoadBalancer lb;

    private LoadBalancer lb(GatewayConfig config, Clock clock, String... ids) {
        List<SelectionStrategyProvider> strategies = new ArrayList<>();
        ServiceLoader.load(SelectionStrategyProvider.class).forEach(strategies::add);
        LoadBalancers.Builder b = LoadBalancers.builder()
                .config(config)
                .registry(ProviderRegistry.of(strategies, List.of(new ScriptedProbeProvider())))
                .clock(clock)
                .listener(events::add);
        for (String id : ids) {
            b.backend(BackendSpec.of(id, "test:" + id).withWeight(10));
        }
        lb = b.build();
        return lb;
    }

    @AfterEach
    void tearDown() {
        SCRIPT.clear();
        if (lb != null) {
            lb.close();
        }
    }

    private List<String> transitions(String id) {
        return events.stream()
                .filter(e -> e.backendId().equals(id) && e.type() != BackendEvent.Type.ADDED)
                .map(BackendEvent::describe)
                .toList();
    }

    private static BackendState state(LoadBalancer lb, String id) {
        return lb.backend(id).orElseThrow().state();
    }

    @Test
    void maintenanceAndEnable_outAndBackIn() {
        lb(GatewayConfig.defaults(), Clock.systemUTC(), "b1", "b2");

        lb.maintenance("b1");
        lb.maintenance("b1"); // no second event
        for (int i = 0; i < 3; i++) {
            Lease l = lb.acquire(RequestContext.NONE, new Attempts());
            assertThat(l.backend().id()).isEqualTo("b2");
            l.release();
        }
        lb.enable("b1");

        assertThat(state(lb, "b1")).isEqualTo(BackendState.UP);
        assertThat(transitions("b1"))
                .containsExactly("backend b1 is in maintenance: 0 in flight", "backend b1 is up: enabled");
        assertThatThrownBy(() -> lb.drain("nope"))
                .isInstanceOf(NoSuchElementException.class)
                .hasMessage("backend: 'nope' (expected: a member; members: [b1, b2])");
        assertThatThrownBy(() -> lb.enable("nope")).isInstanceOf(NoSuchElementException.class);
    }

    @Test
    void config_badHealthValues_rejectedWithFieldValueAndExpectation() {
        assertThatThrownBy(() -> HealthCheckConfig.builder("tcp").interval(Duration.ZERO))
                .hasMessage("healthCheck.interval: PT0S (expected: > 0)");
        assertThatThrownBy(() -> HealthCheckConfig.builder("tcp").downInterval(Duration.ofMillis(-1)))
                .hasMessage("healthCheck.downInterval: PT-0.001S (expected: > 0)");
        assertThatThrownBy(() -> HealthCheckConfig.builder("tcp").fastInterval(Duration.ZERO))
                .hasMessage("healthCheck.fastInterval: PT0S (expected: > 0)");
        assertThatThrownBy(() -> HealthCheckConfig.builder("tcp").fall(0))
                .hasMessage("healthCheck.fall: 0 (expected: 1-100)");
        assertThatThrownBy(() -> HealthCheckConfig.builder("tcp")
                        .interval(Duration.ofSeconds(1))
                        .timeout(Duration.ofSeconds(2))
                        .build())
                .hasMessage("healthCheck.timeout: PT2S (expected: <= healthCheck.interval (PT1S))");
        assertThatThrownBy(() -> LoadBalancers.builder()
                        .config(GatewayConfig.builder()
                                .healthCheck(
                                        HealthCheckConfig.builder("nosuchprobe").build())
                                .build())
                        .build())
                .hasMessageStartingWith("unknown liveness probe: 'nosuchprobe' (expected: one of [");
    }
}
