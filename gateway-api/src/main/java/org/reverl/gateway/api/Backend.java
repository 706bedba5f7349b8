package org.reverl.gateway.api;

import java.util.Map;

/**
 * One backend as a gateway sees it: its {@linkplain #spec() immutable description} plus a read-only live view of its
 * state and load.
 *
 * <h2>Threading</h2>
 * Instances are created by the gateway, never by strategies or probes. Every method is thread-safe, does not block,
 * takes no lock and does not allocate, so a {@link SelectionStrategy} may call them from its {@code select} method on
 * any thread. The live values ({@link #state()}, {@link #inFlight()}, {@link #effectiveWeight()}) are read without
 * synchronisation and may be stale by the time the caller acts on them.
 *
 * <p>Identity: two {@code Backend} objects are the same backend if and only if they are the same object; a backend
 * removed and added again with the same id is a new object.
 */
public interface Backend {

    /** The immutable description this backend was added with. */
    BackendSpec spec();

    /** Shorthand for {@code spec().id()}. */
    default String id() {
        return spec().id();
    }

    /** Shorthand for {@code spec().address()}. */
    default String address() {
        return spec().address();
    }

    /** Shorthand for {@code spec().weight()}: the configured weight. */
    default int weight() {
        return spec().weight();
    }

    /** Shorthand for {@code spec().tags()}. */
    default Map<String, String> tags() {
        return spec().tags();
    }

    /**
     * The weight strategies should use now: the configured weight, lowered while the backend ramps up after it came
     * back (slow start). Between 1 and {@link #weight()}.
     */
    default int effectiveWeight() {
        return weight();
    }

    /** The current state. */
    BackendState state();

    /** Requests acquired on this backend whose outcome has not been reported yet; never negative. */
    int inFlight();
}
