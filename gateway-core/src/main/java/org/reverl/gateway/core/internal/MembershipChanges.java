package org.reverl.gateway.core.internal;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.reverl.gateway.api.Backend;
import org.reverl.gateway.api.BackendEvent;
import org.reverl.gateway.api.BackendSpec;
import org.reverl.gateway.api.BackendState;
import org.reverl.gateway.core.Membership;

/**
 * The membership changes of a {@link DefaultLoadBalancer} that take more than one step: reconcile a source's desired
 * set, upsert one backend, change a weight in place, replace an address new-before-old, and cancel a removal when a
 * backend is listed again. Each public entry point is one task on the load balancer's control thread; everything else
 * here runs inside such a task.
 *
 * <p>Not thread-safe by itself: only the control thread touches the members.
 */
final class MembershipChanges {

    private final DefaultLoadBalancer lb;

    MembershipChanges(DefaultLoadBalancer lb) {
        this.lb = lb;
    }

    Membership.MembershipResult reconcile(String source, java.util.Collection<BackendSpec> desired) {
        Membership.checkSource(source);
        List<BackendSpec> wanted = List.copyOf(desired);
        Map<String, Boolean> probed = new LinkedHashMap<>();
        for (BackendSpec spec : wanted) {
            if (probed.put(spec.id(), lb.probes(spec)) != null) {
                throw new IllegalArgumentException(org.reverl.gateway.api.Checks.message(
                        "desired backends", "id '" + spec.id() + "' twice", "unique ids"));
            }
        }
        return lb.onControl(() -> {
            List<String> changes = new ArrayList<>();
            for (BackendSpec spec : wanted) {
                upsertMember(source, spec, true, probed.get(spec.id()), changes);
            }
            for (BackendHandle h : List.copyOf(lb.members.values())) {
                if (source.equals(h.source) && !probed.containsKey(h.id()) && !h.removing) {
                    lb.cancelReplacement(h.id());
                    lb.startRemoval(h);
                    changes.add("draining backend " + h.id() + ", removed once idle");
                }
            }
            return new Membership.MembershipResult(changes);
        });
    }

    Backend upsert(String source, BackendSpec spec) {
        Membership.checkSource(source);
        requireNonNull(spec, "spec");
        boolean probed = lb.probes(spec);
        return lb.onControl(() -> {
            upsertMember(source, spec, false, probed, new ArrayList<>());
            return lb.members.get(spec.id());
        });
    }

    Backend setWeight(String id, int weight) {
        requireNonNull(id, "id");
        return lb.onControl(() -> {
            BackendHandle handle = lb.member(id);
            BackendSpec next = handle.spec.withWeight(weight);
            if (next != handle.spec) {
                update(handle, next);
            }
            return handle;
        });
    }

    /** Control thread: adds, updates in place, or replaces the member with {@code spec}'s id. */
    private void upsertMember(String source, BackendSpec spec, boolean takeOver, boolean probed, List<String> changes) {
        BackendHandle h = lb.members.get(spec.id());
        if (h == null) {
            lb.admit(lb.newHandle(spec, null, source, probed));
            changes.add("added backend " + spec.id() + " (" + lb.describe(spec) + ")");
            return;
        }
        if (takeOver) {
            h.source = source;
        }
        if (h.removing) {
            cancelRemoval(h, "listed again, drain cancelled");
            changes.add("kept backend " + spec.id() + ": listed again, its drain is cancelled");
        }
        BackendHandle pending = lb.replacements.get(spec.id());
        if (sameLocation(h.spec, spec)) {
            if (pending != null) {
                lb.cancelReplacement(spec.id());
                changes.add("cancelled the replacement of backend " + spec.id() + ": its address is the old one again");
            }
            if (!h.spec.equals(spec)) {
                changes.add("updated backend " + spec.id() + " (" + update(h, spec) + ")");
            }
        } else if (pending != null && sameLocation(pending.spec, spec)) {
            pending.spec = spec; // still waiting for its first probe
        } else {
            changes.add(replace(h, spec, probed));
        }
    }

    private static boolean sameLocation(BackendSpec a, BackendSpec b) {
        return a.address().equals(b.address()) && java.util.Objects.equals(a.healthAddress(), b.healthAddress());
    }

    /** Control thread: weight and tags changed in place; health, breaker, leases and counters stay. */
    private String update(BackendHandle h, BackendSpec spec) {
        BackendSpec before = h.spec;
        h.spec = spec;
        lb.slowStart.weightChanged(h);
        List<String> what = new ArrayList<>();
        if (before.weight() != spec.weight()) {
            what.add("weight " + before.weight() + " -> " + spec.weight());
        }
        if (!before.tags().equals(spec.tags())) {
            what.add("tags " + before.tags() + " -> " + spec.tags());
        }
        String detail = String.join(", ", what);
        lb.republish(); // the strategy sees the new weight
        lb.emit(BackendEvent.Type.UPDATED, h, detail);
        return detail;
    }

    /**
     * Control thread: a new address for a member's id, new before old: when the new backend starts up it takes the old
     * one's place at once; when it starts down (awaiting its first probe) the old one serves until it comes up.
     */
    private String replace(BackendHandle old, BackendSpec spec, boolean probed) {
        lb.cancelReplacement(spec.id());
        BackendHandle next = lb.newHandle(spec, null, old.source, probed);
        next.health.inheritAdmin(old.health);
        next.state = next.health.visible();
        String what = "replaced backend " + spec.id() + " (" + lb.describe(old.spec) + " -> " + lb.describe(spec) + ")";
        if (next.health.health() == BackendState.UP) {
            swap(old, next);
            return what;
        }
        lb.replacements.put(spec.id(), next);
        lb.scheduleProbe(next, 0);
        DefaultLoadBalancer.log.info(
                "backend {}: probing {} before it replaces {}", spec.id(), spec.address(), old.address());
        return what + "; the old address serves until the new one's first probe passes";
    }

    /**
     * Control thread: {@code next} takes {@code old}'s place (and position). The new set is published before {@code old}
     * stops admitting, so a request that finds {@code old} closed picks again from a set that has {@code next}.
     */
    void swap(BackendHandle old, BackendHandle next) {
        lb.replacements.remove(next.id(), next);
        lb.members.put(next.id(), next);
        lb.slowStart.start(next);
        lb.refresh();
        lb.retire(old);
        lb.emit(BackendEvent.Type.REMOVED, old, "replaced by " + next.address());
        lb.completeRemovals(old, false);
        lb.completeDrains(old);
        lb.emit(BackendEvent.Type.ADDED, next, lb.describe(next.spec));
        if (next.probed && next.probeTimer == null) {
            lb.scheduleProbe(next, 0);
        }
    }

    /** Control thread: a member draining for removal is wanted again: it serves again. */
    private void cancelRemoval(BackendHandle handle, String reason) {
        handle.removing = false;
        lb.completeRemovals(handle, false);
        if (handle.health.admin() == BackendState.DRAINING) {
            lb.completeDrains(handle);
            lb.health.setAdmin(handle, null, reason);
        }
    }
}
