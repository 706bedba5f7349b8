package org.reverl.gateway.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.reverl.gateway.api.Attempts;
import org.reverl.gateway.api.Backend;
import org.reverl.gateway.api.BackendEvent;
import org.reverl.gateway.api.BackendSpec;
import org.reverl.gateway.api.BackendState;
import org.reverl.gateway.api.BackendUnavailableException;
import org.reverl.gateway.api.Lease;
import org.reverl.gateway.api.LivenessProbe;
import org.reverl.gateway.api.LivenessProbeProvider;
import org.reverl.gateway.api.LoadBalancer;
import org.reverl.gateway.api.ProbeResult;
import org.reverl.gateway.api.RequestContext;
import org.reverl.gateway.api.SelectionStrategyProvider;

/** When no backend is eligible, each down or ejected one is offered once per request, past its breaker. */
class LastResortTest {

    /** Backends whose probe fails; every other backend's probe passes. */
    private final Set<String> dead = ConcurrentHashMap.newKeySet();

    private final List<BackendEvent> events = new CopyOnWriteArrayList<>();
    private LoadBalancer lb;

    private final LivenessProbeProvider scripted = new LivenessProbeProvider() {
        @Override
        public String name() {
            return "scripted";
        }

        @Override
        public LivenessProbe create(Map<String, String> options) {
            return (backend, timeout) -> {
                return CompletableFuture.completedFuture(
                        dead.contains(backend.id()) ? ProbeResult.down("connection refused") : ProbeResult.up());
            };
        }
    };

    private LoadBalancer lb(GatewayConfig config, String... ids) {
        List<SelectionStrategyProvider> strategies = new ArrayList<>();
        ServiceLoader.load(SelectionStrategyProvider.class).forEach(strategies::add);
        LoadBalancers.Builder b = LoadBalancers.builder()
                .config(config)
                .registry(ProviderRegistry.of(strategies, List.of(scripted)))
                .listener(events::add);
        for (String id : ids) {
            b.backend(BackendSpec.of(id, "test:" + id));
        }
        lb = b.build();
        return lb;
    }

    /** Probes every 20 ms while down, so tests that wait for a backend to go down are quick. */
    private static HealthCheckConfig.Builder probes() {
        return HealthCheckConfig.builder("scripted")
                .interval(Duration.ofMillis(20))
                .downInterval(Duration.ofMillis(20))
                .fastInterval(Duration.ofMillis(20))
                .timeout(Duration.ofMillis(20))
                .jitterPercent(0)
                .rise(2)
                .fall(1);
    }

    @AfterEach
    void tearDown() {
        if (lb != null) {
            lb.close();
        }
    }

    private BackendState state(String id) {
        return lb.backend(id).orElseThrow().state();
    }

    private void awaitState(String id, BackendState state) {
        await().atMost(10, TimeUnit.SECONDS).until(() -> state(id) == state);
    }

    @Test
    void allDown_eachOfferedOnceAsLastResort_thenNull_failuresChangeNothing() {
        dead.addAll(List.of("b1", "b2", "b3"));
        lb(GatewayConfig.builder().healthCheck(probes().build()).build(), "b1", "b2", "b3");
        await().atMost(10, TimeUnit.SECONDS)
                .until(() -> lb.backends().stream().allMatch(b -> b.state() == BackendState.DOWN));
        int eventsBefore = events.size();

        Attempts attempts = new Attempts();
        List<String> offered = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Lease lease = lb.acquire(RequestContext.NONE, attempts);
            assertThat(lease.lastResort()).isTrue();
            assertThat(lease.backend().inFlight()).isEqualTo(1);
            offered.add(lease.backend().id());
            // what a transport does with a refused connection: report it, and never try that backend again
            lease.onFailure(
                    1_000, new BackendUnavailableException(lease.backend().id(), "connection refused", true));
            attempts.record(lease.backend(), "connection refused");
        }
        assertThat(offered).containsExactly("b1", "b2", "b3");
        assertThat(lb.acquire(RequestContext.NONE, attempts)).isNull();
        assertThat(lb.noBackend(attempts))
                .hasMessage("no backend available: tried b1 (connection refused), b2 (connection refused),"
                        + " b3 (connection refused); no eligible backend among 3 (b1 down, b2 down, b3 down)");

        // a new request gets them again; the failures above counted nothing: still down, no event, nothing in flight
        Lease again = lb.acquire(RequestContext.NONE, new Attempts());
        assertThat(again.lastResort()).isTrue();
        again.release();
        assertThat(lb.backends()).extracting(Backend::state).containsOnly(BackendState.DOWN);
        assertThat(lb.backends()).extracting(Backend::inFlight).containsOnly(0);
        assertThat(events).hasSize(eventsBefore);
    }

    @Test
    void someEligible_noLastResort_normalLeasesOnly() {
        dead.add("b1");
        lb(GatewayConfig.builder().healthCheck(probes().build()).build(), "b1", "b2");
        awaitState("b1", BackendState.DOWN);

        Attempts attempts = new Attempts();
        Lease lease = lb.acquire(RequestContext.NONE, attempts);
        assertThat(lease.backend().id()).isEqualTo("b2");
        assertThat(lease.lastResort()).isFalse();
        assertThat(lease).isSameAs(lease.backend()); // the shared, allocation-free lease of the normal path
        lease.onFailure(1_000, new IOException("reset"));
        attempts.record(lease.backend(), "reset");
        assertThat(lb.acquire(RequestContext.NONE, attempts))
                .as("b2 tried and b1 down but b2 still eligible: no last resort")
                .isNull();
    }

    @Test
    void drainedMaintenanceAndRemovedBackends_neverOffered() {
        dead.addAll(List.of("b1", "b2", "b3", "b4"));
        lb(GatewayConfig.builder().healthCheck(probes().build()).build(), "b1", "b2", "b3", "b4");
        await().atMost(10, TimeUnit.SECONDS)
                .until(() -> lb.backends().stream().allMatch(b -> b.state() == BackendState.DOWN));
        lb.maintenance("b1");
        lb.drain("b2");
        lb.remove("b3");

        Attempts attempts = new Attempts();
        Lease lease = lb.acquire(RequestContext.NONE, attempts);
        assertThat(lease.backend().id()).isEqualTo("b4");
        assertThat(lease.lastResort()).isTrue();
        lease.release();
        attempts.record(lease.backend(), "connection refused");
        assertThat(lb.acquire(RequestContext.NONE, attempts)).isNull();
    }

    @Test
    void lastResortSuccess_probesTheDownBackendAtOnce_upLongBeforeItsDownInterval() {
        dead.addAll(List.of("b1", "b2"));
        lb(
                GatewayConfig.builder()
                        .healthCheck(
                                probes().downInterval(Duration.ofMinutes(10)).build())
                        .build(),
                "b1",
                "b2");
        awaitState("b1", BackendState.DOWN);
        awaitState("b2", BackendState.DOWN);

        dead.remove("b2"); // it is back; its next probe would be 10 minutes away
        Attempts attempts = new Attempts();
        Lease first = lb.acquire(RequestContext.NONE, attempts);
        first.onFailure(1_000, new IOException("connection refused"));
        attempts.record(first.backend(), "connection refused");
        Lease second = lb.acquire(RequestContext.NONE, attempts);
        assertThat(second.backend().id()).isEqualTo("b2");
        assertThat(second.lastResort()).isTrue();
        second.onSuccess(1_000);

        // probed at once, then rise (2) passes at the fast interval: up in well under a second, not 10 minutes
        await().atMost(5, TimeUnit.SECONDS).until(() -> state("b2") == BackendState.UP);
        assertThat(state("b1")).isEqualTo(BackendState.DOWN);
        Lease normal = lb.acquire(RequestContext.NONE, new Attempts());
        assertThat(normal.backend().id()).isEqualTo("b2");
        assertThat(normal.lastResort()).isFalse();
        normal.release();
    }

    @Test
    void allEjected_lastResortBypassesTheOpenBreaker_aSuccessStartsItsTrialCalls() {
        lb(
                GatewayConfig.builder()
                        .breakerWaitDurationInOpenState(Duration.ofMinutes(10))
                        .breakerPermittedCallsInHalfOpenState(1)
                        .build(),
                "b1",
                "b2");
        for (int i = 0; i < 2; i++) { // each refused connection ejects its backend at once
            Lease lease = lb.acquire(RequestContext.NONE, new Attempts());
            assertThat(lease.lastResort()).isFalse();
            String id = lease.backend().id();
            lease.onFailure(1_000, new BackendUnavailableException(id, "connection refused", true));
            awaitState(id, BackendState.EJECTED);
        }

        Lease lease = lb.acquire(RequestContext.NONE, new Attempts());
        assertThat(lease.lastResort()).isTrue();
        String id = lease.backend().id();
        lease.onSuccess(1_000);

        // the breaker is half-open now rather than in 10 minutes: a trial call is a normal lease, and restores it
        Lease trial = await().atMost(5, TimeUnit.SECONDS).until(this::acquireNormal, l -> l != null);
        assertThat(trial.backend().id()).isEqualTo(id);
        trial.onSuccess(1_000);
        awaitState(id, BackendState.UP);
        await().atMost(5, TimeUnit.SECONDS)
                .untilAsserted(() -> assertThat(events)
                        .filteredOn(e -> e.backendId().equals(id) && e.type() == BackendEvent.Type.RESTORED)
                        .hasSize(1));
    }

    /** A normal (non-last-resort) lease, or null. */
    private Lease acquireNormal() {
        Lease l = lb.acquire(RequestContext.NONE, new Attempts());
        if (l != null && l.lastResort()) {
            l.release();
            return null;
        }
        return l;
    }
}
