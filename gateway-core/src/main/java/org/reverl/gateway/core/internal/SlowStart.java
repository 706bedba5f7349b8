package org.reverl.gateway.core.internal;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Slow start: a backend that comes into rotation (back up, or new to a pool that already serves traffic) takes a share
 * of traffic that grows linearly from a tenth to all of it over {@code slowStart}.
 *
 * <p>The share acts two ways, so that it holds for every strategy: the backend's {@linkplain
 * BackendHandle#effectiveWeight effective weight} ramps (what weighted strategies follow), and, for strategies whose
 * picks do not follow weights ({@code round_robin}, {@code least_conn} when idle, plugins), the load balancer turns a
 * pick of the backend down with probability {@code 1 - share} and picks again ({@link BackendHandle#acceptPermille}),
 * which gives it {@code share} of what a full backend gets.
 *
 * <p>A ramp only makes sense against backends that already serve at full share. A new backend (one coming into
 * rotation for the first time) is therefore not ramped when no other backend in rotation has taken requests and is
 * not ramping itself, the case when a pool starts or every member was replaced; when that comes about during a ramp,
 * new backends' ramps end. Both are logged with the reason. A backend back from down or ejected ramps in any case (by
 * weight; by turned-down picks only next to full backends).
 *
 * <p>Control thread only; the ramp advances on a timer of the control loop, the clock is the load balancer's.
 */
final class SlowStart {

    /** {@link BackendHandle#acceptPermille} of a backend at full share. */
    static final int FULL = 1000;

    /** Strategies whose share of picks follows the effective weights: they need no skipped picks. */
    static final Set<String> WEIGHTED_PICKS = Set.of("weighted_round_robin", "ring_hash", "maglev");

    private static final String NO_FULL_BACKEND =
            "no backend in rotation serves at full share yet (the pool starts, or every backend in it is new)";

    /** The share a ramp starts at. */
    static final double START_SHARE = 0.1;

    private final DefaultLoadBalancer lb;
    /** Ramping backends, by when their ramp started (clock millis). */
    private final Map<BackendHandle, Long> ramps = new LinkedHashMap<>();
    /** New backends among {@link #ramps}. */
    private final Set<BackendHandle> fresh = new HashSet<>();

    private ControlLoop.Timer tick;
    /** Whether skipping a ramp was logged since the last ramp that ran. */
    private boolean skipLogged;
    /** Why the last ramp was skipped or ended early, for tests and logs. */
    private String lastSkip = "";

    SlowStart(DefaultLoadBalancer lb) {
        this.lb = lb;
    }

    /** {@code handle} comes into rotation: ramp it, unless no ramp can take effect. */
    void start(BackendHandle handle) {
        boolean isNew = !handle.wasInRotation;
        handle.wasInRotation = true;
        long window = lb.config.slowStart().toMillis();
        if (window <= 0) {
            full(handle);
            return;
        }
        if (isNew && !anyEstablished(handle)) {
            full(handle);
            skipped(List.of(handle));
            return;
        }
        ramps.put(handle, lb.clock.millis());
        if (isNew) {
            fresh.add(handle);
        }
        skipLogged = false;
        advance(handle, lb.clock.millis(), anyEstablished(null));
        if (tick == null) {
            scheduleTick(window);
        }
    }

    /** {@code handle} left rotation (down, ejected) or the pool: no ramp. */
    void stop(BackendHandle handle) {
        if (ramps.remove(handle) != null) {
            fresh.remove(handle);
        }
        full(handle);
    }

    /** {@code handle}'s configured weight changed: its effective weight follows. */
    void weightChanged(BackendHandle handle) {
        Long start = ramps.get(handle);
        handle.effectiveWeight = start == null ? handle.spec.weight() : rampedWeight(handle, start, lb.clock.millis());
    }

    /**
     * Called when who admits requests was recomputed, before it is published: ends new backends' ramps when nothing
     * established is left to take the rest of the traffic, and sets whether ramping backends' picks are skipped.
     */
    void eligibilityChanged() {
        if (ramps.isEmpty()) {
            return;
        }
        boolean established = anyEstablished(null);
        if (!established && !fresh.isEmpty()) {
            List<BackendHandle> ended = new ArrayList<>(fresh);
            for (BackendHandle h : ended) {
                stop(h);
            }
            ended(ended);
        }
        long now = lb.clock.millis();
        for (Map.Entry<BackendHandle, Long> e : ramps.entrySet()) {
            accept(e.getKey(), share(e.getValue(), now), established);
        }
    }

    /** Why the last ramp was skipped or ended early; empty if none was. */
    String lastSkip() {
        return lastSkip;
    }

    /** Whether {@code handle} is ramping. */
    boolean ramping(BackendHandle handle) {
        return ramps.containsKey(handle);
    }

    /** New backends came into rotation at full share: nothing serves at full share next to them. Logged once. */
    private void skipped(List<BackendHandle> handles) {
        lastSkip = "slow start skipped for " + handles + ": " + NO_FULL_BACKEND;
        if (!skipLogged) {
            skipLogged = true;
            DefaultLoadBalancer.log.info("load balancer '{}': {}", lb.name, lastSkip);
        }
    }

    /** New backends' ramps ended early: the backends at full share next to them left rotation. */
    private void ended(List<BackendHandle> handles) {
        lastSkip = "slow start ended for " + handles + ": " + NO_FULL_BACKEND;
        DefaultLoadBalancer.log.info("load balancer '{}': {}", lb.name, lastSkip);
    }

    /** A member other than {@code except}, in rotation, that has taken requests and is not ramping. */
    private boolean anyEstablished(BackendHandle except) {
        for (BackendHandle h : lb.members.values()) {
            if (h != except && h.admitting && h.served && !ramps.containsKey(h)) {
                return true;
            }
        }
        return false;
    }

    private void scheduleTick(long windowMillis) {
        long tickMillis = Math.min(1000, Math.max(10, windowMillis / 20));
        tick = lb.control.schedule(this::tick, tickMillis * 1_000_000);
    }

    private void tick() {
        tick = null;
        long now = lb.clock.millis();
        boolean established = anyEstablished(null);
        boolean changed = false;
        for (Iterator<Map.Entry<BackendHandle, Long>> it = ramps.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<BackendHandle, Long> e = it.next();
            BackendHandle h = e.getKey();
            int before = h.effectiveWeight;
            if (advance(h, now, established)) {
                it.remove();
                fresh.remove(h);
                full(h);
            }
            changed |= h.effectiveWeight != before;
        }
        if (changed) {
            lb.rotation.republish();
        }
        if (!ramps.isEmpty()) {
            scheduleTick(lb.config.slowStart().toMillis());
        }
    }

    /** Sets the ramped weight and share of {@code handle} as of {@code now}; true when the ramp is over. */
    private boolean advance(BackendHandle handle, long now, boolean nextToEstablished) {
        long start = ramps.get(handle);
        handle.effectiveWeight = rampedWeight(handle, start, now);
        double share = share(start, now);
        accept(handle, share, nextToEstablished);
        return share >= 1.0;
    }

    private void accept(BackendHandle handle, double share, boolean nextToEstablished) {
        boolean skip = nextToEstablished && !WEIGHTED_PICKS.contains(lb.config.strategy());
        handle.acceptPermille = skip ? (int) Math.round(share * FULL) : FULL;
    }

    /** Linear from {@link #START_SHARE} to 1 over the slow-start window. */
    private double share(long startMillis, long nowMillis) {
        long window = lb.config.slowStart().toMillis();
        if (window <= 0) {
            return 1.0;
        }
        return Math.min(1.0, Math.max(START_SHARE, (nowMillis - startMillis) / (double) window));
    }

    /** The weight times the share, never below 1. */
    private int rampedWeight(BackendHandle handle, long startMillis, long nowMillis) {
        return Math.max(1, (int) Math.round(handle.spec.weight() * share(startMillis, nowMillis)));
    }

    private static void full(BackendHandle handle) {
        handle.effectiveWeight = handle.spec.weight();
        handle.acceptPermille = FULL;
    }
}
