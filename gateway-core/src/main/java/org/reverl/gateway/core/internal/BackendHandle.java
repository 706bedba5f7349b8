package org.reverl.gateway.core.internal;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import org.reverl.gateway.api.Backend;
import org.reverl.gateway.api.BackendSpec;
import org.reverl.gateway.api.BackendState;
import org.reverl.gateway.api.BackendUnavailableException;
import org.reverl.gateway.api.Lease;

/**
 * One member of a {@link DefaultLoadBalancer}: the live view strategies read, and, because every field a lease needs
 * is here, the {@link Lease} itself. Sharing one object for every concurrent lease on a backend is what keeps {@code
 * acquire} allocation-free; the price is that a double outcome cannot be detected (see {@link Lease}).
 *
 * <p>Fields written only by the control thread are volatile and read lock-free by request threads.
 */
final class BackendHandle implements Backend, Lease {

    private static final AtomicIntegerFieldUpdater<BackendHandle> IN_FLIGHT =
            AtomicIntegerFieldUpdater.newUpdater(BackendHandle.class, "inFlight");

    final DefaultLoadBalancer owner;
    final BackendSpec spec;
    final CircuitBreaker breaker;
    /** What the transport needs to reach this backend (a {@code Endpoint} for gateways); may be null. */
    final Object attachment;

    private volatile int inFlight;
    /** Why the breaker is about to open, when the engine opens it itself; control thread only. */
    String pendingReason;

    /** Written by the control thread only. */
    volatile BackendState state = BackendState.UP;
    /** Whether new requests may start: the backend is in the strategy's eligible set. Control thread writes. */
    volatile boolean admitting;

    BackendHandle(DefaultLoadBalancer owner, BackendSpec spec, CircuitBreaker breaker, Object attachment) {
        this.owner = owner;
        this.spec = spec;
        this.breaker = breaker;
        this.attachment = attachment;
    }

    @Override
    public BackendSpec spec() {
        return spec;
    }

    @Override
    public String id() {
        return spec.id();
    }

    @Override
    public BackendState state() {
        return state;
    }

    @Override
    public int inFlight() {
        return inFlight;
    }

    void incrementInFlight() {
        IN_FLIGHT.incrementAndGet(this);
    }

    void decrementInFlight() {
        IN_FLIGHT.decrementAndGet(this);
    }

    // ---- Lease ----

    @Override
    public Backend backend() {
        return this;
    }

    @Override
    public void onSuccess(long durationNanos) {
        decrementInFlight();
        breaker.onSuccess(Math.max(0, durationNanos), TimeUnit.NANOSECONDS);
    }

    @Override
    public void onFailure(long durationNanos, Throwable cause) {
        decrementInFlight();
        breaker.onError(Math.max(0, durationNanos), TimeUnit.NANOSECONDS, cause);
        if (cause instanceof BackendUnavailableException && ((BackendUnavailableException) cause).isBackendDown()) {
            owner.backendFailedHard(this, ((BackendUnavailableException) cause).reason());
        }
    }

    @Override
    public void release() {
        decrementInFlight();
        breaker.releasePermission();
    }

    @Override
    public String toString() {
        return spec.id();
    }
}
