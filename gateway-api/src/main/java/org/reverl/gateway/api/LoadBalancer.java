package org.reverl.gateway.api;

import java.util.List;
import java.util.Optional;

/**
 * The engine behind every Reverl gateway, for transports that send requests themselves (the HTTP proxy does): a
 * changing set of backends, their health, a {@link SelectionStrategy}, and the acquire/outcome bracket of the hot path.
 *
 * <h2>Hot path</h2>
 * <pre>{@code
 * Lease lease = lb.acquire(ctx, attempts);          // pick, breaker permission, in-flight count
 * if (lease == null) -> 503, or fail with lb.noBackend(attempts)
 * ... send the request to lease.backend() ...
 * lease.onSuccess(nanos) | lease.onFailure(nanos, cause) | lease.release()   // exactly one
 * }</pre>
 * {@code acquire} takes no lock and allocates nothing unless a breaker refuses a pick.
 *
 * <h2>Threading</h2>
 * Thread-safe. {@link #acquire} is called concurrently from request threads. Membership changes ({@link #add}, {@link
 * #remove}) may be called from any thread, also while requests are in flight; they are applied one at a time on the
 * control thread, and return once applied: a backend {@code add} returned is in {@link #backends()}, a backend {@code
 * remove} returned gets no new request. Listeners run on the control thread.
 */
public interface LoadBalancer extends AutoCloseable {

    /** This load balancer's name, used in logs and thread names. */
    String name();

    /**
     * Adds a backend.
     *
     * @return the live view of the new backend
     * @throws IllegalArgumentException if a backend with the same id is a member
     * @throws GatewayClosedException if closed
     */
    Backend add(BackendSpec spec);

    /**
     * Removes a backend: it gets no new request; requests in flight on it complete normally.
     *
     * @return {@code false} if no backend has this id
     * @throws GatewayClosedException if closed
     */
    boolean remove(String id);

    /**
     * Drains a backend: it gets no new request ({@link BackendState#DRAINING}); requests in flight finish. The stage
     * completes once none is in flight, after which the backend can be removed without cutting any request.
     *
     * @throws java.util.NoSuchElementException if no backend has this id
     */
    java.util.concurrent.CompletionStage<Void> drain(String id);

    /**
     * Puts a backend in maintenance: out of rotation until {@link #enable}d; requests in flight finish.
     *
     * @throws java.util.NoSuchElementException if no backend has this id
     */
    void maintenance(String id);

    /**
     * Ends a drain or maintenance: the backend's state is its health again (up, down or ejected).
     *
     * @throws java.util.NoSuchElementException if no backend has this id
     */
    void enable(String id);

    /** The members, in the order they were added. An immutable snapshot. */
    List<Backend> backends();

    /** The member with this id, if any. */
    Optional<Backend> backend(String id);

    /**
     * Picks a backend for a request and opens a lease on it: asks the strategy, skips backends in {@code attempts} and
     * backends that stopped taking requests, takes one permission of the backend's circuit breaker and counts the
     * request in flight. A backend whose breaker refuses is recorded in {@code attempts} and another is picked. When
     * no backend is eligible at all (every one is down or ejected; drained, maintenance and removed ones do not count),
     * each down or ejected backend not in {@code attempts} is handed out as a {@linkplain Lease#lastResort() last
     * resort}, so that the first request after one returns can succeed.
     *
     * @param request what the strategy may know about the request
     * @param attempts backends already tried for this request; a breaker refusal is added to it
     * @return the lease, or {@code null} if no backend can take the request; then {@link #noBackend(Attempts)} says
     *     why
     */
    Lease acquire(RequestContext request, Attempts attempts);

    /** The error for a request for which {@link #acquire} returned {@code null}, listing what was tried. */
    NoBackendAvailableException noBackend(Attempts attempts);

    /**
     * Asks the retry budget for one retry. A retry budget lets retries be at most a share of the requests in flight
     * (with a floor for quiet times), so a failing fleet is not hit by a retry storm. Every {@code true} must be
     * matched by one {@link #releaseRetry()} when the retry is over.
     */
    boolean tryAcquireRetry();

    /** Returns a retry taken with {@link #tryAcquireRetry()}. */
    void releaseRetry();

    /** Subscribes to backend events. */
    void addListener(BackendEventListener listener);

    /** Unsubscribes; {@code false} if it was not subscribed. */
    boolean removeListener(BackendEventListener listener);

    /** Stops health checking and the control thread. Idempotent. Later changes throw {@link GatewayClosedException}. */
    @Override
    void close();
}
