package org.reverl.gateway.core.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
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
                lb.control::nanoTime,
                (task, delayNanos) -> {
                    try {
                        ControlLoop.Timer t = lb.control.schedule(task, delayNanos);
                        return t::cancel;
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
        return h != null && lb.health.ejectOutlier(h, reason);
    }

    @Override
    public void ejectAgain(OutlierStats stats, String reason) {
        BackendHandle h = member(stats);
        if (h != null) {
            lb.rotation.refresh();
            DefaultLoadBalancer.log.warn("backend {} is ejected again: {}", h.id(), reason);
        }
    }

    @Override
    public void admitTrial(OutlierStats stats) {
        if (member(stats) != null) {
            lb.rotation.refresh();
        }
    }

    @Override
    public void restore(OutlierStats stats, String reason) {
        BackendHandle h = member(stats);
        if (h != null) {
            lb.health.outlierRestored(h, reason); // an open breaker keeps it out until its own trial calls pass
            lb.rotation.refresh();
        }
    }
}
