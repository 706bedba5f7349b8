package org.reverl.gateway.core.internal;

import static java.util.Objects.requireNonNull;

import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.function.BiConsumer;
import org.reverl.gateway.api.Attempts;
import org.reverl.gateway.api.Backend;
import org.reverl.gateway.api.BackendTimeoutException;
import org.reverl.gateway.api.BackendUnavailableException;
import org.reverl.gateway.api.Endpoint;
import org.reverl.gateway.api.Gateway;
import org.reverl.gateway.api.GatewayClosedException;
import org.reverl.gateway.api.GatewayException;
import org.reverl.gateway.api.Lease;
import org.reverl.gateway.api.LoadBalancer;
import org.reverl.gateway.api.NoBackendAvailableException;
import org.reverl.gateway.api.RequestContext;

/**
 * A {@link Gateway} over a {@link DefaultLoadBalancer}: each call acquires a lease, sends through the backend's {@link
 * Endpoint}, reports the outcome, and fails over with resilience4j {@link Retry} when the backend did not take the
 * request.
 *
 * <p>The first attempt touches no retry machinery: the {@link Retry.AsyncContext} is created on the first failure, so
 * a call that succeeds costs one {@link Call} object and the endpoint's own work.
 */
public final class DefaultGateway<Q, R> implements Gateway<Q, R> {

    private final DefaultLoadBalancer lb;
    private final Retry retry;
    private final long callTimeoutNanos;
    private final Duration callTimeout;
    private final ScheduledThreadPoolExecutor timer;
    private final boolean errorRepliesCountAsFailures;

    public DefaultGateway(DefaultLoadBalancer lb) {
        this.lb = requireNonNull(lb, "lb");
        this.callTimeout = lb.config().callTimeout();
        this.callTimeoutNanos = callTimeout.toNanos();
        this.errorRepliesCountAsFailures = lb.config().errorRepliesCountAsFailures();
        this.retry = Retry.of(
                lb.name() + "-failover",
                RetryConfig.custom()
                        .maxAttempts(lb.config().maxAttempts())
                        // failover goes to another backend: no reason to wait
                        .waitDuration(Duration.ZERO)
                        // only requests a backend did not take are safe to send elsewhere
                        .retryOnException(e -> e instanceof BackendUnavailableException)
                        .failAfterMaxAttempts(false)
                        .build());
        this.timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "reverl-" + lb.name() + "-timer");
            t.setDaemon(true);
            return t;
        });
        timer.setRemoveOnCancelPolicy(true);
    }

    @Override
    public String name() {
        return lb.name();
    }

    /** The failover policy, for its metrics and events. */
    public Retry retry() {
        return retry;
    }

    @Override
    public CompletionStage<R> call(Q request) {
        if (lb.isClosed()) {
            return CompletableFuture.failedFuture(new GatewayClosedException(lb.name()));
        }
        Call call = new Call(request);
        call.sendAttempt();
        call.armTimeoutIfPending();
        return call;
    }

    @Override
    public R callBlocking(Q request) {
        CompletableFuture<R> future = call(request).toCompletableFuture();
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            future.cancel(false);
            throw new GatewayException("interrupted while waiting for the reply", e);
        } catch (ExecutionException e) {
            throw rethrowable(e.getCause());
        }
    }

    private static RuntimeException rethrowable(Throwable cause) {
        if (cause instanceof RuntimeException) {
            return (RuntimeException) cause;
        }
        if (cause instanceof Error) {
            throw (Error) cause;
        }
        return new GatewayException("backend failed the call: " + cause, cause);
    }

    @Override
    public Backend add(Endpoint<Q, R> endpoint) {
        requireNonNull(endpoint, "endpoint");
        Backend backend = lb.add(requireNonNull(endpoint.spec(), "endpoint.spec()"), endpoint);
        endpoint.whenTerminated(reason -> lb.markDown(backend, reason));
        return backend;
    }

    @Override
    public boolean remove(String id) {
        return lb.remove(id);
    }

    @Override
    public List<Backend> backends() {
        return lb.backends();
    }

    @Override
    public Optional<Backend> backend(String id) {
        return lb.backend(id);
    }

    @Override
    public LoadBalancer loadBalancer() {
        return lb;
    }

    @Override
    public void close() {
        lb.close();
        timer.shutdown();
    }

    @Override
    public String toString() {
        return "Gateway{" + lb + '}';
    }

    /**
     * One call: its future, its request context, its failover state, and the callback of each attempt. One object per
     * call; attempts are claimed with a counter so that a late reply after a timeout is ignored.
     */
    private final class Call extends CompletableFuture<R> implements RequestContext, BiConsumer<R, Throwable> {

        @SuppressWarnings("rawtypes")
        private static final AtomicIntegerFieldUpdater<DefaultGateway.Call> SETTLED =
                AtomicIntegerFieldUpdater.newUpdater(DefaultGateway.Call.class, "settled");

        private final Q request;
        private final Attempts attempts = new Attempts();
        private Retry.AsyncContext<R> retryContext;
        private boolean holdsRetry;
        private int attempt = 1;
        /** The lease of the attempt in progress; written before it is sent, read by its callback or the timeout. */
        private volatile Lease lease;

        private volatile long sentNanos;
        /** 0 while the current attempt is open; set to 1 by whoever settles it (its reply or the timeout). */
        private volatile int settled;

        private ScheduledFuture<?> timeout;
        private volatile boolean expired;

        Call(Q request) {
            this.request = request;
        }

        @Override
        public int attempt() {
            return attempt;
        }

        void sendAttempt() {
            Lease l = lb.acquire(this, attempts);
            if (l == null) {
                finish(null, lb.noBackend(attempts));
                return;
            }
            lease = l;
            settled = 0;
            if (expired) { // the call timed out while failing over
                if (SETTLED.compareAndSet(this, 0, 1)) {
                    l.release();
                    finish(null, new BackendTimeoutException(l.backend().id(), callTimeout));
                }
                return;
            }
            @SuppressWarnings("unchecked")
            Endpoint<Q, R> endpoint = (Endpoint<Q, R>) DefaultLoadBalancer.attachment(l.backend());
            sentNanos = System.nanoTime();
            CompletionStage<R> reply;
            try {
                reply = endpoint.send(request);
            } catch (RuntimeException e) {
                reply = CompletableFuture.failedFuture(e);
            }
            if (reply instanceof CompletableFuture) {
                CompletableFuture<R> f = (CompletableFuture<R>) reply;
                if (f.isDone() && !f.isCompletedExceptionally()) {
                    // answered at once (an in-process backend): whenComplete would allocate a dependent future
                    accept(f.join(), null);
                    return;
                }
            }
            reply.whenComplete(this);
        }

        void armTimeoutIfPending() {
            if (!isDone()) {
                ScheduledFuture<?> t = timer.schedule(this::onTimeout, callTimeoutNanos, TimeUnit.NANOSECONDS);
                timeout = t;
                if (isDone()) {
                    t.cancel(false);
                }
            }
        }

        private void onTimeout() {
            expired = true;
            Lease l = lease;
            if (l == null || !SETTLED.compareAndSet(this, 0, 1)) {
                return;
            }
            BackendTimeoutException e = new BackendTimeoutException(l.backend().id(), callTimeout);
            l.onFailure(System.nanoTime() - sentNanos, e);
            finish(null, e);
        }

        /** The reply of the current attempt. */
        @Override
        public void accept(R value, Throwable error) {
            if (!SETTLED.compareAndSet(this, 0, 1)) {
                return; // timed out already
            }
            Lease l = lease;
            long took = System.nanoTime() - sentNanos;
            if (error == null) {
                l.onSuccess(took);
                finish(value, null);
                return;
            }
            Throwable cause = unwrap(error);
            if (cause instanceof BackendUnavailableException) {
                l.onFailure(took, cause);
                failover(l.backend(), (BackendUnavailableException) cause);
            } else if (cause instanceof BackendTimeoutException
                    || cause instanceof TimeoutException
                    || errorRepliesCountAsFailures) {
                l.onFailure(took, cause);
                finish(null, cause);
            } else {
                l.onSuccess(took); // the backend answered: an error reply says nothing against its health
                finish(null, cause);
            }
        }

        private void failover(Backend failed, BackendUnavailableException cause) {
            attempts.record(failed, cause.reason());
            if (retryContext == null) {
                retryContext = retry.asyncContext();
            }
            long delayMillis = retryContext.onError(cause);
            if (delayMillis < 0) {
                finish(
                        null,
                        new NoBackendAvailableException(
                                attempts.toList(),
                                "failover stopped: attempt limit " + lb.config().maxAttempts()));
                return;
            }
            if (!holdsRetry) {
                if (!lb.tryAcquireRetry()) {
                    finish(
                            null,
                            new NoBackendAvailableException(
                                    attempts.toList(), "failover stopped: retry budget exhausted"));
                    return;
                }
                holdsRetry = true;
            }
            if (isDone()) { // cancelled meanwhile
                finish(null, new CancellationException());
                return;
            }
            attempt++;
            sendAttempt();
        }

        private void finish(R value, Throwable error) {
            if (holdsRetry) {
                holdsRetry = false;
                lb.releaseRetry();
            }
            if (retryContext != null && error == null) {
                retryContext.onComplete();
            }
            ScheduledFuture<?> t = timeout;
            if (t != null) {
                t.cancel(false);
            }
            if (error == null) {
                complete(value);
            } else {
                completeExceptionally(error);
            }
        }

        private Throwable unwrap(Throwable t) {
            while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
                t = t.getCause();
            }
            return t;
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            boolean cancelled = super.cancel(mayInterruptIfRunning);
            if (cancelled) {
                Lease l = lease;
                // whoever settles the current attempt owns the call's clean-up
                if (l != null && SETTLED.compareAndSet(this, 0, 1)) {
                    l.release();
                    finish(null, new CancellationException());
                }
            }
            return cancelled;
        }

        @Override
        public String toString() {
            return "Call{attempt=" + attempt + ", tried=" + attempts + ", sinceSentNanos="
                    + (System.nanoTime() - sentNanos) + '}';
        }
    }
}
