package org.reverl.gateway.core.internal;

import static java.util.Objects.requireNonNull;

import org.reverl.gateway.api.BackendEvent;
import org.reverl.gateway.api.BackendState;

/**
 * One backend's health state machine: its health ({@code UP}, {@code DOWN}, {@code EJECTED}), its admin state, the
 * probe counts against {@code rise} and {@code fall}, and the reasons. Each input is one event (a probe result, the
 * breaker opening or closing, an ejection for a duration ending, an admin command, the backend terminating) and each
 * answer is a {@link Change} that says what the owner must do: nothing, reorder the last-resort list, recompute who
 * admits requests, or publish a transition (and emit its event, start or stop slow start, schedule the end of an
 * ejection).
 *
 * <p>Pure: no clock (times are arguments), no I/O, no timers; the breaker itself stays with its owner, which reports
 * its transitions here. Not thread-safe: only the control thread drives it.
 */
final class BackendHealth {

    /** Why an ejected backend is out. */
    enum Ejection {
        /** Not ejected. */
        NONE,
        /** Its circuit breaker is open: it is back in once its half-open trial calls succeed. */
        BREAKER,
        /** Ejected explicitly for a duration: it is back in when the duration ends. */
        TIMED,
        /**
         * Ejected by passive outlier detection, which keeps the time: out until the detector lets trial traffic in
         * (while still ejected) and restores it, or ejects it again, on the trial's first outcome.
         */
        OUTLIER
    }

    /** UP, DOWN or EJECTED: what health checking, passive detection and lifecycle say. */
    private BackendState health = BackendState.UP;
    /** null (enabled), DRAINING or MAINTENANCE. */
    private BackendState admin;

    private Ejection ejection = Ejection.NONE;
    /** When a timed ejection ends, on the owner's nano ticker. */
    private long ejectedUntilNanos;
    /** The backend terminated for good (a stopped local backend): nothing brings it back. */
    private boolean terminated;

    private boolean awaitingFirstProbe;
    private int probeSuccesses;
    private int probeFailures;
    /** The last reason the backend was found down. */
    private String downReason = "";
    /** Why the breaker is about to open, when the owner opens it itself. */
    private String pendingBreakerReason;
    /** The breaker ejection under way was the owner's, for a failure that proved the backend gone (refused). */
    private boolean ejectedAsGone;

    /** Up from the start. */
    BackendHealth() {}

    /** Down until its first probe passes ({@code initiallyUp: false}). */
    static BackendHealth startingDown() {
        BackendHealth h = new BackendHealth();
        h.health = BackendState.DOWN;
        h.awaitingFirstProbe = true;
        h.downReason = "awaiting first probe";
        return h;
    }

    // ---------------------------------------------------------------- reading

    BackendState health() {
        return health;
    }

    /** null when enabled, else DRAINING or MAINTENANCE. */
    BackendState admin() {
        return admin;
    }

    /** The state users see: the admin state if not enabled, else the health. */
    BackendState visible() {
        return admin != null ? admin : health;
    }

    Ejection ejection() {
        return ejection;
    }

    boolean terminated() {
        return terminated;
    }

    boolean awaitingFirstProbe() {
        return awaitingFirstProbe;
    }

    int probeSuccesses() {
        return probeSuccesses;
    }

    int probeFailures() {
        return probeFailures;
    }

    String downReason() {
        return downReason;
    }

    /** Enabled and not terminated: it counts for panic mode and may be a last resort. */
    boolean enabled() {
        return admin == null && !terminated;
    }

    /**
     * Whether it takes new requests in normal operation: enabled and up, or ejected by its breaker while the breaker is
     * half-open (its trial calls). A timed ejection takes no trial calls.
     */
    boolean admits(boolean breakerHalfOpen) {
        return admits(breakerHalfOpen, false);
    }

    /**
     * As {@link #admits(boolean)}, and also when ejected by outlier detection while the detector runs its trial.
     *
     * @param outlierTrial whether the outlier detector admits trial traffic to this backend now
     */
    boolean admits(boolean breakerHalfOpen, boolean outlierTrial) {
        if (admin != null) {
            return false;
        }
        return health == BackendState.UP
                || (health == BackendState.EJECTED && ejection == Ejection.BREAKER && breakerHalfOpen)
                || (health == BackendState.EJECTED && ejection == Ejection.OUTLIER && outlierTrial);
    }

    // ---------------------------------------------------------------- events

    /**
     * One probe's outcome, counted against {@code rise} and {@code fall}. A down backend awaiting its first probe comes
     * up on its first success.
     */
    Change probed(boolean alive, String reason, int rise, int fall) {
        if (terminated) {
            return Change.NONE;
        }
        if (alive) {
            probeFailures = 0;
            probeSuccesses++;
            if (health == BackendState.DOWN && (awaitingFirstProbe || probeSuccesses >= rise)) {
                awaitingFirstProbe = false;
                return moveTo(
                        BackendState.UP, probeSuccesses == 1 ? "probe passed" : probeSuccesses + " probes passed");
            }
            return health == BackendState.DOWN && probeSuccesses == 1 ? Change.LAST_RESORT_ORDER : Change.NONE;
        }
        probeSuccesses = 0;
        probeFailures++;
        downReason = requireNonNull(reason, "reason");
        if (health != BackendState.DOWN && probeFailures >= fall) {
            return moveTo(BackendState.DOWN, reason);
        }
        return Change.NONE;
    }

    /**
     * Remembers why the owner is about to open the breaker itself (a failure that proves the backend gone), for {@link
     * #breakerOpened}.
     */
    void expectBreakerOpen(String reason) {
        pendingBreakerReason = reason;
    }

    /**
     * The breaker opened (or was forced open). An up backend is ejected with the reason given to {@link
     * #expectBreakerOpen}, else {@code measured}; an ejected one whose trial calls failed is out again.
     */
    Change breakerOpened(String measured) {
        boolean gone = pendingBreakerReason != null;
        String reason = gone ? pendingBreakerReason : measured;
        pendingBreakerReason = null;
        if (terminated) {
            return Change.NONE;
        }
        if (health == BackendState.UP) {
            ejection = Ejection.BREAKER;
            Change change = moveTo(BackendState.EJECTED, reason);
            ejectedAsGone = gone;
            return change;
        }
        if (health == BackendState.EJECTED) {
            ejectedAsGone = gone; // trial calls failed: out again, for what failed them
            return Change.ELIGIBILITY;
        }
        return Change.NONE;
    }

    /**
     * Whether the backend is out because its breaker was opened on a failure that proved it gone (a refused
     * connection): a probe that reaches it again contradicts exactly that.
     */
    boolean ejectedAsGone() {
        return ejectedAsGone && health == BackendState.EJECTED && ejection == Ejection.BREAKER;
    }

    /** The breaker went half-open: a backend ejected by it takes trial calls. */
    Change breakerHalfOpen() {
        return health == BackendState.EJECTED ? Change.ELIGIBILITY : Change.NONE;
    }

    /** The breaker closed: its trial calls succeeded, so a backend ejected by the breaker is restored. */
    Change breakerClosed() {
        if (health == BackendState.EJECTED && ejection == Ejection.BREAKER) {
            return moveTo(BackendState.UP, "trial calls succeeded");
        }
        return Change.NONE;
    }

    /**
     * The breaker was replaced by a fresh, closed one (its settings changed): a backend it ejected comes back. A timed
     * ejection runs its course.
     */
    Change breakerReplaced() {
        if (health == BackendState.EJECTED && ejection == Ejection.BREAKER) {
            return moveTo(BackendState.UP, "circuit breaker settings changed");
        }
        return Change.NONE;
    }

    /**
     * Ejects the backend for {@code durationNanos} (outlier detection): out of rotation, without trial calls, until
     * {@link #ejectionEnded} at {@code nowNanos + durationNanos} or {@link #restore}. An up backend is ejected (the
     * change asks for the end to be scheduled); an ejected one stays out until the later of both ends; a down one stays
     * down, its probes decide.
     */
    Change eject(long nowNanos, long durationNanos, String reason) {
        requireNonNull(reason, "reason");
        if (durationNanos <= 0) {
            throw new IllegalArgumentException("duration: " + durationNanos + "ns (expected: > 0)");
        }
        if (terminated || health == BackendState.DOWN) {
            return Change.NONE;
        }
        long until = nowNanos + durationNanos;
        if (health == BackendState.EJECTED) {
            if (ejection == Ejection.TIMED && until - ejectedUntilNanos <= 0) {
                return Change.NONE;
            }
            ejection = Ejection.TIMED;
            ejectedUntilNanos = until;
            // still out, so no event; a breaker ejection's trial calls stop until the ejection ends
            return Change.extended(durationNanos);
        }
        ejection = Ejection.TIMED;
        ejectedUntilNanos = until;
        return moveTo(BackendState.EJECTED, reason).endingAfter(durationNanos);
    }

    /**
     * A timed ejection's end came ({@code nowNanos} on the same ticker as {@link #eject}). Restored, unless the breaker
     * opened meanwhile (then the breaker's trial calls decide, as for a breaker ejection) or the ejection was extended
     * (then nothing: a later end is scheduled).
     *
     * @param breakerClosed whether the backend's breaker is closed now
     */
    Change ejectionEnded(long nowNanos, boolean breakerClosed) {
        if (health != BackendState.EJECTED || ejection != Ejection.TIMED || nowNanos - ejectedUntilNanos < 0) {
            return Change.NONE;
        }
        if (!breakerClosed) {
            ejection = Ejection.BREAKER;
            return Change.ELIGIBILITY;
        }
        return moveTo(BackendState.UP, "ejection ended");
    }

    /**
     * Ejected by outlier detection (see {@link Ejection#OUTLIER}): only an up backend; a down, ejected or terminated one
     * is left as it is.
     *
     * @return the change; {@link Change#NONE} when the backend was not up
     */
    Change ejectOutlier(String reason) {
        requireNonNull(reason, "reason");
        if (terminated || health != BackendState.UP) {
            return Change.NONE;
        }
        ejection = Ejection.OUTLIER;
        return moveTo(BackendState.EJECTED, reason);
    }

    /**
     * Outlier detection's trial passed: restored, unless the breaker opened meanwhile (then its own trial calls decide,
     * as for a breaker ejection). Nothing when the backend is no longer ejected by outlier detection (a probe took it
     * down meanwhile, say).
     *
     * @param breakerClosed whether the backend's breaker is closed now
     */
    Change outlierRestored(String reason, boolean breakerClosed) {
        requireNonNull(reason, "reason");
        if (health != BackendState.EJECTED || ejection != Ejection.OUTLIER || terminated) {
            return Change.NONE;
        }
        if (!breakerClosed) {
            ejection = Ejection.BREAKER;
            return Change.ELIGIBILITY;
        }
        return moveTo(BackendState.UP, reason);
    }

    /** Ends an ejection at once, whatever its cause; the owner resets the breaker. */
    Change restore(String reason) {
        requireNonNull(reason, "reason");
        if (health != BackendState.EJECTED || terminated) {
            return Change.NONE;
        }
        return moveTo(BackendState.UP, reason);
    }

    /** The backend terminated for good (a local backend stopped): down, and nothing brings it back. */
    Change terminate(String reason) {
        if (terminated) {
            return Change.NONE;
        }
        terminated = true;
        return moveTo(BackendState.DOWN, reason);
    }

    /** Health checking was switched off: a backend down only by its probes comes up. */
    Change probesStopped() {
        probeSuccesses = 0;
        probeFailures = 0;
        if (health == BackendState.DOWN && !terminated) {
            awaitingFirstProbe = false;
            return moveTo(BackendState.UP, "no health check");
        }
        return Change.NONE;
    }

    /** Health checking restarts with new settings: the counts start again. */
    void probesRestarted() {
        probeSuccesses = 0;
        probeFailures = 0;
    }

    /**
     * An admin command: {@code DRAINING} or {@code MAINTENANCE} takes the backend out; {@code null} (enable) brings it
     * back to what its health says. The change's event carries {@code reason}; enabling a backend that is not up adds
     * why it is not.
     */
    Change setAdmin(BackendState next, String reason) {
        if (next != null && next != BackendState.DRAINING && next != BackendState.MAINTENANCE) {
            throw new IllegalArgumentException("admin: " + next + " (expected: DRAINING, MAINTENANCE or null)");
        }
        if (admin == next) {
            return Change.NONE;
        }
        BackendState before = visible();
        admin = next;
        BackendState after = visible();
        BackendEvent.Type type = next != null ? typeOf(next) : typeOf(after);
        String why = next == null && after != BackendState.UP ? reason + "; " + downReason : reason;
        return new Change(Change.Kind.TRANSITION, health, health, before, after, type, why, -1);
    }

    /** Control thread: the same admin state as {@code other} unless it is draining (a replacement does not drain). */
    void inheritAdmin(BackendHealth other) {
        admin = other.admin == BackendState.DRAINING ? null : other.admin;
    }

    private Change moveTo(BackendState next, String reason) {
        BackendState oldHealth = health;
        BackendState before = visible();
        health = next;
        ejectedAsGone = false;
        if (next == BackendState.UP) {
            probeFailures = 0;
            ejection = Ejection.NONE;
        } else {
            downReason = reason;
            if (next == BackendState.DOWN) {
                ejection = Ejection.NONE;
            }
        }
        BackendState after = visible();
        BackendEvent.Type type = null;
        if (after != before) {
            type = oldHealth == BackendState.EJECTED && next == BackendState.UP
                    ? BackendEvent.Type.RESTORED
                    : typeOf(after);
        }
        return new Change(Change.Kind.TRANSITION, oldHealth, next, before, after, type, reason, -1);
    }

    static BackendEvent.Type typeOf(BackendState state) {
        switch (state) {
            case UP:
                return BackendEvent.Type.UP;
            case DOWN:
                return BackendEvent.Type.DOWN;
            case EJECTED:
                return BackendEvent.Type.EJECTED;
            case DRAINING:
                return BackendEvent.Type.DRAINING;
            case MAINTENANCE:
                return BackendEvent.Type.MAINTENANCE;
            default:
                return BackendEvent.Type.REMOVED;
        }
    }

    @Override
    public String toString() {
        return "BackendHealth{" + visible() + (ejection != Ejection.NONE ? " by " + ejection : "")
                + ", successes=" + probeSuccesses + ", failures=" + probeFailures
                + (downReason.isEmpty() ? "" : ", reason=" + downReason) + '}';
    }

    /**
     * What one event asks of the owner. Immutable; the common answers are shared instances.
     *
     * @param kind how much changed
     * @param healthBefore the health before the event
     * @param healthAfter the health after it
     * @param before the visible state before
     * @param after the visible state after
     * @param event the event to emit, or null when the visible state did not change
     * @param reason why
     * @param ejectionEndsAfterNanos when to call {@link #ejectionEnded}, or -1 for no (new) timer
     */
    record Change(
            Kind kind,
            BackendState healthBefore,
            BackendState healthAfter,
            BackendState before,
            BackendState after,
            BackendEvent.Type event,
            String reason,
            long ejectionEndsAfterNanos) {

        /** How much an event changed. */
        enum Kind {
            /** Nothing to do. */
            NONE,
            /** A down backend passed a first probe on its way back: offer it first as a last resort. */
            LAST_RESORT_ORDER,
            /** Who admits requests may have changed (breaker trials), the visible state did not. */
            ELIGIBILITY,
            /** The health or admin state changed: publish, emit {@link #event} if any, act on the rest. */
            TRANSITION
        }

        static final Change NONE = new Change(Kind.NONE, null, null, null, null, null, "", -1);
        static final Change LAST_RESORT_ORDER =
                new Change(Kind.LAST_RESORT_ORDER, null, null, null, null, null, "", -1);
        static final Change ELIGIBILITY = new Change(Kind.ELIGIBILITY, null, null, null, null, null, "", -1);

        /** Still ejected, until a later end. */
        static Change extended(long endsAfterNanos) {
            return new Change(Kind.ELIGIBILITY, null, null, null, null, null, "", endsAfterNanos);
        }

        Change endingAfter(long nanos) {
            return new Change(kind, healthBefore, healthAfter, before, after, event, reason, nanos);
        }

        /** The health became UP (from DOWN or EJECTED). */
        boolean cameUp() {
            return kind == Kind.TRANSITION && healthAfter == BackendState.UP && healthBefore != BackendState.UP;
        }

        /** The health left UP. */
        boolean wentOut() {
            return kind == Kind.TRANSITION && healthBefore == BackendState.UP && healthAfter != BackendState.UP;
        }

        /** The health left EJECTED: its timers (half-open, ejection end) are moot. */
        boolean leftEjected() {
            return kind == Kind.TRANSITION
                    && healthBefore == BackendState.EJECTED
                    && healthAfter != BackendState.EJECTED;
        }

        @Override
        public String toString() {
            return kind == Kind.TRANSITION
                    ? healthBefore + " -> " + healthAfter + " (" + before + " -> " + after + ", " + event + ": "
                            + reason + ')'
                    : kind.toString();
        }
    }
}
