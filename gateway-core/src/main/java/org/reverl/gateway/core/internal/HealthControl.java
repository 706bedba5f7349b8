package org.reverl.gateway.core.internal;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.util.HashMap;
import java.util.Map;
import org.reverl.gateway.api.BackendState;
import org.reverl.gateway.api.ProbeResult;
import org.reverl.gateway.core.GatewayConfig;
import org.reverl.gateway.core.HealthCheckConfig;

/**
 * Feeds each backend's {@link BackendHealth} its events on a {@link DefaultLoadBalancer}'s control thread and carries
 * out what the answers ask: publish the state, emit the event, start or stop slow start, swap in a replacement, and
 * keep the timers (a breaker's wait before half-open, a timed ejection's end) on the control loop's ticker. It also
 * keeps the control thread in step with each backend's circuit breaker, which request threads move.
 *
 * <p>Control thread only, apart from the two entry points request threads call ({@link #breakerMayHaveChanged},
 * {@link #failedHard}), which post to it.
 */
final class HealthControl {

    private final DefaultLoadBalancer lb;
    /** Pending OPEN -> HALF_OPEN transitions. */
    private final Map<BackendHandle, ControlLoop.Timer> halfOpenTimers = new HashMap<>();
    /** Pending ends of timed ejections. */
    private final Map<BackendHandle, ControlLoop.Timer> ejectionTimers = new HashMap<>();

    HealthControl(DefaultLoadBalancer lb) {
        this.lb = lb;
    }

    /** Each backend's breaker settings, from the load balancer's. */
    static CircuitBreakerConfig breakerConfig(GatewayConfig c) {
        return CircuitBreakerConfig.custom()
                // Chosen by measurement (benchmarks: BreakerBenchmark, resilience4j 2.4.0): COUNT_BASED SYNCHRONIZED
                // records a call in about 16 ns with 0 B; LOCK_FREE allocates about 200 B per call and is 3x slower;
                // TIME_BASED is 3x slower; the window size (20 or 100) makes no difference.
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSynchronizationStrategy(
                        CircuitBreakerConfig.SlidingWindowSynchronizationStrategy.SYNCHRONIZED)
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

    // ---------------------------------------------------------------- events

    /** A probe's outcome for {@code handle} (a member or a replacement waiting for its probe). */
    void probed(BackendHandle handle, ProbeResult result) {
        HealthCheckConfig hc = lb.config.healthCheck();
        BackendHealth.Change change = handle.health.probed(result.alive(), result.reason(), hc.rise(), hc.fall());
        if (change.cameUp()) {
            handle.resetBreaker(); // a backend back from down starts with a clean record
            syncBreakerState(handle);
        }
        apply(handle, change);
        if (result.alive() && handle.health.ejectedAsGone()) {
            // ejected for refusing connections, and reached again (restarted before its probes found it down): its
            // trial calls decide now, not at the end of the breaker's wait, as a passing active check un-ejects a
            // host in Envoy
            trialCallsNow(handle);
        }
    }

    /** Ejects a member for {@code durationNanos}; see {@link BackendHealth#eject}. */
    void eject(BackendHandle handle, long durationNanos, String reason) {
        if (isMember(handle)) {
            apply(handle, handle.health.eject(lb.control.nanoTime(), durationNanos, reason));
        }
    }

    /** Ends a member's ejection now, whatever its cause, with a fresh breaker record. */
    void restore(BackendHandle handle, String reason) {
        if (!isMember(handle)) {
            return;
        }
        BackendHealth.Change change = handle.health.restore(reason);
        if (change.cameUp()) {
            handle.resetBreaker();
            syncBreakerState(handle);
        }
        apply(handle, change);
    }

    /** The backend terminated for good (a local backend stopped): down, probes and timers stop. */
    void terminate(BackendHandle handle, String reason) {
        handle.probeGeneration++;
        ActiveProbes.cancel(handle);
        cancelTimers(handle);
        apply(handle, handle.health.terminate(reason));
    }

    /** An admin command; see {@link BackendHealth#setAdmin}. */
    void setAdmin(BackendHandle handle, BackendState admin, String reason) {
        apply(handle, handle.health.setAdmin(admin, reason));
    }

    /** Health checking was switched off for {@code handle}. */
    void probesStopped(BackendHandle handle) {
        apply(handle, handle.health.probesStopped());
    }

    /** The breaker settings changed: {@code handle} gets a fresh breaker, and what its old one ejected comes back. */
    void replaceBreaker(BackendHandle handle) {
        cancel(halfOpenTimers.remove(handle));
        handle.breaker = CircuitBreaker.of(handle.id(), lb.breakerConfig);
        handle.breakerState = CircuitBreaker.State.CLOSED;
        apply(handle, handle.health.breakerReplaced());
    }

    /**
     * A last-resort lease on this backend succeeded: it may be back before its checks could tell. Probe a down backend
     * at once (it comes up after {@code rise} passes at the fast interval); move an ejected one's breaker to
     * half-open now, so that its trial calls decide. Neither result is taken from the lease itself. A timed ejection
     * runs its course.
     */
    void lastResortSucceeded(BackendHandle handle) {
        handle.lastResortLease.recheckStarted();
        if (!lb.isCurrent(handle) || handle.health.terminated()) {
            return;
        }
        if (handle.health.health() == BackendState.DOWN && lb.probe != null) {
            lb.probes.probeNow(handle);
        } else if (handle.health.ejection() == BackendHealth.Ejection.BREAKER) {
            trialCallsNow(handle);
        }
    }

    /** Moves the open breaker of a backend it ejected to half-open now: its trial calls decide. */
    private void trialCallsNow(BackendHandle handle) {
        if (handle.breaker.getState() == CircuitBreaker.State.OPEN) {
            cancel(halfOpenTimers.remove(handle));
            handle.breaker.transitionToHalfOpenState();
            syncBreakerState(handle);
        }
    }

    // ---------------------------------------------------------------- the breaker

    /** Request thread: a lease failed because the backend as a whole is gone (connection refused): eject it at once. */
    void failedHard(BackendHandle handle, String reason) {
        lb.postToControl(() -> {
            if (!isMember(handle)) {
                return;
            }
            CircuitBreaker.State s = handle.breaker.getState();
            if (s == CircuitBreaker.State.CLOSED || s == CircuitBreaker.State.HALF_OPEN) {
                handle.health.expectBreakerOpen(reason);
                try {
                    handle.breaker.transitionToOpenState();
                } catch (RuntimeException raced) {
                    // the breaker opened by itself meanwhile
                }
                syncBreakerState(handle);
            }
        });
    }

    /**
     * Request thread: a request saw the breaker in another state than the one the control thread last acted on: have
     * the control thread catch up. At most one such task is pending per backend.
     */
    void breakerMayHaveChanged(BackendHandle handle) {
        if (BackendHandle.SYNC_PENDING.compareAndSet(handle, 0, 1)) {
            lb.postToControl(() -> syncBreakerState(handle));
        }
    }

    /** Acts on the breaker's current state if it is not the one last acted on. */
    void syncBreakerState(BackendHandle handle) {
        handle.syncPending = 0;
        CircuitBreaker.State now = handle.breaker.getState();
        if (now == handle.breakerState) {
            return;
        }
        handle.breakerState = now;
        if (!isMember(handle)) {
            return; // removed meanwhile
        }
        switch (now) {
            case OPEN:
            case FORCED_OPEN:
                BackendHealth.Change change = handle.health.breakerOpened(breakerReason(handle));
                if (handle.health.health() == BackendState.EJECTED) {
                    scheduleHalfOpen(handle);
                }
                if (change.kind() == BackendHealth.Change.Kind.ELIGIBILITY) {
                    DefaultLoadBalancer.log.debug("backend {}: trial calls failed, circuit breaker open again", handle);
                }
                apply(handle, change);
                break;
            case HALF_OPEN:
                DefaultLoadBalancer.log.debug("backend {}: circuit breaker half-open", handle);
                apply(handle, handle.health.breakerHalfOpen());
                break;
            case CLOSED:
                apply(handle, handle.health.breakerClosed());
                break;
            default:
                break;
        }
    }

    private static String breakerReason(BackendHandle handle) {
        CircuitBreaker.Metrics m = handle.breaker.getMetrics();
        return String.format(
                java.util.Locale.ROOT,
                "circuit breaker open: failure rate %.0f%% over %d calls",
                m.getFailureRate(),
                m.getNumberOfBufferedCalls());
    }

    private void scheduleHalfOpen(BackendHandle handle) {
        cancel(halfOpenTimers.remove(handle));
        long waitNanos = lb.config.breakerWaitDurationInOpenState().toNanos();
        halfOpenTimers.put(handle, lb.control.schedule(() -> halfOpenDue(handle), waitNanos));
    }

    /** Outlier detection ejects {@code handle} (an up member); see {@link BackendHealth#ejectOutlier}. */
    boolean ejectOutlier(BackendHandle handle, String reason) {
        if (!isMember(handle)) {
            return false;
        }
        BackendHealth.Change change = handle.health.ejectOutlier(reason);
        apply(handle, change);
        return change != BackendHealth.Change.NONE;
    }

    /** Outlier detection's trial of {@code handle} passed; see {@link BackendHealth#outlierRestored}. */
    void outlierRestored(BackendHandle handle, String reason) {
        if (isMember(handle)) {
            boolean closed = handle.breaker.getState() == CircuitBreaker.State.CLOSED;
            apply(handle, handle.health.outlierRestored(reason, closed));
        }
    }

    private void halfOpenDue(BackendHandle handle) {
        halfOpenTimers.remove(handle);
        if (!isMember(handle)) {
            return;
        }
        if (handle.breaker.getState() == CircuitBreaker.State.OPEN) {
            handle.breaker.transitionToHalfOpenState();
        }
        syncBreakerState(handle); // also when a late request moved it to half-open first
    }

    private void ejectionDue(BackendHandle handle) {
        ejectionTimers.remove(handle);
        if (isMember(handle)) {
            boolean closed = handle.breaker.getState() == CircuitBreaker.State.CLOSED;
            apply(handle, handle.health.ejectionEnded(lb.control.nanoTime(), closed));
        }
    }

    // ---------------------------------------------------------------- carrying out a change

    /** Does what {@code change} of {@code handle}'s health asks. */
    void apply(BackendHandle handle, BackendHealth.Change change) {
        if (change.ejectionEndsAfterNanos() >= 0) {
            cancel(ejectionTimers.remove(handle));
            ejectionTimers.put(handle, lb.control.schedule(() -> ejectionDue(handle), change.ejectionEndsAfterNanos()));
        }
        switch (change.kind()) {
            case LAST_RESORT_ORDER:
                lb.rotation.publishLastResort(); // on its way back: offer it first
                return;
            case ELIGIBILITY:
                lb.rotation.refresh();
                return;
            case TRANSITION:
                transition(handle, change);
                return;
            default:
        }
    }

    private void transition(BackendHandle handle, BackendHealth.Change change) {
        if (change.leftEjected()) {
            cancelTimers(handle);
        }
        if (lb.replacements.get(handle.id()) == handle) {
            if (change.cameUp()) { // the new address passed its first probe: it takes the old one's place
                handle.state = handle.health.visible();
                lb.changes.swap(lb.members.get(handle.id()), handle);
            }
            return;
        }
        if (change.cameUp()) {
            lb.slowStart.start(handle);
        } else if (change.wentOut()) {
            lb.slowStart.stop(handle);
        }
        handle.state = handle.health.visible();
        lb.rotation.refresh();
        if (change.event() != null) {
            lb.events.emit(change.event(), handle, change.reason());
        } else {
            DefaultLoadBalancer.log.debug(
                    "backend {}: health {} ({}) while {}",
                    handle,
                    change.healthAfter(),
                    change.reason(),
                    change.after());
        }
    }

    /** Stops the timers acting on {@code handle} (it leaves, or is no longer ejected). */
    void cancelTimers(BackendHandle handle) {
        cancel(halfOpenTimers.remove(handle));
        cancel(ejectionTimers.remove(handle));
    }

    private boolean isMember(BackendHandle handle) {
        return lb.members.get(handle.id()) == handle;
    }

    private static void cancel(ControlLoop.Timer timer) {
        if (timer != null) {
            timer.cancel();
        }
    }
}
