package org.reverl.gateway.http.internal;

import org.reverl.gateway.api.Attempts;
import org.reverl.gateway.api.Backend;
import org.reverl.gateway.api.Lease;
import org.reverl.gateway.api.RequestContext;
import org.reverl.gateway.http.ProxyObserver;
import org.reverl.gateway.http.ProxyPool;

/**
 * The load balancer's side of one request, in the pool its route chose: the backends it was tried on, the lease of the current try, and the
 * retry-budget permits it holds. Every try ends with exactly one outcome, reported here: a success with its latency,
 * a failure that counts against the backend, or a release that does not (the client's or the proxy's own reasons).
 * One per connection, reused by each request; confined to its event loop.
 */
final class Dispatch {

    private final ProxySettings settings;
    private final Attempts tried = new Attempts();

    /** The pool of the current request. */
    private ProxyPool pool;

    private int tries;
    /** Whether every try so far was a last-resort one: no backend was in rotation. */
    private boolean onlyLastResort = true;

    private int retriesHeld;
    private Lease lease;
    private long start;

    Dispatch(ProxySettings settings) {
        this.settings = settings;
    }

    /** A new request, for {@code pool} ({@code null} when no route matched: nothing will be tried). */
    void reset(ProxyPool pool) {
        this.pool = pool;
        tried.clear();
        tries = 0;
        onlyLastResort = true;
    }

    /** Tries so far, counting the current one. */
    int tries() {
        return tries;
    }

    /**
     * Whether a backend in rotation failed this request already: then no backend left is a 502; with none tried, or
     * only backends out of rotation tried as a last resort, it is a 503 (no backend available).
     */
    boolean failedBefore() {
        return !tried.isEmpty() && !onlyLastResort;
    }

    /** Whether the current try is a last resort: a backend out of rotation, since none was in it. */
    boolean lastResort() {
        return lease.lastResort();
    }

    /**
     * Takes a backend for the next try, never one tried already.
     *
     * @return the backend, or {@code null} if none is eligible
     */
    Backend acquire(RequestContext request) {
        tries++;
        Lease l = pool.lb().acquire(request, tried);
        if (l == null) {
            return null;
        }
        lease = l;
        start = settings.ticker.nanoTime();
        onlyLastResort &= l.lastResort();
        return l.backend();
    }

    /** The backend of the current try. */
    Backend backend() {
        return lease.backend();
    }

    /** The current try ended with a whole response. */
    void succeeded(int status) {
        answered(status);
        releaseRetries();
    }

    /**
     * The current try was answered with a status the proxy retries ({@link org.reverl.gateway.http.RetryOn}), and the
     * answer was discarded: it counts for the backend as a response of that status (outlier detection reads it), and
     * the backend is not tried again for this request.
     */
    void answeredForRetry(int status) {
        tried.record(answered(status), status + " response");
    }

    /** Reports the current try's response of {@code status} to its lease and the observer; returns its backend. */
    private Backend answered(int status) {
        Lease l = lease;
        lease = null;
        long nanos = settings.ticker.nanoTime() - start;
        l.onResponse(status, nanos);
        settings.observer.onResponse(l.backend(), status, nanos);
        return l.backend();
    }

    /**
     * The current try was answered with a 101: its connection becomes a tunnel, which keeps the lease (the backend
     * counts it in flight, so least-connections sees it, and a drain or a shutdown waits for it) until {@link
     * #tunnelClosed}.
     *
     * @return from taking the backend to the 101
     */
    long upgraded() {
        long nanos = settings.ticker.nanoTime() - start;
        settings.observer.onTunnelOpened(lease.backend(), nanos);
        return nanos;
    }

    /**
     * The tunnel of an {@link #upgraded} try closed: a success for the backend (the switch worked; how the tunnel ended
     * is the business of the protocol inside it), with the time the backend took to answer the upgrade.
     */
    void tunnelClosed(long handshakeNanos, long openNanos) {
        Lease l = lease;
        lease = null;
        l.onSuccess(handshakeNanos);
        settings.observer.onTunnelClosed(l.backend(), openNanos);
        releaseRetries();
    }

    /**
     * The current try failed because of its backend: counted against it (breaker, health), and the backend is not
     * tried again for this request.
     *
     * @param reason what the error message lists for this try
     */
    void failed(Throwable cause, ProxyObserver.Failure failure, String reason) {
        Lease l = lease;
        lease = null;
        l.onFailure(settings.ticker.nanoTime() - start, cause);
        settings.observer.onBackendFailure(l.backend(), failure);
        tried.record(l.backend(), reason);
    }

    /**
     * The current try failed in a way that says nothing against its backend (a kept-alive connection the backend had
     * closed, a resource of the proxy's own): the lease is released, no failure recorded; the backend is still not
     * tried again for this request.
     */
    void abandoned(String reason) {
        Lease l = lease;
        lease = null;
        l.release();
        tried.record(l.backend(), reason);
    }

    /**
     * Whether another try may be made: fewer tries than the limit and, unless it is {@code free}, a permit of the
     * retry budget, held until the request ends.
     *
     * @param free a retry of a request no backend can have acted on, or that only met a dead connection: it cannot
     *     add load to a struggling fleet, so the budget (whose purpose is to stop retry storms) is not spent on it
     */
    boolean mayRetry(Backend failed, boolean free) {
        if (tries >= pool.maxAttempts()) {
            return false;
        }
        if (!free) {
            if (!pool.lb().tryAcquireRetry()) {
                return false;
            }
            retriesHeld++;
        }
        settings.observer.onRetry(failed);
        return true;
    }

    /** The request ends without a result for its backend: the lease (if any) and the retry permits are given back. */
    void release() {
        if (lease != null) {
            Lease l = lease;
            lease = null;
            l.release();
        }
        releaseRetries();
    }

    private void releaseRetries() {
        while (retriesHeld > 0) {
            retriesHeld--;
            pool.lb().releaseRetry();
        }
    }
}
