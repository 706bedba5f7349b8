package org.reverl.gateway.api;

import static java.util.Objects.requireNonNull;

import java.time.Instant;

/**
 * One change of one backend: its membership or its state. Every state transition produces exactly one event, and the
 * gateway logs exactly one line for it, {@link #describe()}.
 *
 * <p>Immutable.
 *
 * @param type what happened
 * @param backendId the backend's id
 * @param state the backend's state after the change
 * @param reason why, e.g. {@code stopped} or {@code connection refused}; empty when there is nothing to add
 * @param time when the gateway recorded the change
 */
public record BackendEvent(Type type, String backendId, BackendState state, String reason, Instant time) {

    /** What happened to the backend. */
    public enum Type {
        /** It became a member. */
        ADDED("added"),
        /** It takes requests (again), e.g. its probes pass. */
        UP("is up"),
        /** It stopped taking requests because it is not alive. */
        DOWN("is down"),
        /**
         * Passive detection took it out of rotation: its circuit breaker opened on request failures, or outlier
         * detection found it answering server errors or far slower than its pool; trial calls decide when it returns.
         */
        EJECTED("is ejected"),
        /**
         * Its trial calls succeeded (its breaker closed again, or outlier detection's trial passed), or its ejection
         * ended.
         */
        RESTORED("is restored"),
        /** An operator drains it: no new requests, in-flight ones finish. */
        DRAINING("is draining"),
        /** An operator put it in maintenance. */
        MAINTENANCE("is in maintenance"),
        /** Its weight or tags changed in place; its health, breaker and counters are kept. */
        UPDATED("is updated"),
        /** It is no longer a member. */
        REMOVED("is removed");

        private final String verb;

        Type(String verb) {
            this.verb = verb;
        }
    }

    /** Validates. */
    public BackendEvent {
        requireNonNull(type, "type");
        requireNonNull(backendId, "backendId");
        requireNonNull(state, "state");
        requireNonNull(reason, "reason");
        requireNonNull(time, "time");
    }

    /** The log line for this event, e.g. {@code backend b1 is down: stopped}. */
    public String describe() {
        String head = "backend " + backendId + ' ' + type.verb;
        return reason.isEmpty() ? head : head + ": " + reason;
    }

    @Override
    public String toString() {
        return describe();
    }
}
