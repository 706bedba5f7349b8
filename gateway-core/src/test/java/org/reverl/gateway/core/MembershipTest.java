package org.reverl.gateway.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.ServiceLoader;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
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

/** The one membership path: reconcile, upsert, weight changes and identity-checked removal. */
class MembershipTest {

    /** Probe answers by address; a missing entry means alive. */
    static final Map<String, CompletableFuture<ProbeResult>> PROBES = new java.util.concurrent.ConcurrentHashMap<>();

    public static final class AddressProbeProvider implements LivenessProbeProvider {
        @Override
        public String name() {
            return "by_address";
        }

        @Override
        public LivenessProbe create(Map<String, String> options) {
            return (backend, timeout) -> {
                CompletionStage<ProbeResult> r = PROBES.get(backend.address());
                return r != null ? r : CompletableFuture.completedFuture(ProbeResult.up());
            };
        }
    }

    private final List<BackendEvent> events = new CopyOnWriteArrayList<>();
    private LoadBalancer lb;
    private Membership members;

    private void start(GatewayConfig config) {
        List<SelectionStrategyProvider> strategies = new ArrayList<>();
        ServiceLoader.load(SelectionStrategyProvider.class).forEach(strategies::add);
        lb = LoadBalancers.builder()
                .config(config)
                .registry(ProviderRegistry.of(strategies, List.of(new AddressProbeProvider())))
                .clock(Clock.systemUTC())
                .listener(events::add)
                .build();
        members = LoadBalancers.membership(lb);
    }

    @AfterEach
    void tearDown() {
        PROBES.clear();
        if (lb != null) {
            lb.close();
        }
    }

    private static BackendSpec spec(String id, String address, int weight) {
        return new BackendSpec(id, address, weight, Map.of());
    }

    private List<String> ids() {
        return lb.backends().stream().map(Backend::id).toList();
    }

    @Test
    void reconcile_addsUpdatesReplacesAndDrainsByDifference() {
        start(GatewayConfig.defaults());
        members.reconcile(
                "config",
                List.of(
                        spec("b1", "http://127.0.0.1:9001", 1),
                        spec("b2", "http://127.0.0.1:9002", 1),
                        spec("b3", "http://127.0.0.1:9003", 1)));
        Backend b1 = lb.backend("b1").orElseThrow();
        Backend b2 = lb.backend("b2").orElseThrow();
        Lease onB3 = leaseOn("b3");

        Membership.MembershipResult r = members.reconcile(
                "config", List.of(spec("b1", "http://127.0.0.1:9001", 5), spec("b2", "http://127.0.0.1:9012", 1)));

        assertThat(r.changes())
                .containsExactly(
                        "updated backend b1 (weight 1 -> 5)",
                        "replaced backend b2 (http://127.0.0.1:9002, weight 1 -> http://127.0.0.1:9012, weight 1)",
                        "draining backend b3, removed once idle");
        assertThat(lb.backend("b1").orElseThrow()).isSameAs(b1); // in place
        assertThat(b1.weight()).isEqualTo(5);
        assertThat(lb.backend("b2").orElseThrow()).isNotSameAs(b2);
        assertThat(b2.state()).isEqualTo(BackendState.REMOVED);
        assertThat(lb.backend("b3").orElseThrow().state()).isEqualTo(BackendState.DRAINING);
        assertThat(ids()).containsExactly("b1", "b2", "b3"); // the replacement keeps its place

        onB3.onSuccess(1);
        await().atMost(Duration.ofSeconds(5)).until(() -> lb.backend("b3").isEmpty());
        assertThat(members.reconcile(
                                "config",
                                List.of(spec("b1", "http://127.0.0.1:9001", 5), spec("b2", "http://127.0.0.1:9012", 1)))
                        .changes())
                .isEmpty();
    }

    @Test
    void reconcile_listingADrainingBackendAgain_cancelsTheDrain() {
        start(GatewayConfig.defaults());
        members.reconcile(
                "config", List.of(spec("b1", "http://127.0.0.1:9001", 1), spec("b2", "http://127.0.0.1:9002", 1)));
        Backend b2 = lb.backend("b2").orElseThrow();
        Lease held = leaseOn("b2"); // keeps the drain from finishing

        members.reconcile("config", List.of(spec("b1", "http://127.0.0.1:9001", 1)));
        assertThat(b2.state()).isEqualTo(BackendState.DRAINING);
        Membership.MembershipResult r = members.reconcile(
                "config", List.of(spec("b1", "http://127.0.0.1:9001", 1), spec("b2", "http://127.0.0.1:9002", 1)));
        held.onSuccess(1);

        assertThat(r.changes()).containsExactly("kept backend b2: listed again, its drain is cancelled");
        assertThat(lb.backend("b2").orElseThrow()).isSameAs(b2);
        assertThat(b2.state()).isEqualTo(BackendState.UP);
        // the cancelled removal never happens, also not once idle
        await().during(Duration.ofMillis(100)).atMost(Duration.ofSeconds(2)).until(() -> b2.state() == BackendState.UP);
    }

    @Test
    void reconcile_removesOnlyItsOwnSourcesMembers() {
        start(GatewayConfig.defaults());
        lb.add(spec("operator", "http://127.0.0.1:9100", 1)); // source "api"
        members.reconcile("dns:web", List.of(spec("w1", "http://10.0.0.1:80", 1)));
        members.reconcile("config", List.of(spec("c1", "http://10.0.0.2:80", 1)));

        assertThat(members.reconcile("config", List.of()).changes())
                .containsExactly("draining backend c1, removed once idle");
        await().atMost(Duration.ofSeconds(5)).until(() -> lb.backend("c1").isEmpty());
        assertThat(ids()).containsExactly("operator", "w1");
    }

    @Test
    void reconcile_duplicateIds_rejectedBeforeAnyChange() {
        start(GatewayConfig.defaults());
        assertThatThrownBy(() ->
                        members.reconcile("config", List.of(spec("b1", "http://h:1", 1), spec("b1", "http://h:2", 1))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("desired backends: id 'b1' twice (expected: unique ids)");
        assertThatThrownBy(() -> members.reconcile("Config!", List.of()))
                .hasMessageStartingWith("membership source: 'Config!' (expected: ");
        assertThat(lb.backends()).isEmpty();
    }

    @Test
    void setWeight_keepsTheBreakerHealthAndCounters() {
        start(GatewayConfig.builder()
                .breakerFailureRateThreshold(50)
                .breakerSlidingWindowSize(10)
                .breakerMinimumNumberOfCalls(10)
                .build());
        lb.add(spec("b1", "http://127.0.0.1:9001", 1));
        lb.add(spec("b2", "http://127.0.0.1:9002", 1));
        Backend before = lb.backend("b1").orElseThrow();
        // four failures in b1's breaker window, one request still in flight
        for (int i = 0; i < 4; i++) {
            leaseOn("b1").onFailure(1000, new IllegalStateException("500"));
        }
        Lease open = leaseOn("b1");

        Backend after = members.setWeight("b1", 7);

        assertThat(after).isSameAs(before);
        assertThat(after.weight()).isEqualTo(7);
        assertThat(after.effectiveWeight()).isEqualTo(7);
        assertThat(after.inFlight()).isEqualTo(1);
        assertThat(events).extracting(BackendEvent::describe).contains("backend b1 is updated: weight 1 -> 7");
        // the breaker kept its window: five more outcomes fill it to ten, six of them failures, and it opens; a fresh
        // breaker would still be below its minimum number of calls
        open.onFailure(1000, new IllegalStateException("500"));
        for (int i = 0; i < 4; i++) {
            leaseOn("b1").onSuccess(1000);
        }
        leaseOn("b1").onFailure(1000, new IllegalStateException("500"));
        await().atMost(Duration.ofSeconds(5)).until(() -> after.state() == BackendState.EJECTED);

        assertThatThrownBy(() -> members.setWeight("b1", 0)).hasMessage("backend 'b1': weight: 0 (expected: 1-10000)");
        assertThatThrownBy(() -> members.setWeight("nope", 2)).isInstanceOf(java.util.NoSuchElementException.class);
    }

    @Test
    void replaceAddress_neverLeavesTheSoleBackendOutOfRotation() throws Exception {
        start(GatewayConfig.defaults());
        members.reconcile("config", List.of(spec("b1", "http://127.0.0.1:9001", 1)));
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger misses = new AtomicInteger();
        AtomicInteger picks = new AtomicInteger();
        ExecutorService pool = Executors.newSingleThreadExecutor();
        Future<?> load = pool.submit(() -> {
            while (!stop.get() && picks.get() < 5_000_000) {
                Lease l = lb.acquire(RequestContext.NONE, new Attempts());
                if (l == null) {
                    misses.incrementAndGet();
                } else {
                    l.onSuccess(1);
                }
                picks.incrementAndGet();
            }
        });
        for (int i = 0; i < 200; i++) {
            members.reconcile("config", List.of(spec("b1", "http://127.0.0.1:" + (9001 + i % 2), 1)));
        }
        stop.set(true);
        load.get(10, TimeUnit.SECONDS);
        pool.shutdown();
        assertThat(picks.get()).isPositive();
        assertThat(misses.get()).isZero();
    }

    @Test
    void replaceAddress_whenNewBackendsStartDown_oldServesUntilTheNewOnesProbePasses() {
        start(GatewayConfig.builder()
                .healthCheck(HealthCheckConfig.builder("by_address")
                        .interval(Duration.ofMillis(20))
                        .timeout(Duration.ofMillis(20))
                        .jitterPercent(0)
                        .initiallyUp(false)
                        .build())
                .build());
        members.reconcile("config", List.of(spec("b1", "http://127.0.0.1:9001", 1)));
        await().atMost(Duration.ofSeconds(5))
                .until(() -> lb.backend("b1").orElseThrow().state() == BackendState.UP);
        Backend old = lb.backend("b1").orElseThrow();
        CompletableFuture<ProbeResult> newProbe = new CompletableFuture<>();
        PROBES.put("http://127.0.0.1:9002", newProbe);

        List<String> changes = members.reconcile("config", List.of(spec("b1", "http://127.0.0.1:9002", 1)))
                .changes();

        assertThat(changes)
                .singleElement()
                .asString()
                .endsWith("the old address serves until the new one's first probe passes");
        assertThat(lb.backend("b1").orElseThrow()).isSameAs(old);
        Lease l = lb.acquire(RequestContext.NONE, new Attempts());
        assertThat(l.backend()).isSameAs(old);
        l.onSuccess(1);

        newProbe.complete(ProbeResult.up());
        await().atMost(Duration.ofSeconds(5))
                .until(() -> lb.backend("b1").orElseThrow().address().equals("http://127.0.0.1:9002"));
        assertThat(old.state()).isEqualTo(BackendState.REMOVED);
        assertThat(lb.backend("b1").orElseThrow().state()).isEqualTo(BackendState.UP);
    }

    @Test
    void remove_expectedBackend_notAnotherWithTheSameId() {
        start(GatewayConfig.defaults());
        lb.add(spec("b1", "http://127.0.0.1:9001", 1));
        Backend first = lb.backend("b1").orElseThrow();
        lb.remove("b1");
        lb.add(spec("b1", "http://127.0.0.1:9001", 1));

        assertThat(members.remove(first)).isFalse();
        assertThat(lb.backend("b1")).isPresent();
        assertThat(members.drainAndRemove(first).toCompletableFuture().join()).isFalse();
        assertThat(members.drainAndRemove(lb.backend("b1").orElseThrow())
                        .toCompletableFuture()
                        .join())
                .isTrue();
        assertThat(lb.backends()).isEmpty();
    }

    @Test
    void probes_neverGetLocalBackends_andRefuseAddressesTheyCannotCheck() {
        start(GatewayConfig.builder()
                .healthCheck(HealthCheckConfig.builder("by_address")
                        .initiallyUp(false)
                        .build())
                .build());
        PROBES.put("local:l1", CompletableFuture.completedFuture(ProbeResult.down("probed a local backend")));

        lb.add(spec("l1", "local:l1", 1));
        assertThat(lb.backend("l1").orElseThrow().state()).isEqualTo(BackendState.UP); // not awaiting a probe
        assertThatThrownBy(() -> lb.add(spec("p1", "pid:42", 1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("backend 'p1': address: 'pid:42' (expected: an address the 'by_address' probe can check:"
                        + " http://host:port, https://host:port, tcp://host:port; give the backend a health address)");
    }

    /**
     * Reloads (reconcile) racing with an operator's adds and removes: afterwards the members are exactly what the
     * serialized history of events says, ids are unique, and each id's events alternate added/removed.
     */
    @Test
    void concurrentReconcileAndAdminChanges_leaveAConsistentState() throws Exception {
        start(GatewayConfig.defaults());
        ExecutorService pool = Executors.newFixedThreadPool(3);
        List<Future<?>> work = new ArrayList<>();
        Map<String, BackendSpec> lastDesired = new java.util.concurrent.ConcurrentHashMap<>();
        work.add(pool.submit(() -> {
            Random random = new Random(1);
            for (int i = 0; i < 300; i++) {
                List<BackendSpec> desired = new ArrayList<>();
                for (int b = 0; b < 6; b++) {
                    if (random.nextBoolean()) {
                        desired.add(
                                spec("c" + b, "http://127.0.0.1:" + (9000 + random.nextInt(3)), 1 + random.nextInt(3)));
                    }
                }
                synchronized (lastDesired) {
                    members.reconcile("config", desired);
                    lastDesired.clear();
                    desired.forEach(s -> lastDesired.put(s.id(), s));
                }
            }
            return null;
        }));
        for (int t = 0; t < 2; t++) {
            int seed = t;
            work.add(pool.submit(() -> {
                Random random = new Random(100 + seed);
                for (int i = 0; i < 300; i++) {
                    String id = (random.nextBoolean() ? "a" : "c") + random.nextInt(6);
                    try {
                        if (random.nextBoolean()) {
                            lb.add(spec(id, "http://127.0.0.1:9100", 1));
                        } else {
                            lb.backend(id).ifPresent(members::remove);
                        }
                    } catch (IllegalArgumentException duplicate) {
                        // already a member: refused as a whole, nothing changed
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : work) {
            f.get(60, TimeUnit.SECONDS);
        }
        pool.shutdown();
        // drains finish (nothing is in flight); then the listing and the history agree
        await().atMost(Duration.ofSeconds(10))
                .until(() -> lb.backends().stream().noneMatch(b -> b.state() == BackendState.DRAINING));
        Map<String, Integer> balance = new LinkedHashMap<>();
        for (BackendEvent e : events) {
            if (e.type() == BackendEvent.Type.ADDED) {
                assertThat(balance.merge(e.backendId(), 1, Integer::sum))
                        .as("added twice: " + e)
                        .isEqualTo(1);
            } else if (e.type() == BackendEvent.Type.REMOVED) {
                assertThat(balance.merge(e.backendId(), -1, Integer::sum))
                        .as("removed twice: " + e)
                        .isZero();
            }
        }
        List<String> live = new ArrayList<>();
        balance.forEach((id, n) -> {
            if (n == 1) {
                live.add(id);
            }
        });
        assertThat(ids()).containsExactlyInAnyOrderElementsOf(live).doesNotHaveDuplicates();
        // every config member listed by the last reconcile is there with the spec it asked for, unless an operator
        // removed or re-added it afterwards
        Map<String, Backend> now = new HashMap<>();
        lb.backends().forEach(b -> now.put(b.id(), b));
        for (Backend b : now.values()) {
            assertThat(b.state()).isEqualTo(BackendState.UP);
        }
    }

    @Test
    void reconfigure_strategyHealthAndBreakers_onTheRunningLoadBalancer() {
        start(GatewayConfig.builder()
                .breakerSlidingWindowSize(4)
                .breakerMinimumNumberOfCalls(4)
                .breakerWaitDurationInOpenState(Duration.ofMinutes(10))
                .build());
        lb.add(spec("b1", "http://127.0.0.1:9001", 1));
        lb.add(spec("b2", "http://127.0.0.1:9002", 3));
        Backend b1 = lb.backend("b1").orElseThrow();
        for (int i = 0; i < 4; i++) {
            leaseOn("b1").onFailure(1000, new IllegalStateException("500"));
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> b1.state() == BackendState.EJECTED);
        List<SelectionStrategyProvider> strategies = new ArrayList<>();
        ServiceLoader.load(SelectionStrategyProvider.class).forEach(strategies::add);
        ProviderRegistry registry = ProviderRegistry.of(strategies, List.of(new AddressProbeProvider()));
        PROBES.put("http://127.0.0.1:9002", CompletableFuture.completedFuture(ProbeResult.down("connection refused")));

        LoadBalancers.reconfigure(
                lb,
                GatewayConfig.builder()
                        .strategy("weighted_round_robin")
                        .breakerSlidingWindowSize(10)
                        .breakerMinimumNumberOfCalls(10)
                        .healthCheck(HealthCheckConfig.builder("by_address")
                                .interval(Duration.ofMillis(20))
                                .timeout(Duration.ofMillis(20))
                                .jitterPercent(0)
                                .fall(1)
                                .build())
                        .build(),
                registry);

        // a fresh breaker brings the ejected backend back; the new probe takes b2 down; members and objects stay
        assertThat(lb.backend("b1").orElseThrow()).isSameAs(b1);
        assertThat(b1.state()).isEqualTo(BackendState.UP);
        await().atMost(Duration.ofSeconds(5))
                .until(() -> lb.backend("b2").orElseThrow().state() == BackendState.DOWN);
        assertThat(events)
                .extracting(BackendEvent::describe)
                .contains(
                        "backend b1 is restored: circuit breaker settings changed",
                        "backend b2 is down: connection refused");
        Lease l = lb.acquire(RequestContext.NONE, new Attempts());
        assertThat(l.backend()).isSameAs(b1);
        l.onSuccess(1);

        // another name: refused before anything changes
        lb.add(spec("p", "http://127.0.0.1:9003", 1));
        assertThatThrownBy(() -> LoadBalancers.reconfigure(
                        lb,
                        GatewayConfig.builder()
                                .healthCheck(
                                        HealthCheckConfig.builder("by_address").build())
                                .name("other")
                                .build(),
                        registry))
                .hasMessageStartingWith("name: 'other' (expected: the running name");
    }

    private Lease leaseOn(String id) {
        Attempts attempts = new Attempts();
        for (int i = 0; i < 50; i++) {
            Lease l = lb.acquire(RequestContext.NONE, attempts);
            if (l == null) {
                break;
            }
            if (l.backend().id().equals(id)) {
                return l;
            }
            l.release();
            attempts.record(l.backend(), "skipped by the test");
        }
        throw new AssertionError("no lease on " + id);
    }
}
