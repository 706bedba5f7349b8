package org.reverl.gateway.core.internal;

import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import org.reverl.gateway.api.Backend;
import org.reverl.gateway.api.Lease;

/**
 * The lease on a backend that is out of rotation (down or ejected), handed out when no backend is eligible. It holds
 * no breaker permission and records nothing: the backend is out already, and a failure proves nothing new. A success
 * asks the control thread to check the backend now (an immediate probe, or its breaker's trial calls), at most one
 * such request pending at a time. One per backend, shared by every concurrent lease on it, like {@link
 * BackendHandle}, so handing one out allocates nothing.
 */
final class LastResortLease implements Lease {

    private static final AtomicIntegerFieldUpdater<LastResortLease> RECHECK_PENDING =
            AtomicIntegerFieldUpdater.newUpdater(LastResortLease.class, "recheckPending");

    private final BackendHandle handle;
    /** 1 while a recheck of the backend is queued on the control thread. */
    private volatile int recheckPending;

    LastResortLease(BackendHandle handle) {
        this.handle = handle;
    }

    @Override
    public Backend backend() {
        return handle;
    }

    @Override
    public boolean lastResort() {
        return true;
    }

    @Override
    public void onSuccess(long durationNanos) {
        handle.decrementInFlight();
        if (RECHECK_PENDING.compareAndSet(this, 0, 1)) {
            handle.owner.lastResortSucceeded(handle);
        }
    }

    @Override
    public void onFailure(long durationNanos, Throwable cause) {
        handle.decrementInFlight();
    }

    @Override
    public void release() {
        handle.decrementInFlight();
    }

    /** Control thread: the recheck ran; a later success may ask again. */
    void recheckStarted() {
        recheckPending = 0;
    }

    @Override
    public String toString() {
        return handle.id() + " (last resort)";
    }
}
