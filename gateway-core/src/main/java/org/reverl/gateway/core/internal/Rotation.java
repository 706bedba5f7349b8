package org.reverl.gateway.core.internal;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.util.ArrayList;
import java.util.List;
import org.reverl.gateway.api.Backend;
import org.reverl.gateway.api.BackendState;

/**
 * Decides which members of a {@link DefaultLoadBalancer} take new requests (health and admin state, breaker trial
 * calls, panic mode) and publishes the result: to the strategy, and as the load balancer's member, eligible and
 * last-resort snapshots that the hot path reads.
 *
 * <p>Control thread only, apart from {@link #inPanic}.
 */
final class Rotation {

    static final BackendHandle[] NO_HANDLES = new BackendHandle[0];

    private final DefaultLoadBalancer lb;
    /** Control thread writes. */
    private volatile boolean panic;

    Rotation(DefaultLoadBalancer lb) {
        this.lb = lb;
    }

    /** Recomputes who admits new requests (normal eligibility, half-open trials, panic mode) and republishes. */
    void refresh() {
        int candidates = 0;
        int healthy = 0;
        for (BackendHandle h : lb.members.values()) {
            if (h.health.enabled()) {
                candidates++;
                if (normallyAdmits(h)) {
                    healthy++;
                }
            }
        }
        int threshold = lb.config.panicThresholdPercent();
        boolean panicNow = threshold > 0 && candidates > 0 && healthy * 100L < (long) threshold * candidates;
        if (panicNow != panic) {
            panic = panicNow;
            if (panicNow) {
                DefaultLoadBalancer.log.warn(
                        "load balancer '{}' panics: {} of {} backends eligible (threshold {}%): spreading over all {}",
                        lb.name, healthy, candidates, threshold, candidates);
            } else {
                DefaultLoadBalancer.log.info(
                        "load balancer '{}' leaves panic: {} of {} backends eligible", lb.name, healthy, candidates);
            }
        }
        for (BackendHandle h : lb.members.values()) {
            h.admitting = normallyAdmits(h) || (panicNow && h.health.enabled());
        }
        lb.slowStart.eligibilityChanged();
        republish();
    }

    private static boolean normallyAdmits(BackendHandle h) {
        return h.health.admits(
                h.breaker.getState() == CircuitBreaker.State.HALF_OPEN, h.outlier.mode == OutlierStats.TRIAL);
    }

    /** Whether panic mode is on: too few backends eligible, so all are offered. */
    boolean inPanic() {
        return panic;
    }

    /** Recomputes the member and eligible snapshots and hands the eligible set to the strategy. */
    void republish() {
        BackendHandle[] all = lb.members.values().toArray(NO_HANDLES);
        List<Backend> eligible = new ArrayList<>(all.length);
        for (BackendHandle h : all) {
            if (h.admitting) {
                eligible.add(h);
            }
        }
        lb.memberSnapshot = all;
        lb.eligibleSnapshot = eligible.toArray(NO_HANDLES);
        lb.strategy.update(List.copyOf(eligible));
        publishLastResort();
    }

    /**
     * While nothing is eligible, the backends a request may still try as a last resort: enabled, not terminated, down
     * or ejected; those with a probe passed on their way back first, then in member order.
     */
    void publishLastResort() {
        if (lb.eligibleSnapshot.length > 0) {
            lb.lastResortSnapshot = NO_HANDLES;
            return;
        }
        List<BackendHandle> returning = new ArrayList<>();
        List<BackendHandle> others = new ArrayList<>();
        for (BackendHandle h : lb.members.values()) {
            BackendHealth health = h.health;
            if (health.enabled() && health.health() != BackendState.UP) {
                (health.health() == BackendState.DOWN && health.probeSuccesses() > 0 ? returning : others).add(h);
            }
        }
        returning.addAll(others);
        lb.lastResortSnapshot = returning.toArray(NO_HANDLES);
    }

    /** Why a request found no backend, from the published snapshots (any thread). */
    String whyNoBackend() {
        BackendHandle[] all = lb.memberSnapshot;
        int eligible = lb.eligibleSnapshot.length;
        if (all.length == 0) {
            return "gateway '" + lb.name + "' has no backends";
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
            return sb.append(')').toString();
        } else {
            return "every eligible backend was tried";
        }
    }
}
