package org.reverl.gateway.api;

import java.util.List;

/**
 * Chooses which {@link Backend} serves a request.
 *
 * <h2>Threading</h2>
 * <ul>
 *   <li>{@link #update} is called one call at a time from the gateway's control thread, never on a request thread,
 *       whenever the set of eligible backends (or one of their effective weights) changes.
 *   <li>{@link #select} is called concurrently from any number of request threads (Netty event loops, callers of
 *       {@link Gateway#call}). It must not block, take a lock or allocate on the common path.
 * </ul>
 *
 * <p>The canonical implementation, as in gRPC's picker: {@code update} builds an immutable snapshot and publishes it
 * with one volatile write; {@code select} does one volatile read of that snapshot and works only on it.
 *
 * <h2>Failover</h2>
 * A strategy knows nothing about failover. When its pick was already tried for the same request, or refuses the
 * request, the gateway calls {@code select} again (a bounded number of times) and finally falls back to the first
 * eligible backend not yet tried; so a strategy should not return the same backend forever when called repeatedly.
 */
public interface SelectionStrategy {

    /**
     * Replaces the candidate set.
     *
     * @param eligible the backends that take new requests, immutable, in the order they were added; possibly empty
     */
    void update(List<Backend> eligible);

    /**
     * Returns the backend for {@code request}, one of those last passed to {@link #update}, or {@code null} when there
     * is none. Never throws because the candidate set is empty.
     *
     * @param request what the strategy may know about the request
     * @return a backend from the current candidate set, or {@code null}
     */
    Backend select(RequestContext request);
}
