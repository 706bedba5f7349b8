package org.reverl.gateway.http;

import org.reverl.gateway.api.Backend;

/**
 * Sees what happens to each request on the data path, for metrics: responses from backends, backend failures, retries,
 * and the responses the proxy answers by itself. Every method does nothing by default; {@link #NOOP} is the observer
 * of a proxy configured without one.
 *
 * <h2>Threading</h2>
 * Called on the event loop that serves the request, concurrently from all event loops. An implementation must be
 * thread-safe, must not block, and should not allocate on the common path (look meters up by the {@link Backend}
 * object, whose identity is stable while it is a member). An exception it throws is not caught: it would break the
 * exchange, so it must not throw.
 *
 * @since 0.1
 */
public interface ProxyObserver {

    /** The observer that observes nothing. */
    ProxyObserver NOOP = new ProxyObserver() {};

    /** How a request failed on a backend without a complete response from it. */
    enum Failure {
        /** Could not connect: refused, unreachable, unusable address, or the connect timeout passed. */
        CONNECT,
        /** Connected, but the backend stayed silent past the response timeout. */
        TIMEOUT,
        /** The backend closed or broke the connection, or sent an invalid response, while the exchange used it. */
        RESET
    }

    /**
     * A backend's response reached the client whole.
     *
     * @param backend the backend that answered
     * @param status the response's status code, e.g. 200 or 503 (a 5xx from the backend is its own answer)
     * @param nanos from taking the backend for this attempt to the end of its response
     */
    default void onResponse(Backend backend, int status, long nanos) {}

    /**
     * An attempt on a backend failed; the request is then retried on another backend or answered by the proxy.
     *
     * @param backend the backend that failed
     * @param failure how it failed
     */
    default void onBackendFailure(Backend backend, Failure failure) {}

    /**
     * A request is retried on another backend after {@code failed} failed it (and the retry budget allowed it).
     *
     * @param failed the backend of the failed attempt
     */
    default void onRetry(Backend failed) {}

    /**
     * The proxy answered the client itself, with no response of a backend: 400, 408, 414 or 431 for a request it
     * refused; 502, 503 or 504 when no backend served it.
     *
     * @param status the status code sent
     */
    default void onRejected(int status) {}

    /** An error of the proxy's own, never counted against a backend. */
    enum ProxyError {
        /** The proxy ran out of a local resource to reach a backend: file descriptors or local ports. */
        LOCAL_RESOURCES,
        /** A client stopped taking a response for longer than the send timeout; its connection was closed. */
        CLIENT_STALLED,
        /** A backend's connections were all in use and its queue full, or a request waited past the queue timeout. */
        BACKEND_QUEUE
    }

    /**
     * The proxy failed a request, or a connection, for a reason of its own or of the client's: nothing is recorded
     * against the backend (no breaker failure, no ejection).
     *
     * @param backend the backend the request was for, or {@code null}
     * @param error what went wrong
     */
    default void onProxyError(Backend backend, ProxyError error) {}

    /**
     * A backend answered an upgrade request with 101: the client's connection and the backend's became a tunnel (a
     * WebSocket, or another protocol), which holds the backend's lease until it closes.
     *
     * @param backend the backend at the other end
     * @param nanos from taking the backend to its 101
     */
    default void onTunnelOpened(Backend backend, long nanos) {}

    /**
     * A tunnel closed: either end closed it, or it was idle past the tunnel idle timeout.
     *
     * @param backend the backend at the other end
     * @param nanos how long it was open
     */
    default void onTunnelClosed(Backend backend, long nanos) {}
}
