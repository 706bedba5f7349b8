package org.reverl.gateway.api;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * A gateway in front of a changing set of backends: each {@link #call} goes to a backend picked by the {@link
 * SelectionStrategy}; a backend that is dead, refuses the request or has an open circuit breaker is skipped and the
 * request goes to another backend not yet tried for it; the caller sees an error only when no backend can serve it.
 *
 * <pre>{@code
 * Gateway<Integer, Integer> gw = Gateways.<Integer, Integer>builder()
 *         .backend(LocalBackend.start("b1", x -> 2 * x))
 *         .backend(LocalBackend.start("b2", x -> 3 * x))
 *         .build();
 * gw.callBlocking(21); // 42
 * gw.callBlocking(21); // 63
 * }</pre>
 *
 * <h2>Threading</h2>
 * Thread-safe: {@link #call} may be called concurrently from any thread; membership changes may be made from any thread
 * while calls are in flight, with the guarantees of {@link LoadBalancer}.
 *
 * @param <Q> the request type
 * @param <R> the response type
 */
public interface Gateway<Q, R> extends AutoCloseable {

    /** This gateway's name, used in logs and thread names. */
    String name();

    /**
     * Sends {@code request} to a backend and returns its reply. Completes exceptionally with:
     * <ul>
     *   <li>{@link NoBackendAvailableException} when no backend could take the request, listing what was tried;
     *   <li>{@link BackendTimeoutException} when the backend that took it did not answer within the call timeout;
     *   <li>the backend's own error when it took the request and failed it;
     *   <li>{@link GatewayClosedException} when the gateway is closed.
     * </ul>
     * Never blocks.
     */
    CompletionStage<R> call(Q request);

    /**
     * {@link #call} and wait: returns the reply, or throws what the call completed with (a backend's unchecked error as
     * it is, anything else wrapped in a {@link GatewayException}). Bounded by the call timeout.
     */
    R callBlocking(Q request);

    /**
     * Adds a backend.
     *
     * @return its live view
     * @throws IllegalArgumentException if a backend with the same id is a member
     */
    Backend add(Endpoint<Q, R> endpoint);

    /**
     * Removes a backend: it gets no new call; calls in flight on it complete.
     *
     * @return {@code false} if no backend has this id
     */
    boolean remove(String id);

    /** The members, in the order they were added. An immutable snapshot. */
    List<Backend> backends();

    /** The member with this id, if any. */
    Optional<Backend> backend(String id);

    /** The engine underneath, for listeners and health operations. */
    LoadBalancer loadBalancer();

    /** Subscribes to backend events; shorthand for {@code loadBalancer().addListener(listener)}. */
    default void addListener(BackendEventListener listener) {
        loadBalancer().addListener(listener);
    }

    /** Closes the gateway: calls in flight complete; new calls fail with {@link GatewayClosedException}. Idempotent. */
    @Override
    void close();
}
