package org.reverl.gateway.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.reverl.gateway.api.Attempt;
import org.reverl.gateway.api.Attempts;
import org.reverl.gateway.api.Backend;
import org.reverl.gateway.api.BackendEvent;
import org.reverl.gateway.api.BackendSpec;
import org.reverl.gateway.api.BackendState;
import org.reverl.gateway.api.Lease;
import org.reverl.gateway.api.LoadBalancer;
import org.reverl.gateway.api.RequestContext;

class LoadBalancerTest {

    private final List<BackendEvent> events = new CopyOnWriteArrayList<>();
    private LoadBalancer lb;

    private LoadBalancer lb(GatewayConfig config, String... ids) {
        LoadBalancers.Builder b = LoadBalancers.builder().config(config).listener(events::add);
        for (String id : ids) {
            b.backend(BackendSpec.of(id, "tcp://127.0.0.1:" + (9000 + id.hashCode() % 100)));
        }
        lb = b.build();
        return lb;
    }

    @AfterEach
    void close() {
        if (lb != null) {
            lb.close();
        }
    }

    @Test
    void acquire_countsInFlightUntilTheOutcome() {
        lb(GatewayConfig.defaults(), "b1", "b2");
        Attempts attempts = new Attempts();

        Lease l1 = lb.acquire(RequestContext.NONE, attempts);
        Lease l2 = lb.acquire(RequestContext.NONE, attempts);
        Lease l3 = lb.acquire(RequestContext.NONE, attempts);

        assertThat(List.of(l1.backend().id(), l2.backend().id(), l3.backend().id()))
                .containsExactly("b1", "b2", "b1");
        assertThat(l1.backend().inFlight()).isEqualTo(2);
        assertThat(l2.backend().inFlight()).isEqualTo(1);
        l1.onSuccess(1_000);
        l2.onFailure(1_000, new IOException("reset"));
        l3.release();
        assertThat(lb.backends()).extracting(Backend::inFlight).containsExactly(0, 0);
        assertThat(attempts.isEmpty()).isTrue();
    }

    @Test
    void acquire_skipsBackendsAlreadyTried() {
        lb(GatewayConfig.defaults(), "b1", "b2", "b3");
        Attempts attempts = new Attempts();
        Backend b1 = lb.backend("b1").orElseThrow();
        Backend b2 = lb.backend("b2").orElseThrow();
        attempts.record(b1, "connection refused");
        attempts.record(b2, "connection refused");

        for (int i = 0; i < 6; i++) {
            Lease l = lb.acquire(RequestContext.NONE, attempts);
            assertThat(l.backend().id()).isEqualTo("b3");
            l.release();
        }
        attempts.record(lb.backend("b3").orElseThrow(), "connection refused");
        assertThat(lb.acquire(RequestContext.NONE, attempts)).isNull();
        assertThat(lb.noBackend(attempts))
                .hasMessage("no backend available: tried b1 (connection refused), b2 (connection refused),"
                        + " b3 (connection refused); every eligible backend was tried");
    }

    @Test
    void breakerOpensOnFailures_backendEjectedOnce_thenRestoredByTrialCalls() {
        GatewayConfig config = GatewayConfig.builder()
                .breakerSlidingWindowSize(4)
                .breakerMinimumNumberOfCalls(4)
                .breakerFailureRateThreshold(50)
                .breakerWaitDurationInOpenState(Duration.ofMillis(50))
                .breakerPermittedCallsInHalfOpenState(2)
                .build();
        lb(config, "b1");
        Backend b1 = lb.backend("b1").orElseThrow();

        for (int i = 0; i < 4; i++) {
            lb.acquire(RequestContext.NONE, new Attempts()).onFailure(1_000, new IOException("reset"));
        }
        await().atMost(10, TimeUnit.SECONDS).until(() -> b1.state() == BackendState.EJECTED);

        // half-open after the wait: trial calls are admitted again
        await().atMost(10, TimeUnit.SECONDS).until(() -> lb.acquire(RequestContext.NONE, new Attempts()) != null);
        // the lease taken by the await above is trial call 1; take trial call 2 and let both succeed
        Lease trial2 = lb.acquire(RequestContext.NONE, new Attempts());
        assertThat(trial2).isNotNull();
        ((Lease) b1).onSuccess(1_000);
        trial2.onSuccess(1_000);

        await().atMost(10, TimeUnit.SECONDS).until(() -> b1.state() == BackendState.UP);
        assertThat(b1.inFlight()).isZero();
        // events are emitted on the control thread just after the state changes
        await().untilAsserted(() -> assertThat(events)
                .filteredOn(e -> e.type() != BackendEvent.Type.ADDED)
                .extracting(BackendEvent::describe)
                .containsExactly(
                        "backend b1 is ejected: circuit breaker open: failure rate 100% over 4 calls",
                        "backend b1 is restored: trial calls succeeded"));
    }

    @Test
    void breakerOpen_pickRefusedAndRecorded_withoutStackTraceCost() {
        GatewayConfig config = GatewayConfig.builder()
                .breakerSlidingWindowSize(2)
                .breakerMinimumNumberOfCalls(2)
                .build();
        lb(config, "b1", "b2");
        Backend b1 = lb.backend("b1").orElseThrow();
        // two leases taken while closed; both fail, so the breaker opens on a request thread
        Lease a = lb.acquire(RequestContext.NONE, new Attempts());
        Lease b = lb.acquire(RequestContext.NONE, new Attempts());
        Lease c = lb.acquire(RequestContext.NONE, new Attempts());
        assertThat(List.of(a.backend(), c.backend())).containsOnly(b1);
        a.onFailure(1, new IOException("reset"));
        c.onFailure(1, new IOException("reset"));
        b.onSuccess(1);

        await().atMost(10, TimeUnit.SECONDS).until(() -> b1.state() == BackendState.EJECTED);
        for (int i = 0; i < 4; i++) {
            Lease l = lb.acquire(RequestContext.NONE, new Attempts());
            assertThat(l.backend().id()).isEqualTo("b2");
            l.release();
        }
    }

    @Test
    void remove_whileInFlight_noNewRequests_inFlightOnesComplete() {
        lb(GatewayConfig.defaults(), "b1", "b2");
        Lease onB1 = lb.acquire(RequestContext.NONE, new Attempts());
        assertThat(onB1.backend().id()).isEqualTo("b1");

        assertThat(lb.remove("b1")).isTrue();

        assertThat(onB1.backend().state()).isEqualTo(BackendState.REMOVED);
        for (int i = 0; i < 4; i++) {
            Lease l = lb.acquire(RequestContext.NONE, new Attempts());
            assertThat(l.backend().id()).isEqualTo("b2");
            l.onSuccess(1);
        }
        onB1.onSuccess(1); // completes normally after removal
        assertThat(onB1.backend().inFlight()).isZero();
        assertThat(lb.backends()).extracting(Backend::id).containsExactly("b2");
        assertThat(lb.remove("b1")).isFalse();
    }

    @Test
    void retryBudget_floorThenShareOfInFlight() {
        GatewayConfig config = GatewayConfig.builder()
                .retryBudgetPercent(50)
                .minRetryConcurrency(1)
                .build();
        lb(config, "b1");

        assertThat(lb.tryAcquireRetry()).isTrue();
        assertThat(lb.tryAcquireRetry()).isFalse(); // floor of 1, nothing in flight
        Lease[] leases = new Lease[4];
        for (int i = 0; i < leases.length; i++) {
            leases[i] = lb.acquire(RequestContext.NONE, new Attempts());
        }
        assertThat(lb.tryAcquireRetry()).isTrue(); // 50% of 4 in flight = 2
        assertThat(lb.tryAcquireRetry()).isFalse();
        lb.releaseRetry();
        lb.releaseRetry();
        for (Lease l : leases) {
            l.release();
        }
    }

    @Test
    void listenerThatThrows_doesNotStopOthersOrTheChange() {
        lb(GatewayConfig.defaults());
        lb.addListener(e -> {
            throw new IllegalStateException("bad listener");
        });
        List<String> seen = new CopyOnWriteArrayList<>();
        lb.addListener(e -> seen.add(e.describe()));

        lb.add(BackendSpec.of("b9", "tcp://127.0.0.1:9009"));

        assertThat(seen).containsExactly("backend b9 added: tcp://127.0.0.1:9009, weight 1");
        assertThat(lb.backends()).extracting(Backend::id).containsExactly("b9");
    }

    /**
     * Every event is logged by default; with {@code logEvents(false)} the listeners still get it and the log does not.
     * The test's logger (slf4j-simple) writes to whatever {@code System.err} is at the time.
     */
    @Test
    void events_loggedUnlessTurnedOff_listenersGetThemEitherWay() {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream err = System.err;
        List<String> quietSeen = new CopyOnWriteArrayList<>();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try (LoadBalancer quiet = LoadBalancers.builder()
                .logEvents(false)
                .listener(e -> quietSeen.add(e.describe()))
                .backend(BackendSpec.of("quiet-1", "tcp://127.0.0.1:9011"))
                .build()) {
            lb(GatewayConfig.defaults(), "logged-1");
            quiet.remove("quiet-1");
            lb.remove("logged-1");
        } finally {
            System.setErr(err);
        }

        String log = captured.toString(StandardCharsets.UTF_8);
        assertThat(log)
                .contains("backend logged-1 added: tcp://127.0.0.1:")
                .contains("backend logged-1 is removed")
                .doesNotContain("quiet-1");
        assertThat(quietSeen)
                .containsExactly("backend quiet-1 added: tcp://127.0.0.1:9011, weight 1", "backend quiet-1 is removed");
    }

    @Test
    void noBackend_listsMemberStatesWhenNoneEligible() {
        lb(GatewayConfig.defaults(), "b1");
        lb.remove("b1");
        assertThat(lb.noBackend(new Attempts())).hasMessage("no backend available: gateway 'reverl' has no backends");
        assertThat(new Attempt("b1", "x").toString()).isEqualTo("b1 (x)");
    }
}
