package org.reverl.gateway.http.internal;

import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.time.Duration;
import org.reverl.gateway.api.Backend;
import org.reverl.gateway.api.BackendTimeoutException;
import org.reverl.gateway.api.BackendUnavailableException;
import org.reverl.gateway.http.ProxyObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a failed try of an {@link Exchange} leads to, by the rules of the README's table "Failover: one dead backend
 * costs no request": whether the failure counts against its backend or only releases the lease, whether the request
 * is tried on another backend (any method when nothing was sent; an idempotent request the proxy can send again whole
 * otherwise; free, or spending the retry budget), and otherwise what the client gets (a status, or a closed
 * connection once a response started). Also the answers {@code retry.on} lists, which are read, dropped and retried.
 * One per exchange; confined to its event loop.
 */
final class Failover {

    private static final Logger log = LoggerFactory.getLogger(Failover.class);

    private final Exchange exchange;
    private final ClientConnection conn;
    private final ProxySettings settings;
    private final ResponseRelay relay;
    private final Dispatch dispatch;
    private final Upstream upstream;

    /** The status of the last answer dropped to retry the request ({@link #retriesResponse}), or 0. */
    private int discardedStatus;

    Failover(
            Exchange exchange,
            ClientConnection conn,
            ProxySettings settings,
            ResponseRelay relay,
            Dispatch dispatch,
            Upstream upstream) {
        this.exchange = exchange;
        this.conn = conn;
        this.settings = settings;
        this.relay = relay;
        this.dispatch = dispatch;
        this.upstream = upstream;
    }

    /** A new request: no answer dropped yet. */
    void reset() {
        discardedStatus = 0;
    }

    /**
     * What the client gets when no backend is left to try: after a dropped answer, the status the last backend
     * answered; after a failure of a backend in rotation, 502; with none tried (or only last-resort ones), 503.
     */
    HttpResponseStatus noBackendStatus() {
        if (discardedStatus != 0) {
            return HttpResponseStatus.valueOf(discardedStatus);
        }
        return dispatch.failedBefore() ? HttpResponseStatus.BAD_GATEWAY : HttpResponseStatus.SERVICE_UNAVAILABLE;
    }

    /**
     * The backend's connections are all in use and its queue is full, or the wait was too long: 503, and nothing
     * against the backend (it is busy, not broken). Not retried: the burst would only move to the next backend.
     */
    void onQueueRefused(String reason) {
        Backend be = dispatch.backend();
        dispatch.abandoned(reason);
        settings.observer.onProxyError(be, ProxyObserver.ProxyError.BACKEND_QUEUE);
        exchange.fail(HttpResponseStatus.SERVICE_UNAVAILABLE);
    }

    /** No connection could be opened to the backend. */
    void onConnectFailed(Throwable cause) {
        Backend be = dispatch.backend();
        if (ConnectFailures.isLocal(cause)) {
            // the proxy's own limit (file descriptors, local ports): no backend is to blame, and another one would
            // meet the same limit
            log.warn("cannot connect to backend {}: {}", be.id(), cause.toString());
            dispatch.abandoned("local resources: " + cause.getMessage());
            settings.observer.onProxyError(be, ProxyObserver.ProxyError.LOCAL_RESOURCES);
            exchange.fail(HttpResponseStatus.SERVICE_UNAVAILABLE);
            return;
        }
        if (cause instanceof BackendTlsException) {
            // nothing was sent; a refused certificate will be refused again, so it proves the backend unusable
            BackendTlsException tls = (BackendTlsException) cause;
            onNotDelivered(be, tls.getMessage(), tls.certificateRefused(), cause, ProxyObserver.Failure.CONNECT, true);
        } else if (cause instanceof ConnectTimeoutException) {
            // a last-resort try is out of rotation already: trying the next one costs the fleet nothing
            onNotDelivered(be, "connect timeout", false, cause, ProxyObserver.Failure.CONNECT, dispatch.lastResort());
        } else if (ConnectFailures.isDns(cause)) {
            onNotDelivered(
                    be, "DNS failure: " + ConnectFailures.host(be), true, cause, ProxyObserver.Failure.CONNECT, true);
        } else if (ConnectFailures.isRefused(cause)) {
            // nothing listens there, or nothing routes there: the backend is gone, and so are its kept-alive
            // connections
            settings.pools.invalidate(be);
            onNotDelivered(be, ConnectFailures.refusedReason(cause), true, cause, ProxyObserver.Failure.CONNECT, true);
        } else {
            // anything else (a reset during the handshake, a closed channel) counts against the backend but proves
            // nothing about it: no ejection on one such failure, and the retry spends the budget
            onNotDelivered(
                    be,
                    "connect failed: " + ConnectFailures.describe(cause),
                    false,
                    cause,
                    ProxyObserver.Failure.CONNECT,
                    dispatch.lastResort());
        }
    }

    /** The request did not reach the backend: report, and fail over whatever the method. */
    void onNotDelivered(
            Backend b,
            String reason,
            boolean backendDown,
            Throwable cause,
            ProxyObserver.Failure failure,
            boolean freeRetry) {
        dispatch.failed(new BackendUnavailableException(b.id(), reason, backendDown, cause), failure, reason);
        if (log.isDebugEnabled()) {
            log.debug(
                    "backend {} did not take {} {}: {}",
                    b.id(),
                    exchange.request().method(),
                    exchange.request().uri(),
                    reason);
        }
        retryOrFail(b, HttpResponseStatus.BAD_GATEWAY, freeRetry);
    }

    private void retryOrFail(Backend failed, HttpResponseStatus status, boolean free) {
        if (conn.isClosed()) {
            return;
        }
        if (dispatch.mayRetry(failed, free)) {
            relay.reset();
            exchange.startAttempt();
        } else {
            exchange.fail(status);
        }
    }

    /**
     * Whether a final response of this status is discarded and the request sent to another backend: the status is one
     * that {@code retry.on} lists, nothing of a response reached the client, the request can be sent again whole (an
     * idempotent method, no body streamed), and another try is allowed (the attempt limit and the retry budget, whose
     * permit this takes). Called by the relay when a response head arrives.
     */
    boolean retriesResponse(int status) {
        return exchange.pool().retryOn().matches(status)
                && !relay.started()
                && exchange.replayable()
                && !conn.isClosed()
                && dispatch.mayRetry(dispatch.backend(), false);
    }

    /**
     * The answer {@link #retriesResponse} chose to retry was read to its end and dropped: it counts for its backend (as
     * a response of its status), its connection goes back to the pool if the backend keeps it, and the request goes to
     * another backend.
     */
    void onResponseDiscarded(boolean backendKeepAlive, int status) {
        BackendHandler b = exchange.detachBackend();
        Backend be = dispatch.backend();
        dispatch.answeredForRetry(status);
        if (backendKeepAlive) {
            b.pool().release(b);
        } else {
            b.close();
        }
        if (log.isDebugEnabled()) {
            log.debug(
                    "backend {} answered {} {} with {}: retried",
                    be.id(),
                    exchange.request().method(),
                    exchange.request().uri(),
                    status);
        }
        discardedStatus = status;
        relay.reset();
        exchange.startAttempt();
    }

    /** The backend broke the exchange: closed, reset, or sent what is not HTTP. Called by the relay too. */
    void backendBroke(String reason) {
        boolean stale = upstream.backend().failureLooksStale() && !relay.started();
        exchange.detachBackend().close();
        Backend be = dispatch.backend();
        if (stale) {
            onStaleConnection(be, reason);
            return;
        }
        dispatch.failed(new BackendFailureException(be.id(), reason), ProxyObserver.Failure.RESET, reason);
        if (log.isDebugEnabled()) {
            log.debug(
                    "backend {} failed {} {}: {}",
                    be.id(),
                    exchange.request().method(),
                    exchange.request().uri(),
                    reason);
        }
        if (relay.started()) {
            // never let a truncated response look complete
            exchange.abandon();
            conn.abortClient();
        } else if (exchange.replayable()) {
            retryOrFail(be, HttpResponseStatus.BAD_GATEWAY, false);
        } else {
            exchange.fail(HttpResponseStatus.BAD_GATEWAY);
        }
    }

    /**
     * A kept-alive connection died under the request before any of a response came: the backend closed it (its idle
     * timeout) or died. Either way its other idle connections are suspect, so every event loop drops them; nothing is
     * counted against the backend (a connection of its own will tell whether it is gone), and the request, if it may be
     * sent again, goes to another backend without spending the retry budget.
     */
    private void onStaleConnection(Backend be, String reason) {
        settings.pools.invalidate(be);
        dispatch.abandoned("kept-alive connection lost: " + reason);
        if (log.isDebugEnabled()) {
            log.debug(
                    "backend {}: kept-alive connection lost under {} {}: {}",
                    be.id(),
                    exchange.request().method(),
                    exchange.request().uri(),
                    reason);
        }
        if (exchange.replayable()) {
            retryOrFail(be, HttpResponseStatus.BAD_GATEWAY, true);
        } else {
            exchange.fail(HttpResponseStatus.BAD_GATEWAY);
        }
    }

    /** The backend did not answer within the pool's response timeout. */
    void onBackendTimeout() {
        exchange.detachBackend();
        Backend be = dispatch.backend();
        Duration timeout = exchange.pool().responseTimeout();
        dispatch.failed(
                new BackendTimeoutException(be.id(), timeout),
                ProxyObserver.Failure.TIMEOUT,
                "no response within " + timeout);
        log.debug(
                "backend {} did not answer {} {} within {}",
                be.id(),
                exchange.request().method(),
                exchange.request().uri(),
                timeout);
        if (relay.started()) {
            exchange.abandon();
            conn.abortClient();
        } else {
            exchange.fail(HttpResponseStatus.GATEWAY_TIMEOUT);
        }
    }
}
