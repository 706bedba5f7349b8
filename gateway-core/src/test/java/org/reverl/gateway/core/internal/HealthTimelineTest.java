package org.reverl.gateway.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.reverl.gateway.api.Attempts;
import org.reverl.gateway.api.Backend;
import org.reverl.gateway.api.BackendSpec;
import org.reverl.gateway.api.BackendState;
import org.reverl.gateway.api.BackendUnavailableException;
import org.reverl.gateway.api.Lease;
import org.reverl.gateway.api.LivenessProbe;
import org.reverl.gateway.api.ProbeResult;
import org.reverl.gateway.api.RequestContext;
import org.reverl.gateway.core.GatewayConfig;
import org.reverl.gateway.core.HealthCheckConfig;
import org.reverl.gateway.core.ProviderRegistry;

/**
 * The health state machine inside a load balancer, stepped through time by a {@link ManualControlLoop}: probe timers,
 * probe timeouts, the breaker's wait before half-open and timed ejections fire exactly when time reaches them, with no
 * real timer and no waiting.
 */
class HealthTimelineTest {

    private final ManualControlLoop loop = new ManualControlLoop();
    private final List<String> events = new ArrayList<>();
    /** Probe results by backend id; a missing entry is alive, a null value never completes. */
    private final Map<String, ProbeResult> script = new HashMap<>();
    /** Backends whose probe throws instead of returning a stage. */
    private final java.util.Set<String> throwing = new java.util.HashSet<>();

    private final List<String> probed = new ArrayList<>();
    private DefaultLoadBalancer lb;

    private final LivenessProbe probe = (backend, timeout) -> {
        probed.add(backend.id());
        if (throwing.contains(backend.id())) {
            throw new IllegalStateException("probe bug");
        }
        if (!script.containsKey(backend.id())) {
            return CompletableFuture.completedFuture(ProbeResult.up());
        }
        ProbeResult r = script.get(backend.id());
        return r == null
                ? new CompletableFuture<>()
                : (CompletionStage<ProbeResult>) CompletableFuture.completedFuture(r);
    };

    private static HealthCheckConfig.Builder checks() {
        return HealthCheckConfig.builder("scripted")
                .interval(Duration.ofSeconds(2))
                .downInterval(Duration.ofMillis(200))
                .fastInterval(Duration.ofMillis(50))
                .timeout(Duration.ofSeconds(1))
                .jitterPercent(0)
                .rise(2)
                .fall(3);
    }

    private DefaultLoadBalancer lb(GatewayConfig config, String... ids) {
        lb = new DefaultLoadBalancer(
                config,
                ProviderRegistry.load().newStrategy("round_robin", Map.of()),
                config.healthCheck() == null ? null : probe,
                loop.clock(),
                loop);
        lb.addListener(e -> events.add(e.describe()));
        for (String id : ids) {
            lb.add(BackendSpec.of(id, "tcp://127.0.0.1:1"));
        }
        events.clear();
        return lb;
    }

    @AfterEach
    void close() {
        if (lb != null) {
            lb.close();
        }
    }

    private BackendState state(String id) {
        return lb.backend(id).orElseThrow().state();
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

    private void step(long millis) {
        loop.advance(Duration.ofMillis(millis));
    }

    /** b1 (picked first) refuses a request's connection: its breaker opens at once and it is ejected. */
    private void b1RefusesAConnection() {
        Lease onB1 = lb.acquire(RequestContext.NONE, new Attempts());
        assertThat(onB1.backend().id()).isEqualTo("b1");
        onB1.onFailure(1_000, new BackendUnavailableException("b1", "connection refused", true));
        loop.runPending();
        assertThat(state("b1")).isEqualTo(BackendState.EJECTED);
    }

    /** A request that has tried b2 gets b1 as a trial call, which succeeds and restores it. */
    private void trialCallOnB1Succeeds() {
        Attempts attempts = new Attempts();
        attempts.record(lb.backend("b2").orElseThrow(), "tried");
        Lease trial = lb.acquire(RequestContext.NONE, attempts);
        assertThat(trial.backend().id()).isEqualTo("b1");
        trial.onSuccess(1_000);
        loop.runPending();
        assertThat(state("b1")).isEqualTo(BackendState.UP);
    }

    @Test
    void probes_fallAtTheFastInterval_riseAtTheDownThenFastInterval_atExactTimes() {
        lb(GatewayConfig.builder().healthCheck(checks().build()).build(), "b1", "b2");
        step(0); // the first probes run at once
        assertThat(probed).containsExactly("b1", "b2");

        script.put("b1", ProbeResult.down("connection refused"));
        step(1999);
        assertThat(probed).hasSize(2);
        step(1); // 2 s: first failure, then probed at the fast interval
        assertThat(state("b1")).isEqualTo(BackendState.UP);
        step(50);
        assertThat(state("b1")).isEqualTo(BackendState.UP);
        step(49);
        assertThat(state("b1")).isEqualTo(BackendState.UP);
        step(1); // the third failure in a row: fall
        assertThat(state("b1")).isEqualTo(BackendState.DOWN);
        assertThat(events).containsExactly("backend b1 is down: connection refused");
        assertThat(picks(4)).containsOnly("b2");

        script.remove("b1");
        step(199);
        assertThat(state("b1")).isEqualTo(BackendState.DOWN);
        step(1); // down interval: first pass
        assertThat(state("b1")).isEqualTo(BackendState.DOWN);
        step(50); // fast interval: second pass, rise
        assertThat(state("b1")).isEqualTo(BackendState.UP);
        assertThat(events)
                .containsExactly("backend b1 is down: connection refused", "backend b1 is up: 2 probes passed");
        assertThat(picks(4)).contains("b1", "b2");
    }

    @Test
    void probe_thatNeverCompletes_timesOutAfterTheTimeout_asAFailure() {
        lb(GatewayConfig.builder().healthCheck(checks().fall(1).build()).build(), "b1");
        script.put("b1", null);
        step(0);
        step(999);
        assertThat(state("b1")).isEqualTo(BackendState.UP);
        step(1);
        assertThat(state("b1")).isEqualTo(BackendState.DOWN);
        assertThat(events).containsExactly("backend b1 is down: probe timed out after 1000ms");
    }

    @Test
    void probe_thatThrows_isAFailureWithItsReason_otherProbesGoOn_andBothRecover() {
        lb(GatewayConfig.builder().healthCheck(checks().fall(1).build()).build(), "b1", "b2", "b3");
        throwing.add("b1");
        script.put("b2", null);
        step(0);
        assertThat(state("b1")).isEqualTo(BackendState.DOWN);
        step(1000);
        assertThat(state("b2")).isEqualTo(BackendState.DOWN);
        assertThat(state("b3")).isEqualTo(BackendState.UP);
        assertThat(events)
                .containsExactly(
                        "backend b1 is down: probe failed: IllegalStateException: probe bug",
                        "backend b2 is down: probe timed out after 1000ms");

        throwing.clear();
        script.clear();
        step(200 + 50); // down interval, then rise at the fast interval
        assertThat(state("b1")).isEqualTo(BackendState.UP);
        assertThat(state("b2")).isEqualTo(BackendState.UP);
    }

    @Test
    void initiallyDown_aLastResortOnceMeanwhile_upOnTheFirstPassingProbe() {
        script.put("b1", ProbeResult.down("connection refused"));
        lb(
                GatewayConfig.builder()
                        .healthCheck(checks().initiallyUp(false).build())
                        .build(),
                "b1");
        step(0);
        assertThat(state("b1")).isEqualTo(BackendState.DOWN);
        // nothing eligible: the down backend is offered once as a last resort, then nothing
        Attempts attempts = new Attempts();
        Lease lastResort = lb.acquire(RequestContext.NONE, attempts);
        assertThat(lastResort.lastResort()).isTrue();
        lastResort.onFailure(1_000, new java.io.IOException("connection refused"));
        attempts.record(lastResort.backend(), "connection refused");
        assertThat(lb.acquire(RequestContext.NONE, attempts)).isNull();

        script.remove("b1");
        step(199);
        assertThat(state("b1")).isEqualTo(BackendState.DOWN);
        step(1);
        assertThat(state("b1")).isEqualTo(BackendState.UP);
        assertThat(events).containsExactly("backend b1 is up: probe passed");
    }

    @Test
    void panicThreshold_tooFewEligible_spreadsOverAll_untilEnoughAreBack() {
        lb(
                GatewayConfig.builder()
                        .healthCheck(checks().fall(1).build())
                        .panicThresholdPercent(50)
                        .build(),
                "b1",
                "b2",
                "b3",
                "b4");
        script.put("b1", ProbeResult.down("connection refused"));
        step(0);
        assertThat(state("b1")).isEqualTo(BackendState.DOWN);
        assertThat(picks(8)).doesNotContain("b1"); // 3 of 4 eligible: no panic
        assertThat(lb.inPanic()).isFalse();

        script.put("b2", ProbeResult.down("connection refused"));
        script.put("b3", ProbeResult.down("connection refused"));
        step(2000);
        assertThat(state("b2")).isEqualTo(BackendState.DOWN);
        assertThat(state("b3")).isEqualTo(BackendState.DOWN);
        // 1 of 4 eligible, below 50%: spread over all four rather than overload b4
        assertThat(lb.inPanic()).isTrue();
        assertThat(picks(8)).containsOnly("b1", "b2", "b3", "b4").contains("b1", "b2", "b3", "b4");

        script.clear();
        step(250);
        assertThat(lb.inPanic()).isFalse();
        assertThat(lb.backends()).allMatch(b -> b.state() == BackendState.UP);
    }

    @Test
    void breaker_hardFailureEjects_waitThenHalfOpenTrials_successRestores() {
        lb(
                GatewayConfig.builder()
                        .breakerWaitDurationInOpenState(Duration.ofSeconds(5))
                        .breakerPermittedCallsInHalfOpenState(1)
                        .build(),
                "b1",
                "b2");
        b1RefusesAConnection();
        assertThat(events).containsExactly("backend b1 is ejected: connection refused");
        assertThat(picks(4)).containsOnly("b2");

        step(4999);
        assertThat(picks(4)).containsOnly("b2");
        step(1); // half-open: b1 takes one trial call
        trialCallOnB1Succeeds();
        assertThat(events)
                .containsExactly(
                        "backend b1 is ejected: connection refused", "backend b1 is restored: trial calls succeeded");
    }

    @Test
    void breaker_failureRateEjects_failedTrialsKeepItOut_untilTheNextWait() {
        lb(
                GatewayConfig.builder()
                        .breakerSlidingWindowSize(2)
                        .breakerMinimumNumberOfCalls(2)
                        .breakerWaitDurationInOpenState(Duration.ofSeconds(5))
                        .breakerPermittedCallsInHalfOpenState(1)
                        .build(),
                "b1",
                "b2");
        Attempts notB2 = new Attempts();
        notB2.record(lb.backend("b2").orElseThrow(), "tried");
        for (int i = 0; i < 2; i++) {
            lb.acquire(RequestContext.NONE, notB2).onFailure(1_000, new java.io.IOException("reset"));
        }
        loop.runPending();
        assertThat(state("b1")).isEqualTo(BackendState.EJECTED);

        step(5_000); // half-open: one trial call, which fails
        Lease trial = lb.acquire(RequestContext.NONE, notB2);
        assertThat(trial.backend().id()).isEqualTo("b1");
        trial.onFailure(1_000, new java.io.IOException("reset"));
        loop.runPending();
        assertThat(picks(4)).containsOnly("b2");
        step(4_999);
        assertThat(picks(4)).containsOnly("b2");
        step(1);
        lb.acquire(RequestContext.NONE, notB2).onSuccess(1_000);
        loop.runPending();
        assertThat(state("b1")).isEqualTo(BackendState.UP);
        assertThat(events)
                .containsExactly(
                        "backend b1 is ejected: circuit breaker open: failure rate 100% over 2 calls",
                        "backend b1 is restored: trial calls succeeded");
    }

    @Test
    void lastResortSuccess_onADownBackend_probesItAtOnce_notAfterTheDownInterval() {
        script.put("b1", ProbeResult.down("connection refused"));
        lb(GatewayConfig.builder().healthCheck(checks().fall(1).build()).build(), "b1");
        step(0);
        assertThat(state("b1")).isEqualTo(BackendState.DOWN);
        script.remove("b1");
        int before = probed.size();
        Lease lastResort = lb.acquire(RequestContext.NONE, new Attempts());
        assertThat(lastResort.lastResort()).isTrue();
        lastResort.onSuccess(1_000);
        step(0);
        assertThat(probed).hasSize(before + 1); // probed now, not 200 ms later
        step(50); // rise at the fast interval
        assertThat(state("b1")).isEqualTo(BackendState.UP);
    }

    /** b1 and b2 probed every 2 s, a breaker that waits 5 s before one trial call. */
    private void b1AndB2WithABreakerWaitOf5s() {
        lb(
                GatewayConfig.builder()
                        .healthCheck(checks().build())
                        .breakerWaitDurationInOpenState(Duration.ofSeconds(5))
                        .breakerPermittedCallsInHalfOpenState(1)
                        .build(),
                "b1",
                "b2");
    }

    @Test
    void refusedThenReachedByAProbe_beforeItsProbesFoundItDown_trialCallsAtOnce_notAfterTheBreakersWait() {
        b1AndB2WithABreakerWaitOf5s();
        step(0); // the first probes pass; the next are due in 2 s
        b1RefusesAConnection();
        assertThat(picks(4)).containsOnly("b2");

        step(1999);
        assertThat(picks(4)).as("no trial calls before a probe reaches it").containsOnly("b2");
        step(1); // 2 s: the probe reaches b1 again (it restarted), 3 s before the breaker would let trials in
        trialCallOnB1Succeeds();
        assertThat(events)
                .containsExactly(
                        "backend b1 is ejected: connection refused", "backend b1 is restored: trial calls succeeded");
    }

    @Test
    void ejectedByItsFailureRate_aPassingProbe_provesNothing_theBreakersWaitRuns() {
        b1AndB2WithABreakerWaitOf5s();
        step(0);
        Backend b1 = lb.backend("b1").orElseThrow();
        // answers that fail without proving it gone (timeouts, resets): the breaker opens on its measured rate
        for (int i = 0; i < 200 && state("b1") != BackendState.EJECTED; i++) {
            Lease l = lb.acquire(RequestContext.NONE, new Attempts());
            if (l.backend() == b1) {
                l.onFailure(1_000, new java.io.IOException("reset"));
            } else {
                l.release();
            }
            loop.runPending();
        }
        assertThat(state("b1")).isEqualTo(BackendState.EJECTED);

        step(2000); // a probe passes: a TCP connect says nothing against the failures that opened the breaker
        assertThat(picks(4)).containsOnly("b2");
        step(2999);
        assertThat(picks(4)).containsOnly("b2");
    }

    @Test
    void eject_forADuration_outUntilItEnds_thenRestored_noTrialCallsMeanwhile() {
        lb(GatewayConfig.defaults(), "b1", "b2");
        Backend b1 = lb.backend("b1").orElseThrow();

        lb.eject(b1, Duration.ofSeconds(30), "5 consecutive 5xx");
        assertThat(state("b1")).as("posted: applied by the control loop").isEqualTo(BackendState.UP);
        loop.runPending();
        assertThat(state("b1")).isEqualTo(BackendState.EJECTED);
        assertThat(lb.noBackend(new Attempts()).getMessage()).contains("every eligible backend was tried");

        step(29_999);
        assertThat(picks(6)).containsOnly("b2");
        step(1);
        assertThat(state("b1")).isEqualTo(BackendState.UP);
        assertThat(picks(4)).contains("b1", "b2");
        assertThat(events)
                .containsExactly("backend b1 is ejected: 5 consecutive 5xx", "backend b1 is restored: ejection ended");
    }

    @Test
    void eject_extended_endsAtTheLaterEnd_restore_endsItAtOnce_withNoTimerLeft() {
        lb(GatewayConfig.defaults(), "b1", "b2");
        Backend b1 = lb.backend("b1").orElseThrow();
        lb.eject(b1, Duration.ofSeconds(10), "first");
        loop.runPending();
        step(5_000);
        lb.eject(b1, Duration.ofSeconds(10), "again");
        loop.runPending();
        step(5_000); // the first end: extended, so still out
        assertThat(state("b1")).isEqualTo(BackendState.EJECTED);
        step(5_000);
        assertThat(state("b1")).isEqualTo(BackendState.UP);

        lb.eject(b1, Duration.ofMinutes(5), "outlier");
        loop.runPending();
        lb.restore(b1, "trial traffic succeeded");
        loop.runPending();
        assertThat(state("b1")).isEqualTo(BackendState.UP);
        assertThat(loop.timers()).as("the ejection's end is cancelled").isZero();
        assertThat(events)
                .containsExactly(
                        "backend b1 is ejected: first",
                        "backend b1 is restored: ejection ended",
                        "backend b1 is ejected: outlier",
                        "backend b1 is restored: trial traffic succeeded");
    }

    @Test
    void eject_ofADownBackend_keepsItDown_andTerminated_stopsItsProbes() {
        lb(GatewayConfig.builder().healthCheck(checks().fall(1).build()).build(), "b1", "b2");
        script.put("b1", ProbeResult.down("connection refused"));
        step(0);
        lb.eject(lb.backend("b1").orElseThrow(), Duration.ofSeconds(1), "outlier");
        loop.runPending();
        assertThat(state("b1")).isEqualTo(BackendState.DOWN);

        lb.markDown(lb.backend("b2").orElseThrow(), "stopped");
        int probes = probed.size();
        step(60_000);
        assertThat(probed.stream().skip(probes)).containsOnly("b1");
        assertThat(state("b2")).isEqualTo(BackendState.DOWN);
        assertThat(events).containsExactly("backend b1 is down: connection refused", "backend b2 is down: stopped");
    }

    @Test
    void drain_noNewRequests_completesOnceIdle_checkedOnTheLoopsTimer_thenRemovable() {
        lb(GatewayConfig.defaults(), "b1", "b2");
        Lease onB1 = lb.acquire(RequestContext.NONE, new Attempts());
        assertThat(onB1.backend().id()).isEqualTo("b1");
        CompletableFuture<Void> drained = lb.drain("b1").toCompletableFuture();
        assertThat(state("b1")).isEqualTo(BackendState.DRAINING);
        assertThat(picks(4)).containsOnly("b2");
        step(1_000);
        assertThat(drained).isNotDone();
        onB1.onSuccess(1_000);
        step(9);
        assertThat(drained).isNotDone();
        step(10);
        assertThat(drained).isDone();
        assertThat(lb.remove("b1")).isTrue();
        assertThat(events).containsExactly("backend b1 is draining: 1 in flight", "backend b1 is removed");
    }
}
