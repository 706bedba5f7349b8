package org.reverl.gateway.core.internal;

import static java.util.Objects.requireNonNull;

import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;
import org.reverl.gateway.api.Attempts;
import org.reverl.gateway.api.Backend;
import org.reverl.gateway.api.BackendEventListener;
import org.reverl.gateway.api.BackendSpec;
import org.reverl.gateway.api.BackendState;
import org.reverl.gateway.api.GatewayClosedException;
import org.reverl.gateway.api.Lease;
import org.reverl.gateway.api.LivenessProbe;
import org.reverl.gateway.api.LoadBalancer;
import org.reverl.gateway.api.NoBackendAvailableException;
import org.reverl.gateway.api.RequestContext;
import org.reverl.gateway.api.SelectionStrategy;
import org.reverl.gateway.core.GatewayConfig;
import org.reverl.gateway.core.Membership;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine: membership and health on one control thread (the single writer), the hot path lock-free on request
 * threads.
 *
 * <h2>Control plane</h2>
 * Every change (add, remove, a backend terminating, a breaker changing state) runs as a task on the control thread,
 * one at a time. Each change that alters who may take requests recomputes the eligible set and hands it to the
 * strategy, which publishes a snapshot. Public changes made from other threads wait until their task ran, so that
 * after {@code add} returns the backend is listed, and after {@code remove} returns it gets no new request; changes
 * made on the control thread (from a listener) run inline.
 *
 * <h2>Data plane</h2>
 * {@link #acquire} asks the strategy, counts the request in flight, checks the backend still admits requests (a
 * volatile read ordered after the increment, so a removal that does not see the request in flight is seen by the
 * request), and takes one breaker permission. Nothing is allocated unless a pick is refused. When nothing is
 * eligible, each down or ejected backend is offered once per request as a {@linkplain Lease#lastResort() last resort}
 * (a shared {@link LastResortLease}, so this allocates nothing either).
 *
 * <h2>Parts</h2>
 * This class keeps the members, the public entry points and the hot path. The control thread itself is a {@link
 * ControlLoop}; each backend's health is a {@link BackendHealth} state machine, fed its events by {@link HealthControl}
 * (which also keeps breakers in sync and owns the health timers); who is in rotation, and the snapshots the hot path
 * reads, is {@link Rotation}; slow start is {@link SlowStart}; draining is {@link Drains}; events are {@link Events};
 * making, admitting, retiring and replacing members, reconcile and upsert are {@link MembershipChanges}; active health
 * checks are {@link ActiveProbes}; reloading engine settings is {@link Reconfiguration}. All of them run on the one
 * control thread.
 */
public final class DefaultLoadBalancer implements LoadBalancer, Membership {

    static final Logger log = LoggerFactory.getLogger("org.reverl.gateway");

    /** Extra picks asked of the strategy when its pick was tried already, before scanning the eligible set. */
    private static final int REPICKS = 3;

    final String name;
    /** Control thread writes (reconfigure). */
    volatile GatewayConfig config;
    /** Control thread writes (reconfigure); read on the hot path. */
    volatile SelectionStrategy strategy;
    /** Control thread only. */
    CircuitBreakerConfig breakerConfig;

    final ControlLoop control;
    final MembershipChanges changes = new MembershipChanges(this);
    final ActiveProbes probes = new ActiveProbes(this);
    final HealthControl health = new HealthControl(this);
    final SlowStart slowStart = new SlowStart(this);
    final Rotation rotation = new Rotation(this);
    final Drains drains = new Drains(this);
    final Clock clock;
    final Events events;
    final RetryBudget retryBudget;

    /** Control thread only. */
    final Map<String, BackendHandle> members = new LinkedHashMap<>();
    /** Control thread only: new backends, by id, probed before they replace the member with their id. */
    final Map<String, BackendHandle> replacements = new LinkedHashMap<>();

    /** The active probe, or null without health checks. */
    volatile LivenessProbe probe;

    /** The snapshots the hot path reads; {@link Rotation} writes them on the control thread. */
    volatile BackendHandle[] memberSnapshot = Rotation.NO_HANDLES;

    volatile BackendHandle[] eligibleSnapshot = Rotation.NO_HANDLES;
    /** Empty while any backend is eligible; else the down and ejected ones, the likeliest to be back first. */
    volatile BackendHandle[] lastResortSnapshot = Rotation.NO_HANDLES;

    /** Passive outlier ejection (off when the config has none); see {@link OutlierDetector} and {@link OutlierHost}. */
    final OutlierDetector outliers;

    private volatile boolean closed;

    public DefaultLoadBalancer(GatewayConfig config, SelectionStrategy strategy, LivenessProbe probe, Clock clock) {
        this(config, strategy, probe, clock, new ThreadControlLoop(config.name()));
    }

    /** With the control loop the control plane runs on (tests step a manual one through time). */
    DefaultLoadBalancer(
            GatewayConfig config, SelectionStrategy strategy, LivenessProbe probe, Clock clock, ControlLoop control) {
        this.config = requireNonNull(config, "config");
        if ((probe == null) != (config.healthCheck() == null)) {
            throw new IllegalArgumentException(
                    "probe: " + probe + " (expected: a probe exactly when healthCheck is set)");
        }
        this.probe = probe;
        this.name = config.name();
        this.strategy = requireNonNull(strategy, "strategy");
        this.clock = requireNonNull(clock, "clock");
        this.events = new Events(clock);
        this.breakerConfig = HealthControl.breakerConfig(config);
        this.retryBudget =
                new RetryBudget(config.retryBudgetPercent(), config.minRetryConcurrency(), this::requestsInFlight);
        this.control = requireNonNull(control, "control");
        this.outliers = OutlierHost.detector(this, config.outlier());
        control.post(outliers::start);
        strategy.update(List.of());
    }

    @Override
    public String name() {
        return name;
    }

    public GatewayConfig config() {
        return config;
    }

    public SelectionStrategy strategy() {
        return strategy;
    }

    // ---------------------------------------------------------------- membership (control plane)

    @Override
    public Backend add(BackendSpec spec) {
        return add(spec, null);
    }

    /** Adds a backend with a transport attachment (a gateway's endpoint), available through {@link #attachment}. */
    public Backend add(BackendSpec spec, Object attachment) {
        return add(API, spec, attachment);
    }

    @Override
    public Backend add(String source, BackendSpec spec) {
        return add(Membership.checkSource(source), spec, null);
    }

    private Backend add(String source, BackendSpec spec, Object attachment) {
        requireNonNull(spec, "spec");
        boolean probed = probes(spec);
        return onControl(() -> {
            if (members.containsKey(spec.id())) {
                throw new IllegalArgumentException("backend '" + spec.id() + "': already a member (expected: a new id;"
                        + " members: " + members.keySet() + ")");
            }
            BackendHandle handle = changes.newHandle(spec, attachment, source, probed);
            changes.admit(handle);
            return handle;
        });
    }

    /** Whether the active probe checks {@code spec}; throws if it cannot (see {@link ActiveProbes#checks}). */
    boolean probes(BackendSpec spec) {
        return ActiveProbes.checks(probe, config, spec);
    }

    @Override
    public boolean remove(String id) {
        requireNonNull(id, "id");
        return onControl(() -> {
            BackendHandle handle = members.get(id);
            if (handle == null) {
                return false;
            }
            changes.removeMember(handle, "");
            return true;
        });
    }

    @Override
    public boolean remove(Backend expected) {
        BackendHandle handle = handleOf(expected);
        return onControl(() -> {
            if (members.get(handle.id()) != handle) {
                return false;
            }
            changes.removeMember(handle, "");
            return true;
        });
    }

    @Override
    public CompletionStage<Boolean> drainAndRemove(Backend expected) {
        BackendHandle handle = handleOf(expected);
        return onControl(() -> {
            if (members.get(handle.id()) != handle) {
                return CompletableFuture.completedFuture(false);
            }
            CompletableFuture<Boolean> removed = new CompletableFuture<>();
            handle.removals.add(removed);
            changes.startRemoval(handle);
            return removed;
        });
    }

    // ---------------------------------------------------------------- reconfigure: see Reconfiguration

    /**
     * Applies new engine settings to the running load balancer, on the control thread; see {@link Reconfiguration}.
     *
     * @param next the new settings; its name must be this load balancer's
     * @param nextStrategy an instance of {@code next}'s strategy (used only if the strategy or its options changed)
     * @param nextProbe an instance of {@code next}'s probe, or {@code null} exactly when it has no health check
     * @throws IllegalArgumentException if a member's address cannot be checked by the new probe; nothing is changed
     */
    public void reconfigure(GatewayConfig next, SelectionStrategy nextStrategy, LivenessProbe nextProbe) {
        new Reconfiguration(this).apply(next, nextStrategy, nextProbe);
    }

    // ---------------------------------------------------------------- reconcile (Membership): see MembershipChanges

    @Override
    public MembershipResult reconcile(String source, java.util.Collection<BackendSpec> desired) {
        return changes.reconcile(source, desired);
    }

    @Override
    public Backend upsert(String source, BackendSpec spec) {
        return changes.upsert(source, spec);
    }

    @Override
    public Backend setWeight(String id, int weight) {
        return changes.setWeight(id, weight);
    }

    /** Whether probe results for {@code handle} still matter: a member, or a replacement waiting for its probe. */
    boolean isCurrent(BackendHandle handle) {
        return members.get(handle.id()) == handle || replacements.get(handle.id()) == handle;
    }

    @Override
    public CompletionStage<Void> drain(String id) {
        requireNonNull(id, "id");
        return onControl(() -> {
            BackendHandle handle = member(id);
            CompletableFuture<Void> drained = new CompletableFuture<>();
            handle.drains.add(drained);
            setAdmin(handle, BackendState.DRAINING);
            drains.check();
            return drained;
        });
    }

    @Override
    public void maintenance(String id) {
        requireNonNull(id, "id");
        onControl(() -> {
            setAdmin(member(id), BackendState.MAINTENANCE);
            return null;
        });
    }

    @Override
    public void enable(String id) {
        requireNonNull(id, "id");
        onControl(() -> {
            BackendHandle handle = member(id);
            if (handle.health.admin() == null) {
                return null;
            }
            handle.removing = false;
            Drains.completeRemovals(handle, false);
            Drains.completeDrains(handle);
            health.setAdmin(handle, null, "enabled");
            return null;
        });
    }

    private void setAdmin(BackendHandle handle, BackendState admin) {
        health.setAdmin(handle, admin, handle.inFlight() + " in flight");
    }

    BackendHandle member(String id) {
        BackendHandle handle = members.get(id);
        if (handle == null) {
            throw new NoSuchElementException(
                    "backend: '" + id + "' (expected: a member; members: " + members.keySet() + ")");
        }
        return handle;
    }

    /**
     * Takes a backend down for good reasons of its own (a local backend stopped). Runs on the control thread; waits
     * for it unless called there.
     */
    public void markDown(Backend backend, String reason) {
        BackendHandle handle = handleOf(backend);
        if (closed) {
            return; // nothing left to take down
        }
        onControlAllowClosed(() -> {
            if (members.get(handle.id()) == handle) {
                health.terminate(handle, reason);
            }
            return null;
        });
    }

    /**
     * Ejects a backend for {@code duration} (passive outlier detection): out of rotation, without trial calls, until
     * the duration ends (then restored, unless its breaker opened meanwhile) or {@link #restore}. A down backend stays
     * down; an ejected one stays out until the later end. Runs on the control thread; returns at once, so request
     * threads may call it.
     */
    public void eject(Backend backend, java.time.Duration duration, String reason) {
        BackendHandle handle = handleOf(backend);
        long nanos = requireNonNull(duration, "duration").toNanos();
        if (nanos <= 0) {
            throw new IllegalArgumentException("duration: " + duration + " (expected: > 0)");
        }
        requireNonNull(reason, "reason");
        postToControl(() -> health.eject(handle, nanos, reason));
    }

    /** Ends a backend's ejection now (timed or by its breaker), with a fresh breaker. Returns at once, like eject. */
    public void restore(Backend backend, String reason) {
        BackendHandle handle = handleOf(backend);
        requireNonNull(reason, "reason");
        postToControl(() -> health.restore(handle, reason));
    }

    /** A lease failed because the backend as a whole is gone (connection refused, stopped): eject it at once. */
    void backendFailedHard(BackendHandle handle, String reason) {
        health.failedHard(handle, reason);
    }

    /** A request thread saw the breaker in another state than the one the control thread last acted on. */
    void breakerMayHaveChanged(BackendHandle handle) {
        health.breakerMayHaveChanged(handle);
    }

    /** A last-resort lease on this backend succeeded: it may be back; see {@link HealthControl#lastResortSucceeded}. */
    void lastResortSucceeded(BackendHandle handle) {
        postToControl(() -> health.lastResortSucceeded(handle));
    }

    /** Whether panic mode is on: too few backends eligible, so all are offered. */
    public boolean inPanic() {
        return rotation.inPanic();
    }

    @Override
    public List<Backend> backends() {
        return List.of(memberSnapshot);
    }

    @Override
    public Optional<Backend> backend(String id) {
        requireNonNull(id, "id");
        for (BackendHandle h : memberSnapshot) {
            if (h.id().equals(id)) {
                return Optional.of(h);
            }
        }
        return Optional.empty();
    }

    /** The transport attachment a backend was added with, or null. */
    public static Object attachment(Backend backend) {
        return ((BackendHandle) backend).attachment;
    }

    /**
     * Whether each backend event gets a log line (on by default): off for a load balancer whose events only its
     * listeners need, such as the server's warm-up, whose throwaway backends would otherwise fill the log.
     */
    public void logEvents(boolean on) {
        events.logged(on);
    }

    @Override
    public void addListener(BackendEventListener listener) {
        events.add(listener);
    }

    @Override
    public boolean removeListener(BackendEventListener listener) {
        return events.remove(listener);
    }

    // ---------------------------------------------------------------- hot path

    @Override
    public Lease acquire(RequestContext request, Attempts attempts) {
        if (closed) {
            return null;
        }
        for (int i = 0; i <= REPICKS; i++) {
            Backend picked = strategy.select(request);
            if (picked == null) {
                break;
            }
            BackendHandle handle = own(picked);
            if (attempts.contains(handle) || turnedDown(handle)) {
                continue;
            }
            if (tryLease(handle, attempts)) {
                return handle;
            }
        }
        // The strategy keeps returning tried (or ramping) backends: take the first eligible one not tried yet, one at
        // full share first.
        BackendHandle[] eligible = eligibleSnapshot;
        for (BackendHandle handle : eligible) {
            if (handle.acceptPermille == SlowStart.FULL && !attempts.contains(handle) && tryLease(handle, attempts)) {
                return handle;
            }
        }
        for (BackendHandle handle : eligible) {
            if (handle.acceptPermille != SlowStart.FULL && !attempts.contains(handle) && tryLease(handle, attempts)) {
                return handle;
            }
        }
        return lastResort(attempts);
    }

    /**
     * Nothing eligible: the first down or ejected backend not tried yet, past its breaker, like nginx trying servers
     * marked down when all are. Empty (one volatile read) while any backend is eligible.
     */
    private Lease lastResort(Attempts attempts) {
        for (BackendHandle handle : lastResortSnapshot) {
            if (attempts.contains(handle)) {
                continue;
            }
            handle.incrementInFlight();
            BackendState now = handle.state; // ordered after the increment, as in tryLease
            if (now == BackendState.DOWN || now == BackendState.EJECTED) {
                return handle.lastResortLease;
            }
            handle.decrementInFlight();
            if (now == BackendState.UP && tryLease(handle, attempts)) { // back since the snapshot was taken
                return handle;
            }
        }
        return null;
    }

    /**
     * Slow start for strategies that do not follow weights: a pick of a ramping backend is taken with probability
     * {@code share} and otherwise picked again. One volatile read for a backend at full share.
     */
    private static boolean turnedDown(BackendHandle handle) {
        int accept = handle.acceptPermille;
        return accept < SlowStart.FULL && ThreadLocalRandom.current().nextInt(SlowStart.FULL) >= accept;
    }

    private boolean tryLease(BackendHandle handle, Attempts attempts) {
        handle.incrementInFlight();
        if (!handle.admitting) { // removed or taken down after the strategy's snapshot was read
            handle.decrementInFlight();
            attempts.record(handle, handle.state.name().toLowerCase(java.util.Locale.ROOT));
            return false;
        }
        if (!handle.breaker.tryAcquirePermission()) {
            handle.decrementInFlight();
            handle.checkBreakerState();
            attempts.record(handle, "circuit breaker open");
            return false;
        }
        if (!handle.served) {
            handle.served = true;
        }
        return true;
    }

    private BackendHandle own(Backend picked) {
        if (picked instanceof BackendHandle && ((BackendHandle) picked).owner == this) {
            return (BackendHandle) picked;
        }
        throw new IllegalStateException("strategy " + strategy + " returned " + picked
                + " (expected: one of the backends passed to its update method)");
    }

    private BackendHandle handleOf(Backend backend) {
        requireNonNull(backend, "backend");
        if (backend instanceof BackendHandle && ((BackendHandle) backend).owner == this) {
            return (BackendHandle) backend;
        }
        throw new IllegalArgumentException(
                "backend: " + backend.id() + " (expected: a backend of load balancer '" + name + "')");
    }

    @Override
    public NoBackendAvailableException noBackend(Attempts attempts) {
        if (closed) {
            return new NoBackendAvailableException(attempts.toList(), "gateway '" + name + "' is closed");
        }
        return new NoBackendAvailableException(attempts.toList(), rotation.whyNoBackend());
    }

    @Override
    public boolean tryAcquireRetry() {
        return retryBudget.tryAcquire();
    }

    @Override
    public void releaseRetry() {
        retryBudget.release();
    }

    private int requestsInFlight() {
        int sum = 0;
        for (BackendHandle h : memberSnapshot) {
            sum += h.inFlight();
        }
        return sum;
    }

    // ---------------------------------------------------------------- lifecycle and control-thread plumbing

    public boolean isClosed() {
        return closed;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        control.shutdown();
    }

    <T> T onControl(Callable<T> task) {
        if (closed) {
            throw new GatewayClosedException(name);
        }
        return onControlAllowClosed(task);
    }

    private <T> T onControlAllowClosed(Callable<T> task) {
        return control.call(task);
    }

    void postToControl(Runnable task) {
        if (!closed) {
            control.post(task);
        }
    }

    @Override
    public String toString() {
        return "LoadBalancer{" + name + ", strategy=" + config.strategy() + ", backends=" + List.of(memberSnapshot)
                + '}';
    }
}
