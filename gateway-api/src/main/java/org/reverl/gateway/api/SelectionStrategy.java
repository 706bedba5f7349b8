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

    /**
     * A request served by one of this strategy's backends has ended, with the outcome its {@link Lease} reported. Called
     * on the thread that reported it (a request thread), after the load balancer recorded the outcome; like {@link
     * #select}, it must not block, take a lock or allocate. Latency-aware strategies feed their estimates from it; the
     * default ignores it.
     *
     * <p>Not called for {@linkplain Lease#release() released} leases (no verdict) nor for
     * {@linkplain Lease#lastResort() last-resort} ones (the backend was not in the candidate set).
     *
     * @param backend the backend that served (or failed) the request; it may no longer be in the candidate set
     * @param latencyNanos from sending the request to the end of the response or the failure; may be 0 or, with a
     *     clock that jumped, negative
     * @param failed whether the backend failed the request (refused, reset, timed out) or answered with a server
     *     error (5xx)
     */
    default void onCompleted(Backend backend, long latencyNanos, boolean failed) {}
}
