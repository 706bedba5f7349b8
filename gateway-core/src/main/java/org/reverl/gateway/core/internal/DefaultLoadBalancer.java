package org.reverl.gateway.core.internal;

import static java.util.Objects.requireNonNull;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.circuitbreaker.event.CircuitBreakerOnStateTransitionEvent;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.reverl.gateway.api.Attempts;
import org.reverl.gateway.api.Backend;
import org.reverl.gateway.api.BackendEvent;
import org.reverl.gateway.api.BackendEventListener;
import org.reverl.gateway.api.BackendSpec;
import org.reverl.gateway.api.BackendState;
import org.reverl.gateway.api.GatewayClosedException;
import org.reverl.gateway.api.Lease;
import org.reverl.gateway.api.LoadBalancer;
import org.reverl.gateway.api.NoBackendAvailableException;
import org.reverl.gateway.api.RequestContext;
import org.reverl.gateway.api.SelectionStrategy;
import org.reverl.gateway.core.GatewayConfig;
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
 * request), and takes one breaker permission. Nothing is allocated unless a pick is refused.
 */
public final class DefaultLoadBalancer implements LoadBalancer {

    private static final Logger log = LoggerFactory.getLogger("org.reverl.gateway");

    /** Extra picks asked of the strategy when its pick was tried already, before scanning the eligible set. */
    private static final int REPICKS = 3;

    private static final BackendHandle[] NO_HANDLES = new BackendHandle[0];

    private final String name;
    private final GatewayConfig config;
    private final SelectionStrategy strategy;
    private final CircuitBreakerRegistry breakers;
    private final ScheduledThreadPoolExecutor control;
    private final Thread controlThread;
    private final Clock clock;
    private final RetryBudget retryBudget;
    private final CopyOnWriteArrayList<BackendEventListener> listeners = new CopyOnWriteArrayList<>();

    /** Control thread only. */
    private final Map<String, BackendHandle> members = new LinkedHashMap<>();
    /** Control thread only: pending OPEN -> HALF_OPEN transitions. */
    private final Map<BackendHandle, ScheduledFuture<?>> halfOpenTimers = new LinkedHashMap<>();

    private volatile BackendHandle[] memberSnapshot = NO_HANDLES;
    private volatile BackendHandle[] eligibleSnapshot = NO_HANDLES;
    private volatile boolean closed;

    public DefaultLoadBalancer(GatewayConfig config, SelectionStrategy strategy, Clock clock) {
        this.config = requireNonNull(config, "config");
        this.name = config.name();
        this.strategy = requireNonNull(strategy, "strategy");
        this.clock = requireNonNull(clock, "clock");
        this.breakers = CircuitBreakerRegistry.of(breakerConfig(config));
        this.retryBudget =
                new RetryBudget(config.retryBudgetPercent(), config.minRetryConcurrency(), this::requestsInFlight);
        Thread[] holder = new Thread[1];
        this.control = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "reverl-" + name + "-control");
            t.setDaemon(true);
            holder[0] = t;
            return t;
        });
        control.setRemoveOnCancelPolicy(true);
        control.prestartCoreThread();
        this.controlThread = requireNonNull(holder[0], "control thread");
        strategy.update(List.of());
    }

    private static CircuitBreakerConfig breakerConfig(GatewayConfig c) {
        return CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(c.breakerSlidingWindowSize())
                .minimumNumberOfCalls(c.breakerMinimumNumberOfCalls())
                .failureRateThreshold(c.breakerFailureRateThreshold())
                .waitDurationInOpenState(c.breakerWaitDurationInOpenState())
                .permittedNumberOfCallsInHalfOpenState(c.breakerPermittedCallsInHalfOpenState())
                // the control thread moves OPEN to HALF_OPEN itself: an ejected backend gets no calls that could do it
                .automaticTransitionFromOpenToHalfOpenEnabled(false)
                // refusals happen per request: no stack traces
                .writableStackTraceEnabled(false)
                .build();
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
        requireNonNull(spec, "spec");
        return onControl(() -> {
            BackendHandle existing = members.get(spec.id());
            if (existing != null) {
                throw new IllegalArgumentException("backend '" + spec.id() + "': already a member (expected: a new id;"
                        + " members: " + members.keySet() + ")");
            }
            CircuitBreaker breaker = breakers.circuitBreaker(spec.id());
            BackendHandle handle = new BackendHandle(this, spec, breaker, attachment);
            breaker.getEventPublisher().onStateTransition(e -> postToControl(() -> onBreakerTransition(handle, e)));
            members.put(spec.id(), handle);
            handle.state = BackendState.UP;
            handle.admitting = true;
            republish();
            emit(BackendEvent.Type.ADDED, handle, spec.address() + ", weight " + spec.weight());
            return handle;
        });
    }

    @Override
    public boolean remove(String id) {
        requireNonNull(id, "id");
        return onControl(() -> {
            BackendHandle handle = members.remove(id);
            if (handle == null) {
                return false;
            }
            handle.admitting = false;
            handle.state = BackendState.REMOVED;
            cancelHalfOpenTimer(handle);
            republish();
            // evicted with its backend; leases in flight keep their own reference and complete normally
            breakers.remove(id);
            emit(BackendEvent.Type.REMOVED, handle, "");
            return true;
        });
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
            if (members.get(handle.id()) != handle || handle.state == BackendState.DOWN) {
                return null;
            }
            cancelHalfOpenTimer(handle);
            transition(handle, BackendState.DOWN, BackendEvent.Type.DOWN, reason);
            return null;
        });
    }

    /** A lease failed because the backend as a whole is gone (connection refused, stopped): eject it at once. */
    void backendFailedHard(BackendHandle handle, String reason) {
        postToControl(() -> {
            if (members.get(handle.id()) != handle) {
                return;
            }
            CircuitBreaker.State s = handle.breaker.getState();
            if (s == CircuitBreaker.State.CLOSED || s == CircuitBreaker.State.HALF_OPEN) {
                handle.pendingReason = reason;
                try {
                    handle.breaker.transitionToOpenState();
                } catch (RuntimeException raced) {
                    // the breaker opened by itself meanwhile: its own transition event follows
                }
            }
        });
    }

    private void onBreakerTransition(BackendHandle handle, CircuitBreakerOnStateTransitionEvent event) {
        if (members.get(handle.id()) != handle) {
            return; // removed meanwhile
        }
        CircuitBreaker.State to = event.getStateTransition().getToState();
        BackendState state = handle.state;
        switch (to) {
            case OPEN:
            case FORCED_OPEN:
                scheduleHalfOpen(handle);
                if (state == BackendState.UP) {
                    String reason = handle.pendingReason != null ? handle.pendingReason : breakerReason(handle);
                    handle.pendingReason = null;
                    transition(handle, BackendState.EJECTED, BackendEvent.Type.EJECTED, reason);
                } else if (state == BackendState.EJECTED && handle.admitting) {
                    handle.admitting = false; // a trial call failed: out again until the next wait elapses
                    republish();
                    log.debug("backend {}: trial calls failed, circuit breaker open again", handle.id());
                }
                break;
            case HALF_OPEN:
                if (state == BackendState.EJECTED && !handle.admitting) {
                    handle.admitting = true;
                    republish();
                    log.debug("backend {}: circuit breaker half-open, admitting trial calls", handle.id());
                }
                break;
            case CLOSED:
                if (state == BackendState.EJECTED) {
                    transition(handle, BackendState.UP, BackendEvent.Type.RESTORED, "trial calls succeeded");
                }
                break;
            default:
                break;
        }
    }

    private String breakerReason(BackendHandle handle) {
        CircuitBreaker.Metrics m = handle.breaker.getMetrics();
        return String.format(
                "circuit breaker open: failure rate %.0f%% over %d calls",
                m.getFailureRate(), m.getNumberOfBufferedCalls());
    }

    private void scheduleHalfOpen(BackendHandle handle) {
        cancelHalfOpenTimer(handle);
        long waitNanos = config.breakerWaitDurationInOpenState().toNanos();
        ScheduledFuture<?> timer = control.schedule(
                () -> {
                    halfOpenTimers.remove(handle);
                    if (members.get(handle.id()) == handle && handle.breaker.getState() == CircuitBreaker.State.OPEN) {
                        handle.breaker.transitionToHalfOpenState();
                    }
                },
                waitNanos,
                TimeUnit.NANOSECONDS);
        halfOpenTimers.put(handle, timer);
    }

    private void cancelHalfOpenTimer(BackendHandle handle) {
        ScheduledFuture<?> timer = halfOpenTimers.remove(handle);
        if (timer != null) {
            timer.cancel(false);
        }
    }

    /** Control thread: moves a member to {@code state}, republishes if eligibility changed, emits one event. */
    private void transition(BackendHandle handle, BackendState state, BackendEvent.Type type, String reason) {
        handle.state = state;
        boolean admit = state.isEligible();
        if (handle.admitting != admit) {
            handle.admitting = admit;
            republish();
        }
        emit(type, handle, reason);
    }

    /** Control thread: recomputes the member and eligible snapshots and hands the eligible set to the strategy. */
    private void republish() {
        BackendHandle[] all = members.values().toArray(NO_HANDLES);
        List<Backend> eligible = new ArrayList<>(all.length);
        for (BackendHandle h : all) {
            if (h.admitting) {
                eligible.add(h);
            }
        }
        memberSnapshot = all;
        eligibleSnapshot = eligible.toArray(NO_HANDLES);
        strategy.update(List.copyOf(eligible));
    }

    private void emit(BackendEvent.Type type, BackendHandle handle, String reason) {
        BackendEvent event = new BackendEvent(type, handle.id(), handle.state, reason, clock.instant());
        switch (type) {
            case DOWN:
            case EJECTED:
                log.warn("{}", event.describe());
                break;
            default:
                log.info("{}", event.describe());
        }
        for (BackendEventListener listener : listeners) {
            try {
                listener.onEvent(event);
            } catch (RuntimeException e) {
                log.warn("backend event listener {} failed on '{}'", listener, event.describe(), e);
            }
        }
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

    @Override
    public void addListener(BackendEventListener listener) {
        listeners.add(requireNonNull(listener, "listener"));
    }

    @Override
    public boolean removeListener(BackendEventListener listener) {
        return listeners.remove(listener);
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
            if (attempts.contains(handle)) {
                continue;
            }
            if (tryLease(handle, attempts)) {
                return handle;
            }
        }
        // The strategy keeps returning tried backends: take the first eligible one not tried yet.
        for (BackendHandle handle : eligibleSnapshot) {
            if (!attempts.contains(handle) && tryLease(handle, attempts)) {
                return handle;
            }
        }
        return null;
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
            attempts.record(handle, "circuit breaker open");
            return false;
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
        BackendHandle[] all = memberSnapshot;
        int eligible = eligibleSnapshot.length;
        String why;
        if (all.length == 0) {
            why = "gateway '" + name + "' has no backends";
        } else if (eligible == 0) {
            StringBuilder sb = new StringBuilder("no eligible backend among ")
                    .append(all.length)
                    .append(" (");
            for (int i = 0; i < all.length; i++) {
                sb.append(i > 0 ? ", " : "")
                        .append(all[i].id())
                        .append(' ')
                        .append(all[i].state.name().toLowerCase(java.util.Locale.ROOT));
            }
            why = sb.append(')').toString();
        } else {
            why = "every eligible backend was tried";
        }
        return new NoBackendAvailableException(attempts.toList(), why);
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
        control.shutdownNow();
    }

    private <T> T onControl(Callable<T> task) {
        if (closed) {
            throw new GatewayClosedException(name);
        }
        return onControlAllowClosed(task);
    }

    private <T> T onControlAllowClosed(Callable<T> task) {
        if (Thread.currentThread() == controlThread) {
            return callInline(task);
        }
        Future<T> future;
        try {
            future = control.submit(task);
        } catch (RejectedExecutionException e) {
            throw new GatewayClosedException(name);
        }
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return future.get();
                } catch (InterruptedException e) {
                    interrupted = true; // the change is under way; finish waiting for it, keep the interrupt
                }
            }
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException) {
                throw (RuntimeException) cause;
            }
            if (cause instanceof Error) {
                throw (Error) cause;
            }
            throw new IllegalStateException(cause);
        } catch (java.util.concurrent.CancellationException e) {
            throw new GatewayClosedException(name);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static <T> T callInline(Callable<T> task) {
        try {
            return task.call();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private void postToControl(Runnable task) {
        if (closed) {
            return;
        }
        try {
            control.execute(() -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    log.error("load balancer '{}': control task failed", name, e);
                }
            });
        } catch (RejectedExecutionException e) {
            // closing
        }
    }

    @Override
    public String toString() {
        return "LoadBalancer{" + name + ", strategy=" + config.strategy() + ", backends=" + List.of(memberSnapshot)
                + '}';
    }
}
