package org.reverl.gateway.api;

/**
 * Where a backend stands, as decided by its health state machine. Only {@link #UP} backends are offered to the
 * {@link SelectionStrategy}, except that an {@link #EJECTED} backend is offered again for trial calls: those of its
 * circuit breaker's half-open state, or outlier detection's trial once its ejection time is over.
 */
public enum BackendState {
    /** Serving: eligible for new requests. */
    UP(true),
    /** Not serving: its process stopped, its probes fail, or it has not passed its first probe yet. */
    DOWN(false),
    /**
     * Taken out by passive detection: its circuit breaker opened on real request failures, or outlier detection found it
     * answering server errors (or far slower than its pool), or the engine was told to eject it for a while.
     */
    EJECTED(false),
    /** Administratively draining: no new requests; requests in flight finish. */
    DRAINING(false),
    /** Administratively out of service until enabled again. */
    MAINTENANCE(false),
    /** No longer a member of the gateway. Terminal. */
    REMOVED(false);

    private final boolean eligible;

    BackendState(boolean eligible) {
        this.eligible = eligible;
    }

    /** Whether a backend in this state takes new requests. */
    public boolean isEligible() {
        return eligible;
    }
}
