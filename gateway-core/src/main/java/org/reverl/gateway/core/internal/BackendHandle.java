package org.reverl.gateway.core.internal;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
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

    // ---- the breaker's record, guarded by recordLock ----
    /**
     * Taken around every outcome this member records in its breaker (but a success that {@link #fullCleanRun} lets
     * pass), and around a reset of it.
     */
    private final Object recordLock = new Object();
    /** The breaker {@link #cleanRun} counts for: a new one (a reload) starts the count again. */
    private CircuitBreaker cleanRunOf;
    /**
     * The successes, none slow, that this member's breaker recorded last in a row while it stayed closed. Once it
     * reaches the breaker's window size, the window holds nothing else (its window counts calls, and does not age).
     */
    private int cleanRun;
    /** The window size of {@link #cleanRunOf}; never reached for a window that is not count-based. */
    private int cleanWindow;
    /** A success that took this long or longer is a slow call for {@link #cleanRunOf}. */
    private long slowCallNanos;
    /**
     * Set, under the lock, while {@link #cleanRun} is full: a success that is not slow finds it and returns without
     * taking the lock, one volatile read instead of a lock shared by every event loop that serves this backend.
     */
    private volatile FullCleanRun fullCleanRun;

    /** Breaker {@code breaker}'s window holds only successes faster than {@code slowCallNanos}, a full window of them. */
    private record FullCleanRun(CircuitBreaker breaker, long slowCallNanos) {}

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
        recordSuccess(Math.max(0, durationNanos));
        checkBreakerState();
        owner.strategy.onCompleted(this, durationNanos, status >= 500);
        outlier.onResponse(status, durationNanos);
    }

    @Override
    public void onFailure(long durationNanos, Throwable cause) {
        decrementInFlight();
        recordFailure(Math.max(0, durationNanos), cause);
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
     * Records a success in the breaker, unless its window holds only successes that were not slow and this one is not
     * slow either: then the window would be the same after it in everything the breaker decides by (the calls, the
     * failures and the slow calls it counts), and resilience4j's window, which makes a snapshot object for every call
     * it records, is left alone. That is every response of a healthy backend after the first window's worth.
     */
    void recordSuccess(long nanos) {
        CircuitBreaker b = breaker;
        FullCleanRun full = fullCleanRun;
        if (full != null
                && full.breaker == b
                && nanos < full.slowCallNanos
                && b.getState() == CircuitBreaker.State.CLOSED) {
            // what the locked path below would do too: a failure racing with it is ordered after it
            return;
        }
        synchronized (recordLock) {
            if (b != cleanRunOf) {
                follow(b);
            }
            boolean clean = nanos < slowCallNanos;
            boolean closed = b.getState() == CircuitBreaker.State.CLOSED;
            if (clean && closed && cleanRun >= cleanWindow) {
                return;
            }
            b.onSuccess(nanos, TimeUnit.NANOSECONDS);
            // a closed state entered now (from half-open) starts with an empty window
            cleanRun = clean && closed && b.getState() == CircuitBreaker.State.CLOSED
                    ? Math.min(cleanRun + 1, cleanWindow)
                    : 0;
            // written only when it changes: with a window that is not count-based every success comes this way
            if (cleanRun >= cleanWindow) {
                fullCleanRun = new FullCleanRun(b, slowCallNanos);
            } else if (fullCleanRun != null) {
                fullCleanRun = null;
            }
        }
    }

    void recordFailure(long nanos, Throwable cause) {
        CircuitBreaker b = breaker;
        synchronized (recordLock) {
            if (b != cleanRunOf) {
                follow(b);
            }
            b.onError(nanos, TimeUnit.NANOSECONDS, cause);
            cleanRun = 0;
            fullCleanRun = null;
        }
    }

    /** Starts counting for breaker {@code b}. Under {@link #recordLock}. */
    private void follow(CircuitBreaker b) {
        CircuitBreakerConfig c = b.getCircuitBreakerConfig();
        cleanRunOf = b;
        cleanRun = 0;
        fullCleanRun = null;
        cleanWindow = c.getSlidingWindowType() == CircuitBreakerConfig.SlidingWindowType.COUNT_BASED
                ? c.getSlidingWindowSize()
                : Integer.MAX_VALUE;
        slowCallNanos = c.getSlowCallDurationThreshold().toNanos();
    }

    /** Clears the breaker's record (closed, an empty window); the only way to reset it, so that the count follows. */
    void resetBreaker() {
        synchronized (recordLock) {
            breaker.reset();
            cleanRun = 0;
            fullCleanRun = null;
        }
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
