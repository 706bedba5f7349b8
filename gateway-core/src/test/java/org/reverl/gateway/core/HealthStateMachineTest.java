package org.reverl.gateway.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.ServiceLoader;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
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

    /** A clock the test moves by hand. */
    static final class ManualClock extends Clock {
        final AtomicLong millis = new AtomicLong(1_000_000);

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public long millis() {
            return millis.get();
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis.get());
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

    private static HealthCheckConfig.Builder fastProbes() {
        return HealthCheckConfig.builder("scripted")
                .interval(Duration.ofMillis(20))
                .timeout(Duration.ofMillis(20))
                .jitterPercent(0)
                .rise(2)
                .fall(3);
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
    void probes_fallFailuresTakeDown_riseSuccessesBringUp_oneEventEach() {
        lb(GatewayConfig.builder().healthCheck(fastProbes().build()).build(), Clock.systemUTC(), "b1", "b2");
        SCRIPT.put("b1", b -> CompletableFuture.completedFuture(ProbeResult.down("connection refused")));

        await().atMost(10, TimeUnit.SECONDS).until(() -> state(lb, "b1") == BackendState.DOWN);
        for (int i = 0; i < 4; i++) {
            Lease l = lb.acquire(RequestContext.NONE, new Attempts());
            assertThat(l.backend().id()).isEqualTo("b2");
            l.release();
        }

        SCRIPT.remove("b1");
        await().atMost(10, TimeUnit.SECONDS).until(() -> state(lb, "b1") == BackendState.UP);

        // events are emitted on the control thread just after the state changes
        await().untilAsserted(() -> assertThat(transitions("b1"))
                .containsExactly("backend b1 is down: connection refused", "backend b1 is up: 2 probes passed"));
        assertThat(transitions("b2")).isEmpty();
    }

    @Test
    void probe_throwsOrNeverCompletes_countsAsFailed_otherProbesGoOn() {
        lb(
                GatewayConfig.builder()
                        .healthCheck(fastProbes().fall(1).build())
                        .build(),
                Clock.systemUTC(),
                "b1",
                "b2",
                "b3");
        SCRIPT.put("b1", b -> {
            throw new IllegalStateException("probe bug");
        });
        SCRIPT.put("b2", b -> new CompletableFuture<>());

        await().atMost(10, TimeUnit.SECONDS)
                .until(() -> state(lb, "b1") == BackendState.DOWN && state(lb, "b2") == BackendState.DOWN);

        // events are emitted on the control thread just after the state changes
        await().untilAsserted(() -> assertThat(transitions("b1"))
                .containsExactly("backend b1 is down: probe failed: IllegalStateException: probe bug"));
        // events are emitted on the control thread just after the state changes
        await().untilAsserted(() ->
                assertThat(transitions("b2")).containsExactly("backend b2 is down: probe timed out after 20ms"));
        assertThat(state(lb, "b3")).isEqualTo(BackendState.UP);
        SCRIPT.clear();
        await().atMost(10, TimeUnit.SECONDS)
                .until(() -> state(lb, "b1") == BackendState.UP && state(lb, "b2") == BackendState.UP);
    }

    @Test
    void initiallyDown_untilTheFirstProbePasses() {
        SCRIPT.put("b1", b -> CompletableFuture.completedFuture(ProbeResult.down("connection refused")));
        lb(
                GatewayConfig.builder()
                        .healthCheck(fastProbes().initiallyUp(false).build())
                        .build(),
                Clock.systemUTC(),
                "b1");

        assertThat(state(lb, "b1")).isEqualTo(BackendState.DOWN);
        // nothing eligible: the down backend is offered once as a last resort, then nothing
        Attempts attempts = new Attempts();
        Lease lastResort = lb.acquire(RequestContext.NONE, attempts);
        assertThat(lastResort.lastResort()).isTrue();
        lastResort.onFailure(1_000, new java.io.IOException("connection refused"));
        attempts.record(lastResort.backend(), "connection refused");
        assertThat(lb.acquire(RequestContext.NONE, attempts)).isNull();
        SCRIPT.remove("b1");
        await().atMost(10, TimeUnit.SECONDS).until(() -> state(lb, "b1") == BackendState.UP);

        assertThat(events.get(0).describe())
                .isEqualTo("backend b1 added: test:b1, weight 10; down until its first probe passes");
        // events are emitted on the control thread just after the state changes
        await().untilAsserted(() -> assertThat(transitions("b1")).containsExactly("backend b1 is up: probe passed"));
    }

    @Test
    void drain_noNewRequests_completesWhenInFlightFinish_thenRemovable() {
        lb(GatewayConfig.defaults(), Clock.systemUTC(), "b1", "b2");
        Lease onB1 = lb.acquire(RequestContext.NONE, new Attempts());
        assertThat(onB1.backend().id()).isEqualTo("b1");

        CompletableFuture<Void> drained = lb.drain("b1").toCompletableFuture();

        assertThat(state(lb, "b1")).isEqualTo(BackendState.DRAINING);
        assertThat(drained).isNotDone();
        for (int i = 0; i < 4; i++) {
            Lease l = lb.acquire(RequestContext.NONE, new Attempts());
            assertThat(l.backend().id()).isEqualTo("b2");
            l.release();
        }
        onB1.onSuccess(1_000);
        await().atMost(10, TimeUnit.SECONDS).until(drained::isDone);
        assertThat(lb.remove("b1")).isTrue();
        assertThat(transitions("b1")).containsExactly("backend b1 is draining: 1 in flight", "backend b1 is removed");
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
    void slowStart_effectiveWeightRampsFromATenthToFull_withTheInjectedClock() {
        ManualClock clock = new ManualClock();
        lb(
                GatewayConfig.builder()
                        .healthCheck(fastProbes().rise(1).fall(1).build())
                        .slowStart(Duration.ofSeconds(100))
                        .build(),
                clock,
                "b1");
        Backend b1 = lb.backend("b1").orElseThrow();
        assertThat(b1.effectiveWeight()).isEqualTo(10); // added up: no ramp

        SCRIPT.put("b1", b -> CompletableFuture.completedFuture(ProbeResult.down("connection refused")));
        await().atMost(10, TimeUnit.SECONDS).until(() -> b1.state() == BackendState.DOWN);
        SCRIPT.remove("b1");
        await().atMost(10, TimeUnit.SECONDS).until(() -> b1.state() == BackendState.UP);
        assertThat(b1.effectiveWeight()).isEqualTo(1);

        clock.millis.addAndGet(50_000);
        await().atMost(10, TimeUnit.SECONDS).until(() -> b1.effectiveWeight() == 5);
        clock.millis.addAndGet(60_000);
        await().atMost(10, TimeUnit.SECONDS).until(() -> b1.effectiveWeight() == 10);
    }

    @Test
    void panicThreshold_tooFewEligible_spreadsOverAll() {
        lb(
                GatewayConfig.builder()
                        .healthCheck(fastProbes().fall(1).build())
                        .panicThresholdPercent(50)
                        .build(),
                Clock.systemUTC(),
                "b1",
                "b2",
                "b3",
                "b4");
        SCRIPT.put("b1", b -> CompletableFuture.completedFuture(ProbeResult.down("connection refused")));
        await().atMost(10, TimeUnit.SECONDS).until(() -> state(lb, "b1") == BackendState.DOWN);
        assertThat(picks(8)).doesNotContain("b1"); // 3 of 4 eligible: no panic

        SCRIPT.put("b2", SCRIPT.get("b1"));
        SCRIPT.put("b3", SCRIPT.get("b1"));
        await().atMost(10, TimeUnit.SECONDS)
                .until(() -> state(lb, "b2") == BackendState.DOWN && state(lb, "b3") == BackendState.DOWN);

        // 1 of 4 eligible, below 50%: spread over all four rather than overload b4
        assertThat(picks(8)).containsOnly("b1", "b2", "b3", "b4").contains("b1", "b2", "b3", "b4");
        SCRIPT.clear();
        await().atMost(10, TimeUnit.SECONDS)
                .until(() -> lb.backends().stream().allMatch(b -> b.state() == BackendState.UP));
    }

    private List<String> picks(int n) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Lease l = lb.acquire(RequestContext.NONE, new Attempts());
            ids.add(l.backend().id());
            l.release();
        }
        return ids;
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
