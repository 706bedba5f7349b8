package org.reverl.gateway.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.reverl.gateway.api.BackendEvent;
import org.reverl.gateway.api.BackendState;
import org.reverl.gateway.core.internal.BackendHealth.Change;
import org.reverl.gateway.core.internal.BackendHealth.Ejection;

/** Every transition of the health state machine, one event at a time, without a load balancer or time. */
class BackendHealthTest {

    private static final int RISE = 2;
    private static final int FALL = 3;
    private static final long SECOND = 1_000_000_000L;

    private static Change fail(BackendHealth h, String reason) {
        return h.probed(false, reason, RISE, FALL);
    }

    private static Change pass(BackendHealth h) {
        return h.probed(true, "", RISE, FALL);
    }

    private static void assertTransition(
            Change c, BackendState from, BackendState to, BackendEvent.Type event, String reason) {
        assertThat(c.kind()).isEqualTo(Change.Kind.TRANSITION);
        assertThat(c.before()).isEqualTo(from);
        assertThat(c.after()).isEqualTo(to);
        assertThat(c.event()).isEqualTo(event);
        assertThat(c.reason()).isEqualTo(reason);
    }

    @Test
    void probes_fallFailuresTakeDown_riseSuccessesBringUp_countsResetOnEachTurn() {
        BackendHealth h = new BackendHealth();

        assertThat(fail(h, "connection refused")).isSameAs(Change.NONE);
        assertThat(pass(h)).as("a pass resets the failures").isSameAs(Change.NONE);
        assertThat(fail(h, "connection refused")).isSameAs(Change.NONE);
        assertThat(fail(h, "connection refused")).isSameAs(Change.NONE);
        assertThat(h.probeFailures()).isEqualTo(2);
        Change down = fail(h, "connection refused");
        assertTransition(down, BackendState.UP, BackendState.DOWN, BackendEvent.Type.DOWN, "connection refused");
        assertThat(down.wentOut()).isTrue();
        assertThat(h.downReason()).isEqualTo("connection refused");
        assertThat(fail(h, "timed out")).as("down already: no second event").isSameAs(Change.NONE);
        assertThat(h.downReason()).isEqualTo("timed out");

        assertThat(pass(h))
                .as("on its way back: offered first as a last resort")
                .isSameAs(Change.LAST_RESORT_ORDER);
        Change up = pass(h);
        assertTransition(up, BackendState.DOWN, BackendState.UP, BackendEvent.Type.UP, "2 probes passed");
        assertThat(up.cameUp()).isTrue();
        assertThat(h.probeFailures()).isZero();
        assertThat(pass(h)).isSameAs(Change.NONE);
    }

    @Test
    void startingDown_theFirstPassingProbeBringsItUp_whateverRise() {
        BackendHealth h = BackendHealth.startingDown();
        assertThat(h.visible()).isEqualTo(BackendState.DOWN);
        assertThat(h.downReason()).isEqualTo("awaiting first probe");
        assertThat(h.admits(false)).isFalse();

        assertThat(fail(h, "connection refused")).isSameAs(Change.NONE);
        assertTransition(pass(h), BackendState.DOWN, BackendState.UP, BackendEvent.Type.UP, "probe passed");
        assertThat(h.awaitingFirstProbe()).isFalse();
    }

    @Test
    void ejectedAsGone_onlyWhileTheLastOpeningWasForARefusal() {
        BackendHealth h = new BackendHealth();
        h.expectBreakerOpen("connection refused");
        h.breakerOpened("measured");
        assertThat(h.ejectedAsGone()).isTrue();

        h.breakerHalfOpen();
        h.breakerOpened("circuit breaker open: failure rate 100% over 1 calls");
        assertThat(h.ejectedAsGone())
                .as("trial calls failed otherwise: no longer proven gone")
                .isFalse();
        h.breakerHalfOpen();
        h.expectBreakerOpen("connection refused");
        h.breakerOpened("measured");
        assertThat(h.ejectedAsGone()).isTrue();

        h.breakerHalfOpen();
        h.breakerClosed();
        assertThat(h.ejectedAsGone()).as("restored").isFalse();

        h.breakerOpened("circuit breaker open: failure rate 60% over 10 calls");
        assertThat(h.ejectedAsGone()).as("ejected on its measured rate").isFalse();
    }

    @Test
    void breaker_opensEjects_halfOpenAdmitsTrials_closedRestores() {
        BackendHealth h = new BackendHealth();
        h.expectBreakerOpen("connection refused");
        Change ejected = h.breakerOpened("circuit breaker open: failure rate 100% over 5 calls");
        assertTransition(
                ejected, BackendState.UP, BackendState.EJECTED, BackendEvent.Type.EJECTED, "connection refused");
        assertThat(h.ejection()).isEqualTo(Ejection.BREAKER);
        assertThat(h.admits(false)).isFalse();

        assertThat(h.breakerHalfOpen()).isSameAs(Change.ELIGIBILITY);
        assertThat(h.admits(true)).as("trial calls while half-open").isTrue();
        assertThat(h.breakerOpened("measured")).as("trials failed: out again").isSameAs(Change.ELIGIBILITY);
        assertThat(h.breakerHalfOpen()).isSameAs(Change.ELIGIBILITY);

        Change restored = h.breakerClosed();
        assertTransition(
                restored, BackendState.EJECTED, BackendState.UP, BackendEvent.Type.RESTORED, "trial calls succeeded");
        assertThat(restored.leftEjected()).isTrue();
        assertThat(h.ejection()).isEqualTo(Ejection.NONE);

        // the measured reason when the engine did not open it itself
        assertThat(h.breakerOpened("circuit breaker open: failure rate 60% over 10 calls")
                        .reason())
                .isEqualTo("circuit breaker open: failure rate 60% over 10 calls");
    }

    @Test
    void breaker_whileDown_changesNothing_probesDecide() {
        BackendHealth h = new BackendHealth();
        fail(h, "x");
        fail(h, "x");
        fail(h, "refused");
        assertThat(h.breakerOpened("measured")).isSameAs(Change.NONE);
        assertThat(h.breakerHalfOpen()).isSameAs(Change.NONE);
        assertThat(h.breakerClosed()).isSameAs(Change.NONE);
        assertThat(h.visible()).isEqualTo(BackendState.DOWN);
    }

    @Test
    void ejectedBackend_failingItsProbes_goesDown_andItsEjectionIsOver() {
        BackendHealth h = new BackendHealth();
        h.breakerOpened("measured");
        fail(h, "refused");
        fail(h, "refused");
        Change down = fail(h, "refused");
        assertTransition(down, BackendState.EJECTED, BackendState.DOWN, BackendEvent.Type.DOWN, "refused");
        assertThat(down.leftEjected()).isTrue();
        assertThat(h.ejection()).isEqualTo(Ejection.NONE);
        assertThat(h.breakerClosed())
                .as("a closing breaker does not bring a down backend up")
                .isSameAs(Change.NONE);
    }

    @Test
    void eject_forADuration_noTrials_restoredWhenItEnds() {
        BackendHealth h = new BackendHealth();
        Change ejected = h.eject(10 * SECOND, 30 * SECOND, "5 consecutive 5xx");
        assertTransition(
                ejected, BackendState.UP, BackendState.EJECTED, BackendEvent.Type.EJECTED, "5 consecutive 5xx");
        assertThat(ejected.ejectionEndsAfterNanos()).isEqualTo(30 * SECOND);
        assertThat(h.ejection()).isEqualTo(Ejection.TIMED);
        assertThat(h.admits(true)).as("no trial calls during a timed ejection").isFalse();
        assertThat(h.breakerClosed()).as("the breaker does not end it").isSameAs(Change.NONE);

        assertThat(h.ejectionEnded(39 * SECOND, true))
                .as("early (a stale timer)")
                .isSameAs(Change.NONE);
        Change restored = h.ejectionEnded(40 * SECOND, true);
        assertTransition(restored, BackendState.EJECTED, BackendState.UP, BackendEvent.Type.RESTORED, "ejection ended");
        assertThat(restored.cameUp()).isTrue();
        assertThat(h.ejectionEnded(41 * SECOND, true)).isSameAs(Change.NONE);
    }

    @Test
    void outlierEjection_trialTrafficOnlyWhenTheDetectorSays_restoredByItsTrial() {
        BackendHealth h = new BackendHealth();
        Change ejected = h.ejectOutlier("3 consecutive 5xx");
        assertTransition(
                ejected, BackendState.UP, BackendState.EJECTED, BackendEvent.Type.EJECTED, "3 consecutive 5xx");
        assertThat(ejected.ejectionEndsAfterNanos())
                .as("the detector keeps the time")
                .isNegative();
        assertThat(h.ejection()).isEqualTo(Ejection.OUTLIER);
        assertThat(h.admits(true, false)).as("no breaker trial calls").isFalse();
        assertThat(h.admits(false, true)).as("the detector's trial").isTrue();
        assertThat(h.ejectOutlier("again")).as("already out").isSameAs(Change.NONE);
        assertThat(h.breakerReplaced()).as("a breaker reload does not end it").isSameAs(Change.NONE);

        Change restored = h.outlierRestored("trial request succeeded", true);
        assertTransition(
                restored, BackendState.EJECTED, BackendState.UP, BackendEvent.Type.RESTORED, "trial request succeeded");
        assertThat(h.outlierRestored("late", true)).isSameAs(Change.NONE);
    }

    @Test
    void outlierEjection_breakerOpenAtTheTrial_itsTrialCallsDecide_andADownBackendIsLeftAlone() {
        BackendHealth h = new BackendHealth();
        h.ejectOutlier("slow");
        assertThat(h.outlierRestored("trial passed", false)).isSameAs(Change.ELIGIBILITY);
        assertThat(h.ejection()).isEqualTo(Ejection.BREAKER);
        assertThat(h.breakerClosed().event()).isEqualTo(BackendEvent.Type.RESTORED);

        BackendHealth down = BackendHealth.startingDown();
        assertThat(down.ejectOutlier("5xx")).isSameAs(Change.NONE);
        assertThat(down.health()).isEqualTo(BackendState.DOWN);
    }

    @Test
    void eject_again_extendsToTheLaterEnd_withoutASecondEvent() {
        BackendHealth h = new BackendHealth();
        h.eject(0, 30 * SECOND, "first");
        assertThat(h.eject(10 * SECOND, 10 * SECOND, "shorter"))
                .as("ends earlier: nothing")
                .isSameAs(Change.NONE);
        Change longer = h.eject(10 * SECOND, 60 * SECOND, "longer");
        assertThat(longer.kind()).isEqualTo(Change.Kind.ELIGIBILITY);
        assertThat(longer.event()).isNull();
        assertThat(longer.ejectionEndsAfterNanos()).isEqualTo(60 * SECOND);
        assertThat(h.ejectionEnded(30 * SECOND, true))
                .as("the first end is stale")
                .isSameAs(Change.NONE);
        assertThat(h.ejectionEnded(70 * SECOND, true).event()).isEqualTo(BackendEvent.Type.RESTORED);
    }

    @Test
    void eject_ofABreakerEjection_becomesTimed_andOfADownBackend_isIgnored() {
        BackendHealth h = new BackendHealth();
        h.breakerOpened("measured");
        Change timed = h.eject(0, 5 * SECOND, "outlier");
        assertThat(timed.kind()).isEqualTo(Change.Kind.ELIGIBILITY);
        assertThat(h.ejection()).isEqualTo(Ejection.TIMED);
        assertThat(h.admits(true)).isFalse();
        // the breaker is still open when the time is up: its trial calls decide from now on
        assertThat(h.ejectionEnded(5 * SECOND, false)).isSameAs(Change.ELIGIBILITY);
        assertThat(h.ejection()).isEqualTo(Ejection.BREAKER);
        assertThat(h.admits(true)).isTrue();
        assertThat(h.breakerClosed().event()).isEqualTo(BackendEvent.Type.RESTORED);

        BackendHealth down = new BackendHealth();
        down.terminate("stopped");
        assertThat(down.eject(0, SECOND, "outlier")).isSameAs(Change.NONE);
        assertThatThrownBy(() -> new BackendHealth().eject(0, 0, "r")).hasMessage("duration: 0ns (expected: > 0)");
    }

    @Test
    void restore_endsAnyEjectionAtOnce_notADownBackend() {
        BackendHealth timed = new BackendHealth();
        timed.eject(0, 30 * SECOND, "outlier");
        assertTransition(
                timed.restore("trial traffic succeeded"),
                BackendState.EJECTED,
                BackendState.UP,
                BackendEvent.Type.RESTORED,
                "trial traffic succeeded");

        BackendHealth byBreaker = new BackendHealth();
        byBreaker.breakerOpened("measured");
        assertThat(byBreaker.restore("operator").event()).isEqualTo(BackendEvent.Type.RESTORED);

        BackendHealth up = new BackendHealth();
        assertThat(up.restore("nothing to restore")).isSameAs(Change.NONE);
    }

    @Test
    void terminate_isDownForGood_probesAndEjectionsNoLongerCount() {
        BackendHealth h = new BackendHealth();
        assertTransition(h.terminate("stopped"), BackendState.UP, BackendState.DOWN, BackendEvent.Type.DOWN, "stopped");
        assertThat(h.terminate("stopped again")).isSameAs(Change.NONE);
        assertThat(pass(h)).isSameAs(Change.NONE);
        assertThat(pass(h)).isSameAs(Change.NONE);
        assertThat(h.breakerOpened("m")).isSameAs(Change.NONE);
        assertThat(h.probesStopped()).as("no health check does not revive it").isSameAs(Change.NONE);
        assertThat(h.enabled()).isFalse();
        assertThat(h.visible()).isEqualTo(BackendState.DOWN);
    }

    @Test
    void admin_drainAndMaintenanceHideTheHealth_enableShowsIt_withWhyItIsNotUp() {
        BackendHealth h = new BackendHealth();
        assertTransition(
                h.setAdmin(BackendState.DRAINING, "2 in flight"),
                BackendState.UP,
                BackendState.DRAINING,
                BackendEvent.Type.DRAINING,
                "2 in flight");
        assertThat(h.setAdmin(BackendState.DRAINING, "again")).isSameAs(Change.NONE);
        assertThat(h.admits(false)).isFalse();

        // health moves on below the admin state: no visible change, no event
        fail(h, "refused");
        fail(h, "refused");
        Change hidden = fail(h, "refused");
        assertThat(hidden.event()).isNull();
        assertThat(h.visible()).isEqualTo(BackendState.DRAINING);

        assertTransition(
                h.setAdmin(BackendState.MAINTENANCE, "0 in flight"),
                BackendState.DRAINING,
                BackendState.MAINTENANCE,
                BackendEvent.Type.MAINTENANCE,
                "0 in flight");
        assertTransition(
                h.setAdmin(null, "enabled"),
                BackendState.MAINTENANCE,
                BackendState.DOWN,
                BackendEvent.Type.DOWN,
                "enabled; refused");
        assertThatThrownBy(() -> h.setAdmin(BackendState.UP, "x"))
                .hasMessage("admin: UP (expected: DRAINING, MAINTENANCE or null)");
    }

    @Test
    void probesStopped_bringsUpABackendDownOnlyByItsProbes_breakerReplaced_endsABreakerEjectionOnly() {
        BackendHealth h = BackendHealth.startingDown();
        assertTransition(
                h.probesStopped(), BackendState.DOWN, BackendState.UP, BackendEvent.Type.UP, "no health check");

        BackendHealth byBreaker = new BackendHealth();
        byBreaker.breakerOpened("m");
        assertThat(byBreaker.breakerReplaced().event()).isEqualTo(BackendEvent.Type.RESTORED);
        BackendHealth timed = new BackendHealth();
        timed.eject(0, SECOND, "outlier");
        assertThat(timed.breakerReplaced()).isSameAs(Change.NONE);
    }
}
