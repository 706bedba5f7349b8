package org.reverl.gateway.core.internal;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executor;
import java.util.function.LongSupplier;
import org.reverl.gateway.core.OutlierConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Passive outlier ejection for one pool, by the rules of {@link OutlierConfig}: request threads count each backend's
 * outcomes in its {@link OutlierStats}; when a count reaches its threshold, or a trial outcome arrives, a task runs
 * here on the control thread, which ejects, bounds, times and restores. Latency outliers are judged by a timer at the
 * end of each window, also on the control thread.
 *
 * <p>What ejecting means for the pool (taking the backend out of the eligible set, the events and log lines) is the
 * {@link Host}'s business; time comes from an injected ticker and scheduler, so that tests step through it.
 *
 * <p>Control thread only, except {@link #config}, {@link #thresholdReached} and {@link #trialOutcome}, which request
 * threads call.
 */
final class OutlierDetector {

    private static final Logger log = LoggerFactory.getLogger("org.reverl.gateway");

    /** The status an outcome is reported with when there was no response: refused, reset, timed out. */
    static final int TRANSPORT_FAILURE = 0;

    /** Why a backend was ejected. */
    enum Reason {
        CONSECUTIVE_5XX,
        CONSECUTIVE_GATEWAY_FAILURE,
        LATENCY
    }

    /** The pool's side: its members, and what ejecting, trying and restoring one of them does. Control thread. */
    interface Host {
        /** The members' stats, in member order. */
        List<OutlierStats> members();

        /** Whether {@code stats} belongs to a current member (not one removed or replaced since). */
        boolean isMember(OutlierStats stats);

        /**
         * Takes a member in rotation out, with {@code reason} in its event; returns {@code false} and does nothing if
         * it is not in rotation (down, ejected by its breaker, removed).
         */
        boolean eject(OutlierStats stats, String reason);

        /** A member in trial failed it: out again (it is shown ejected still), with {@code reason} in the log. */
        void ejectAgain(OutlierStats stats, String reason);

        /** A member's ejection time is over: it takes trial traffic (still shown ejected). */
        void admitTrial(OutlierStats stats);

        /** A member is back in rotation, with {@code reason} in its event. */
        void restore(OutlierStats stats, String reason);
    }

    /** Runs a task on the control thread after a delay. */
    interface Scheduler {
        Cancellable schedule(Runnable task, long delayNanos);
    }

    /** A scheduled task that may be called off. */
    interface Cancellable {
        void cancel();
    }

    /** The rules; {@code null} when outlier detection is off. Control thread writes, request threads read. */
    volatile OutlierConfig config;

    private final LongSupplier ticker;
    private final Scheduler scheduler;
    private final Executor control;
    private final Host host;
    /** The next latency evaluation, or null. */
    private Cancellable latencyTimer;

    /**
     * @param config the rules, or {@code null} for off
     * @param ticker nanoseconds, for the decay of ejection counts
     * @param scheduler timers on the control thread
     * @param control runs a task on the control thread, later
     * @param host the pool
     */
    OutlierDetector(OutlierConfig config, LongSupplier ticker, Scheduler scheduler, Executor control, Host host) {
        this.config = config;
        this.ticker = requireNonNull(ticker, "ticker");
        this.scheduler = requireNonNull(scheduler, "scheduler");
        this.control = requireNonNull(control, "control");
        this.host = requireNonNull(host, "host");
    }

    /** The stats of a new backend. Any thread. */
    OutlierStats newStats(String id) {
        return new OutlierStats(this, id);
    }

    /** Control thread: starts the latency timer, if latency detection is on. */
    void start() {
        scheduleLatencyEvaluation();
    }

    // ---------------------------------------------------------------- from request threads

    /** A count of {@code stats} reached its threshold with an outcome of {@code status}: judge on the control thread. */
    void thresholdReached(OutlierStats stats, Reason reason, int status) {
        control.execute(() -> onThresholdReached(stats, reason, status));
    }

    /** The first outcome of a trial of {@code stats}: judge on the control thread. */
    void trialOutcome(OutlierStats stats, int status, long durationNanos) {
        control.execute(() -> onTrialOutcome(stats, status, durationNanos));
    }

    static boolean isGatewayFailure(int status) {
        return status == TRANSPORT_FAILURE || status == 502 || status == 503 || status == 504;
    }

    // ---------------------------------------------------------------- control thread

    private void onThresholdReached(OutlierStats stats, Reason reason, int status) {
        OutlierConfig c = config;
        if (c == null || stats.mode != OutlierStats.NORMAL || !host.isMember(stats)) {
            return;
        }
        String why;
        if (reason == Reason.CONSECUTIVE_5XX && c.consecutive5xxEnabled()) {
            why = c.consecutive5xx() + " consecutive 5xx (last: " + describe(status) + ")";
        } else if (reason == Reason.CONSECUTIVE_GATEWAY_FAILURE && c.consecutiveGatewayFailureEnabled()) {
            why = c.consecutiveGatewayFailure() + " consecutive gateway failures (last: " + describe(status) + ")";
        } else {
            return; // turned off meanwhile
        }
        tryEject(c, stats, reason, why, 0);
    }

    /** Ejects {@code stats} unless the pool's bound forbids it; then its count starts again. */
    private boolean tryEject(OutlierConfig c, OutlierStats stats, Reason reason, String why, long trialLatencyLimit) {
        List<OutlierStats> members = host.members();
        int ejected = 0;
        for (OutlierStats s : members) {
            if (s.mode != OutlierStats.NORMAL) {
                ejected++;
            }
        }
        int max = c.maxEjected(members.size());
        if (ejected >= max) {
            stats.resetCount(reason);
            log.info(
                    "backend {} is not ejected ({}): {} of {} backends ejected already (maxEjectionPercent {}%)",
                    stats.id, why, ejected, members.size(), c.maxEjectionPercent());
            return false;
        }
        long now = ticker.getAsLong();
        int n = nextEjection(c, decayedEjections(c, stats, now));
        Duration time = c.ejectionTime(n);
        stats.mode = OutlierStats.EJECTED; // before the host acts, so that the pool sees it out
        if (!host.eject(stats, why + "; out for " + format(time) + " (ejection " + n + ")")) {
            stats.mode = OutlierStats.NORMAL;
            stats.resetCount(reason);
            return false;
        }
        ejected(stats, n, time, trialLatencyLimit);
        return true;
    }

    private void ejected(OutlierStats stats, int n, Duration time, long trialLatencyLimit) {
        stats.ejections = n;
        stats.trialLatencyLimitNanos = trialLatencyLimit;
        stats.resetCounts();
        if (stats.ejectionTimer != null) {
            stats.ejectionTimer.cancel();
        }
        stats.ejectionTimer = scheduler.schedule(() -> endEjection(stats), time.toNanos());
    }

    /** The ejection count after decay: one less per base ejection time in rotation since the last restoration. */
    private static int decayedEjections(OutlierConfig c, OutlierStats stats, long now) {
        if (stats.ejections == 0) {
            return 0;
        }
        long steps =
                Math.max(0, now - stats.restoredAtNanos) / c.baseEjectionTime().toNanos();
        return (int) Math.max(0, stats.ejections - steps);
    }

    /** The number of the next ejection after {@code previous}: one more, but not past where the time stops growing. */
    private static int nextEjection(OutlierConfig c, int previous) {
        long base = c.baseEjectionTime().toNanos();
        long cap = (c.maxEjectionTime().toNanos() + base - 1) / base;
        return (int) Math.min(previous + 1L, Math.max(1, cap));
    }

    private void endEjection(OutlierStats stats) {
        stats.ejectionTimer = null;
        if (stats.mode != OutlierStats.EJECTED || !host.isMember(stats)) {
            return;
        }
        stats.startTrial();
        host.admitTrial(stats);
        log.info("backend {}: ejection time over, admitting trial traffic", stats.id);
    }

    private void onTrialOutcome(OutlierStats stats, int status, long durationNanos) {
        OutlierConfig c = config;
        if (c == null || stats.mode != OutlierStats.TRIAL || !host.isMember(stats)) {
            return;
        }
        long limit = stats.trialLatencyLimitNanos;
        boolean failed = status == TRANSPORT_FAILURE || status >= 500 || (limit > 0 && durationNanos > limit);
        if (failed) {
            int n = nextEjection(c, stats.ejections); // no decay: it was never back
            Duration time = c.ejectionTime(n);
            stats.mode = OutlierStats.EJECTED;
            String detail = status >= 500 || status == TRANSPORT_FAILURE
                    ? describe(status)
                    : describe(status) + " in " + millis(durationNanos) + " > " + millis(limit);
            host.ejectAgain(
                    stats, "trial request failed (" + detail + "); out for " + format(time) + " (ejection " + n + ")");
            ejected(stats, n, time, limit);
        } else {
            stats.mode = OutlierStats.NORMAL;
            stats.restoredAtNanos = ticker.getAsLong();
            stats.trialLatencyLimitNanos = 0;
            stats.resetCounts();
            host.restore(stats, "trial request succeeded (" + status + " in " + millis(durationNanos) + ")");
        }
    }

    // ---------------------------------------------------------------- latency

    private void scheduleLatencyEvaluation() {
        if (latencyTimer != null) {
            latencyTimer.cancel();
            latencyTimer = null;
        }
        OutlierConfig c = config;
        if (c != null && c.latency() != null) {
            latencyTimer = scheduler.schedule(
                    this::evaluateLatency, c.latency().window().toNanos());
        }
    }

    /** The end of a latency window: ejects the backends slower than the factor times the pool's median. */
    void evaluateLatency() {
        latencyTimer = null;
        try {
            OutlierConfig c = config;
            if (c != null && c.latency() != null) {
                evaluateLatency(c, c.latency());
            }
        } finally {
            scheduleLatencyEvaluation();
        }
    }

    private void evaluateLatency(OutlierConfig c, OutlierConfig.Latency rules) {
        List<OutlierStats> judged = new ArrayList<>();
        List<OutlierStats.LatencyWindow> windows = new ArrayList<>();
        for (OutlierStats s : host.members()) {
            OutlierStats.LatencyWindow w = s.takeLatencyWindow();
            if (s.mode == OutlierStats.NORMAL && w.count() >= rules.minRequests()) {
                judged.add(s);
                windows.add(w);
            }
        }
        if (judged.size() < 2) {
            return; // a backend is no outlier of itself
        }
        long[] means = new long[judged.size()];
        for (int i = 0; i < means.length; i++) {
            means[i] = windows.get(i).meanNanos();
        }
        long[] sorted = means.clone();
        java.util.Arrays.sort(sorted);
        long median = sorted[(sorted.length - 1) / 2]; // the lower middle one
        if (median <= 0) {
            return; // no scale to compare with
        }
        double limit = rules.factor() * median;
        List<Integer> slow = new ArrayList<>();
        for (int i = 0; i < means.length; i++) {
            if (means[i] > limit) {
                slow.add(i);
            }
        }
        slow.sort(Comparator.comparingLong((Integer i) -> means[i]).reversed()); // the slowest first
        for (int i : slow) {
            String why = "mean latency " + millis(means[i]) + " over " + format(rules.window()) + " ("
                    + windows.get(i).count() + " responses) > " + String.format(Locale.ROOT, "%.1f", rules.factor())
                    + " x pool median " + millis(median);
            tryEject(c, judged.get(i), Reason.LATENCY, why, (long) Math.min(Long.MAX_VALUE, limit));
        }
    }

    // ---------------------------------------------------------------- reconfiguration

    /**
     * Control thread: new rules. Counts start again; ejections in progress keep their time, unless detection is turned
     * off, which restores every ejected backend.
     */
    void reconfigure(OutlierConfig next) {
        OutlierConfig before = config;
        config = next;
        for (OutlierStats s : host.members()) {
            s.resetCounts();
            if (next == null && s.mode != OutlierStats.NORMAL) {
                if (s.ejectionTimer != null) {
                    s.ejectionTimer.cancel();
                    s.ejectionTimer = null;
                }
                s.mode = OutlierStats.NORMAL;
                s.ejections = 0;
                s.trialLatencyLimitNanos = 0;
                host.restore(s, "outlier detection turned off");
            }
        }
        OutlierConfig.Latency was = before == null ? null : before.latency();
        OutlierConfig.Latency now = next == null ? null : next.latency();
        if (!java.util.Objects.equals(was, now)) {
            scheduleLatencyEvaluation();
        }
    }

    // ---------------------------------------------------------------- text

    static String describe(int status) {
        return status == TRANSPORT_FAILURE ? "no response" : Integer.toString(status);
    }

    static String format(Duration d) {
        long ms = d.toMillis();
        if (ms % 60_000 == 0) {
            return ms / 60_000 + "m";
        }
        if (ms % 1000 == 0) {
            return ms / 1000 + "s";
        }
        return ms + "ms";
    }

    static String millis(long nanos) {
        return String.format(Locale.ROOT, "%.1f ms", nanos / 1e6);
    }
}
