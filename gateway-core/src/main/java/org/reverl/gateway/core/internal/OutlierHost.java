package org.reverl.gateway.core.internal;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.reverl.gateway.api.BackendState;
import org.reverl.gateway.core.OutlierConfig;

/**
 * What an outlier ejection does to a {@link DefaultLoadBalancer}'s members: the health becomes {@code EJECTED} (one
 * event and log line, {@code backend b1 is ejected: 5 consecutive 5xx ...}), the eligible set is recomputed, and the
 * return is {@code RESTORED}. A member in trial is eligible while still ejected (see {@code normallyAdmits}).
 *
 * <p>Control thread only.
 */
final class OutlierHost implements OutlierDetector.Host {

    private final DefaultLoadBalancer lb;

    private OutlierHost(DefaultLoadBalancer lb) {
        this.lb = lb;
    }

    /**
     * The outlier detector of {@code lb}, with {@code config} ({@code null} for off): its tasks and timers run on the
     * load balancer's control thread, its time is the load balancer's clock.
     */
    static OutlierDetector detector(DefaultLoadBalancer lb, OutlierConfig config) {
        return new OutlierDetector(
                config,
                () -> TimeUnit.MILLISECONDS.toNanos(lb.clock.millis()),
                (task, delayNanos) -> {
                    try {
                        ScheduledFuture<?> f = lb.control.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
                        return () -> f.cancel(false);
                    } catch (RejectedExecutionException closing) {
                        return () -> {};
                    }
                },
                lb::postToControl,
                new OutlierHost(lb));
    }

    @Override
    public List<OutlierStats> members() {
        List<OutlierStats> stats = new ArrayList<>(lb.members.size());
        for (BackendHandle h : lb.members.values()) {
            stats.add(h.outlier);
        }
        return stats;
    }

    @Override
    public boolean isMember(OutlierStats stats) {
        return member(stats) != null;
    }

    private BackendHandle member(OutlierStats stats) {
        BackendHandle h = lb.members.get(stats.id);
        return h != null && h.outlier == stats ? h : null;
    }

    @Override
    public boolean eject(OutlierStats stats, String reason) {
        BackendHandle h = member(stats);
        if (h == null || h.health != BackendState.UP || h.terminated) {
            return false;
        }
        lb.setHealth(h, BackendState.EJECTED, reason);
        return true;
    }

    @Override
    public void ejectAgain(OutlierStats stats, String reason) {
        BackendHandle h = member(stats);
        if (h != null) {
            lb.refresh();
            DefaultLoadBalancer.log.warn("backend {} is ejected again: {}", h.id(), reason);
        }
    }

    @Override
    public void admitTrial(OutlierStats stats) {
        if (member(stats) != null) {
            lb.refresh();
        }
    }

    @Override
    public void restore(OutlierStats stats, String reason) {
        BackendHandle h = member(stats);
        if (h == null) {
            return;
        }
        if (h.health == BackendState.EJECTED && h.breaker.getState() == CircuitBreaker.State.CLOSED) {
            lb.setHealth(h, BackendState.UP, reason); // an open breaker keeps it out until its own trial calls pass
        } else {
            lb.refresh();
        }
    }
}
