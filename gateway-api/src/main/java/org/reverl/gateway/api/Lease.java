package org.reverl.gateway.api;

/**
 * Permission to send one request to one backend, returned by {@link LoadBalancer#acquire}. While a lease is open the
 * request counts in the backend's {@link Backend#inFlight()} and holds one permission of its circuit breaker.
 *
 * <h2>Contract</h2>
 * The holder reports <em>exactly one</em> outcome, once the request is over:
 * <ul>
 *   <li>{@link #onSuccess(long)}: the backend answered;
 *   <li>{@link #onResponse(int, long)}: the backend answered with an HTTP status (HTTP transports report this instead
 *       of {@code onSuccess}, so that a load balancer can count server errors, as outlier detection does);
 *   <li>{@link #onFailure(long, Throwable)}: the backend failed (refused, reset, timed out, answered with an error that
 *       should count against its health);
 *   <li>{@link #release()}: the request ended without telling anything about the backend (the client went away
 *       before the request was sent, say).
 * </ul>
 * Reporting twice, or never, corrupts the in-flight count and the breaker's permissions; the engine does not detect
 * it, as detecting it would cost an allocation per request.
 *
 * <h2>Threading</h2>
 * The outcome may be reported from any thread. The methods do not block; none allocates on success, except that a
 * {@linkplain #lastResort() last-resort} success may queue one task for the load balancer's control thread.
 */
public interface Lease {

    /** The backend the request goes to. */
    Backend backend();

    /**
     * The backend served the request.
     *
     * @param durationNanos how long it took, from sending to the end of the response
     */
    void onSuccess(long durationNanos);

    /**
     * The backend answered with a complete response of HTTP status {@code status}. Transport-wise this is a success
     * (the breaker records it as one); a load balancer with outlier detection also counts consecutive server errors
     * (5xx) here and may eject the backend for a while. The default reports {@link #onSuccess(long)}.
     *
     * @param status the response's status code, 100-599
     * @param durationNanos how long it took, from sending to the end of the response
     */
    default void onResponse(int status, long durationNanos) {
        onSuccess(durationNanos);
    }

    /**
     * The backend failed the request. A {@link BackendUnavailableException} with {@link
     * BackendUnavailableException#isBackendDown()} takes the backend out of rotation at once; any other cause is
     * recorded by its circuit breaker.
     *
     * @param durationNanos how long it took until the failure
     * @param cause what went wrong
     */
    void onFailure(long durationNanos, Throwable cause);

    /** The request ended without a verdict on the backend: the permission is returned and nothing is recorded. */
    void release();

    /**
     * Whether this is a last-resort lease: no backend was eligible (every one down or ejected), so the load balancer
     * handed out one that is out of rotation, once per request, bypassing its circuit breaker, in case it is back
     * before its health checks could tell. The caller should give it a short connect timeout, so that trying backends
     * that are still gone keeps the answer fast. Its outcome counts nothing against the backend (it is out already);
     * a success prompts the load balancer to check the backend at once, so that it returns to rotation.
     *
     * @return {@code false} for leases on backends in rotation
     */
    default boolean lastResort() {
        return false;
    }
}
