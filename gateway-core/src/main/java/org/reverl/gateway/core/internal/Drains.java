package org.reverl.gateway.core.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Waits for a {@link DefaultLoadBalancer}'s draining members to go idle: completes the stages of {@code drain}, and
 * removes the members drained for removal ({@code drainAndRemove}, a reconcile that no longer lists them). Idleness is
 * checked when a drain starts and then every 10 ms on the control loop's timer while any drain is pending.
 *
 * <p>Control thread only.
 */
final class Drains {

    private static final long CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    private final DefaultLoadBalancer lb;
    private ControlLoop.Timer timer;

    Drains(DefaultLoadBalancer lb) {
        this.lb = lb;
    }

    /** Completes the drains of idle members and removes those drained for removal; checks again later if any is busy. */
    void check() {
        boolean pending = false;
        for (BackendHandle h : List.copyOf(lb.members.values())) {
            if (!h.drains.isEmpty() || h.removing) {
                if (h.inFlight() == 0) {
                    completeDrains(h);
                    if (h.removing) {
                        lb.changes.removeMember(h, "drained");
                    }
                } else {
                    pending = true;
                }
            }
        }
        if (pending && timer == null) {
            timer = lb.control.schedule(this::tick, CHECK_NANOS);
        }
    }

    private void tick() {
        timer = null;
        check();
    }

    /** Completes every stage waiting for {@code handle}'s drain. */
    static void completeDrains(BackendHandle handle) {
        for (CompletableFuture<Void> f : handle.drains) {
            f.complete(null);
        }
        handle.drains.clear();
    }

    /** Completes every stage waiting for {@code handle}'s drain-then-remove: {@code true} if it was removed. */
    static void completeRemovals(BackendHandle handle, boolean removed) {
        List<CompletableFuture<Boolean>> waiting = new ArrayList<>(handle.removals);
        handle.removals.clear();
        for (CompletableFuture<Boolean> f : waiting) {
            f.complete(removed);
        }
    }
}
