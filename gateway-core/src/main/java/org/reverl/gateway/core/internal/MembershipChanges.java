package org.reverl.gateway.core.internal;

import static java.util.Objects.requireNonNull;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
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
 * The membership changes of a {@link DefaultLoadBalancer}: make and admit a member, retire and remove one, and those
 * that take more than one step: reconcile a source's desired set, upsert one backend, change a weight in place, replace
 * an address new-before-old, and cancel a removal when a backend is listed again. Each public entry point is one task on the load balancer's control thread; everything else
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
                    cancelReplacement(h.id());
                    startRemoval(h);
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

    /** Control thread: a handle not yet a member, in its initial health state. */
    BackendHandle newHandle(BackendSpec spec, Object attachment, String source, boolean probed) {
        // No event consumer on the breaker: with one, resilience4j builds an event object for every call it records
        // (about 60 ns and 120 B). The lease reports a state change instead (breakerMayHaveChanged).
        BackendHealth health =
                probed && !lb.config.healthCheck().initiallyUp() ? BackendHealth.startingDown() : new BackendHealth();
        BackendHandle handle =
                new BackendHandle(lb, spec, CircuitBreaker.of(spec.id(), lb.breakerConfig), attachment, health);
        handle.source = source;
        handle.probed = probed;
        handle.state = health.visible();
        return handle;
    }

    /** Control thread: makes a new handle a member (in place of a member with its id, if any) and starts probing it. */
    void admit(BackendHandle handle) {
        lb.members.put(handle.id(), handle);
        if (handle.health.health() == BackendState.UP) {
            lb.slowStart.start(handle);
        }
        lb.rotation.refresh();
        lb.events.emit(
                BackendEvent.Type.ADDED,
                handle,
                describe(handle.spec)
                        + (handle.health.awaitingFirstProbe() ? "; down until its first probe passes" : ""));
        if (handle.probed && handle.probeTimer == null) {
            lb.probes.schedule(handle, 0);
        }
    }

    static String describe(BackendSpec spec) {
        return spec.address() + ", weight " + spec.weight()
                + (spec.healthAddress() != null ? ", probed at " + spec.healthAddress() : "");
    }

    /** Control thread: ends a member; requests in flight on it complete normally. */
    void removeMember(BackendHandle handle, String reason) {
        lb.members.remove(handle.id());
        cancelReplacement(handle.id());
        retire(handle);
        lb.rotation.refresh();
        lb.events.emit(BackendEvent.Type.REMOVED, handle, reason);
        Drains.completeRemovals(handle, true);
        Drains.completeDrains(handle);
    }

    /** Control thread: stops everything that acts on a handle leaving (removed, replaced, or a replacement dropped). */
    void retire(BackendHandle handle) {
        handle.state = BackendState.REMOVED;
        handle.admitting = false;
        handle.removing = false;
        handle.probeGeneration++;
        ActiveProbes.cancel(handle);
        lb.health.cancelTimers(handle);
        lb.slowStart.stop(handle);
    }

    void cancelReplacement(String id) {
        BackendHandle pending = lb.replacements.remove(id);
        if (pending != null) {
            retire(pending);
        }
    }

    /** Control thread: drain, then remove once idle (see {@link Drains}), unless listed again or enabled first. */
    void startRemoval(BackendHandle handle) {
        handle.removing = true;
        lb.health.setAdmin(handle, BackendState.DRAINING, handle.inFlight() + " in flight");
        lb.drains.check();
    }

    /** Control thread: adds, updates in place, or replaces the member with {@code spec}'s id. */
    private void upsertMember(String source, BackendSpec spec, boolean takeOver, boolean probed, List<String> changes) {
        BackendHandle h = lb.members.get(spec.id());
        if (h == null) {
            admit(newHandle(spec, null, source, probed));
            changes.add("added backend " + spec.id() + " (" + describe(spec) + ")");
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
                cancelReplacement(spec.id());
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
        lb.rotation.republish(); // the strategy sees the new weight
        lb.events.emit(BackendEvent.Type.UPDATED, h, detail);
        return detail;
    }

    /**
     * Control thread: a new address for a member's id, new before old: when the new backend starts up it takes the old
     * one's place at once; when it starts down (awaiting its first probe) the old one serves until it comes up.
     */
    private String replace(BackendHandle old, BackendSpec spec, boolean probed) {
        cancelReplacement(spec.id());
        BackendHandle next = newHandle(spec, null, old.source, probed);
        next.health.inheritAdmin(old.health);
        next.state = next.health.visible();
        String what = "replaced backend " + spec.id() + " (" + describe(old.spec) + " -> " + describe(spec) + ")";
        if (next.health.health() == BackendState.UP) {
            swap(old, next);
            return what;
        }
        lb.replacements.put(spec.id(), next);
        lb.probes.schedule(next, 0);
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
        lb.rotation.refresh();
        retire(old);
        lb.events.emit(BackendEvent.Type.REMOVED, old, "replaced by " + next.address());
        Drains.completeRemovals(old, false);
        Drains.completeDrains(old);
        lb.events.emit(BackendEvent.Type.ADDED, next, describe(next.spec));
        if (next.probed && next.probeTimer == null) {
            lb.probes.schedule(next, 0);
        }
    }

    /** Control thread: a member draining for removal is wanted again: it serves again. */
    private void cancelRemoval(BackendHandle handle, String reason) {
        handle.removing = false;
        Drains.completeRemovals(handle, false);
        if (handle.health.admin() == BackendState.DRAINING) {
            Drains.completeDrains(handle);
            lb.health.setAdmin(handle, null, reason);
        }
    }
}
