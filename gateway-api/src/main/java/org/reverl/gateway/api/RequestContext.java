package org.reverl.gateway.api;

/**
 * What a {@link SelectionStrategy} may know about the request it picks a backend for.
 *
 * <p>An interface, so that a transport can pass an object it already has for the request instead of allocating one.
 * Implementations are owned by one request at a time and need not be thread-safe; strategies must not keep a
 * reference after {@code select} returns.
 */
public interface RequestContext {

    /** A context for callers that know nothing about the request. */
    RequestContext NONE = new RequestContext() {
        @Override
        public String toString() {
            return "RequestContext.NONE";
        }
    };

    /**
     * A hash of whatever should keep related requests on one backend (a session, a client address), for affinity
     * strategies; {@code 0} when the request has none. Strategies that do not do affinity ignore it.
     */
    default long affinityHash() {
        return 0L;
    }

    /**
     * The attempt this pick is for: {@code 1} for the first, {@code 2} for the first failover, and so on. A strategy
     * may use it to avoid repeating a poor choice.
     */
    default int attempt() {
        return 1;
    }
}
