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
    static final AtomicIntegerFieldUpdater<BackendHandle> SYNC_PENDING =
            AtomicIntegerFieldUpdater.newUpdater(BackendHandle.class, "syncPending");

    final DefaultLoadBalancer owner;
    /** The description; replaced in place when only the weight or tags change. Control thread writes. */
    volatile BackendSpec spec;

    /** Replaced (control thread) when the breaker settings are reloaded. */
    volatile CircuitBreaker breaker;
    /** What the transport needs to reach this backend (a {@code Endpoint} for gateways); may be null. */
    final Object attachment;
    /** The lease handed out when no backend is eligible; see {@link org.reverl.gateway.api.Lease#lastResort()}. */
    final LastResortLease lastResortLease = new LastResortLease(this);
    /** Outlier-detection counters and ejection state. */
    final OutlierStats outlier;

    private volatile int inFlight;

    /** The visible state: removed, else the admin state if not enabled, else the health. Control thread writes. */
    volatile BackendState state = BackendState.UP;
    /** Whether new requests may start: the backend is in the strategy's eligible set. Control thread writes. */
    volatile boolean admitting;
    /** The weight strategies use now: lowered during slow start. Control thread writes. */
    volatile int effectiveWeight;
    /** The breaker state the control thread last acted on. Control thread writes. */
    volatile CircuitBreaker.State breakerState = CircuitBreaker.State.CLOSED;
    /** 1 while a task to act on a breaker state change is queued on the control thread. */
    volatile int syncPending;
    /**
     * Of 1000 picks by the strategy, how many the load balancer takes: fewer while the backend ramps up next to full
     * ones (see {@link SlowStart}). Control thread writes.
     */
    volatile int acceptPermille = SlowStart.FULL;
    /** Whether it ever took a request; set once by a request thread. */
    volatile boolean served;

    // ---- control thread only ----
    /** Its health state machine. */
    final BackendHealth health;

    /** Who manages this member through {@code reconcile}: {@code api}, {@code config}, a discovery source... */
    String source;
    /** Draining because a reconcile no longer lists it: removed once idle, unless listed again first. */
    boolean removing;
    /** Whether the active probe checks it (never for {@code local:} backends). */
    boolean probed;
    /** Whether it came into rotation before: slow start tells a new backend from one coming back. */
    boolean wasInRotation;

    long probeGeneration;
    ControlLoop.Timer probeTimer;

    final java.util.List<java.util.concurrent.CompletableFuture<Void>> drains = new java.util.ArrayList<>(0);
    /** Waiting for this member's drain-then-remove: {@code true} once removed, {@code false} if cancelled. */
    final java.util.List<java.util.concurrent.CompletableFuture<Boolean>> removals = new java.util.ArrayList<>(0);

    BackendHandle(
            DefaultLoadBalancer owner,
            BackendSpec spec,
            CircuitBreaker breaker,
            Object attachment,
            BackendHealth health) {
        this.owner = owner;
        this.health = health;
        this.spec = spec;
        this.breaker = breaker;
        this.attachment = attachment;
        this.effectiveWeight = spec.weight();
        this.outlier = owner.outliers.newStats(spec.id());
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
    public int effectiveWeight() {
        return effectiveWeight;
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

    /** A success without a status (a {@code Gateway} call) counts as a 200. */
    @Override
    public void onSuccess(long durationNanos) {
        onResponse(200, durationNanos);
    }

    @Override
    public void onResponse(int status, long durationNanos) {
        decrementInFlight();
        breaker.onSuccess(Math.max(0, durationNanos), TimeUnit.NANOSECONDS);
        checkBreakerState();
        owner.strategy.onCompleted(this, durationNanos, status >= 500);
        outlier.onResponse(status, durationNanos);
    }

    @Override
    public void onFailure(long durationNanos, Throwable cause) {
        decrementInFlight();
        breaker.onError(Math.max(0, durationNanos), TimeUnit.NANOSECONDS, cause);
        checkBreakerState();
        owner.strategy.onCompleted(this, durationNanos, true);
        outlier.onFailure(durationNanos);
        if (cause instanceof BackendUnavailableException && ((BackendUnavailableException) cause).isBackendDown()) {
            owner.backendFailedHard(this, ((BackendUnavailableException) cause).reason());
        }
    }

    @Override
    public void release() {
        decrementInFlight();
        breaker.releasePermission();
    }

    /**
     * Recording an outcome may have moved the breaker (closed to open, half-open to closed or open): tell the control
     * thread. One volatile read when nothing changed.
     */
    void checkBreakerState() {
        if (breaker.getState() != breakerState) {
            owner.breakerMayHaveChanged(this);
        }
    }

    @Override
    public String toString() {
        return spec.id();
    }
}
