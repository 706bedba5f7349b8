package org.reverl.gateway.core.internal;

import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import org.reverl.gateway.core.OutlierConfig;

/**
 * One backend's outlier-detection state: the counters request threads update with each outcome (lock-free, no
 * allocation; a task goes to the control thread only when a count reaches its threshold or a trial outcome arrives),
 * and the ejection bookkeeping the control thread keeps in {@link OutlierDetector}.
 *
 * <p>Created with its backend; the hot-path methods are thread-safe, the fields marked so are control thread only.
 */
final class OutlierStats {

    /** In rotation as far as outlier detection is concerned. */
    static final int NORMAL = 0;
    /** Ejected; its outcomes (last-resort ones, late ones) count nothing. */
    static final int EJECTED = 1;
    /** Its ejection time is over and it takes traffic again: the first outcome decides. */
    static final int TRIAL = 2;

    private static final AtomicIntegerFieldUpdater<OutlierStats> CONSECUTIVE_5XX =
            AtomicIntegerFieldUpdater.newUpdater(OutlierStats.class, "consecutive5xx");
    private static final AtomicIntegerFieldUpdater<OutlierStats> CONSECUTIVE_GATEWAY_FAILURES =
            AtomicIntegerFieldUpdater.newUpdater(OutlierStats.class, "consecutiveGatewayFailures");
    private static final AtomicIntegerFieldUpdater<OutlierStats> TRIAL_REPORTED =
            AtomicIntegerFieldUpdater.newUpdater(OutlierStats.class, "trialReported");
    private static final AtomicLongFieldUpdater<OutlierStats> LATENCY_SUM =
            AtomicLongFieldUpdater.newUpdater(OutlierStats.class, "latencySumNanos");
    private static final AtomicLongFieldUpdater<OutlierStats> LATENCY_COUNT =
            AtomicLongFieldUpdater.newUpdater(OutlierStats.class, "latencyCount");

    final OutlierDetector detector;
    /** The backend's id, for messages and for finding the member it belongs to. */
    final String id;

    /** {@link #NORMAL}, {@link #EJECTED} or {@link #TRIAL}. Control thread writes. */
    volatile int mode = NORMAL;

    private volatile int consecutive5xx;
    private volatile int consecutiveGatewayFailures;
    /** 1 once the first outcome of a trial was passed to the control thread. */
    private volatile int trialReported;

    private volatile long latencySumNanos;
    private volatile long latencyCount;

    // ---- control thread only ----
    /** How many times in a row (less decay) the backend was ejected; the next ejection lasts one base time more. */
    int ejections;
    /** When the backend was last restored, for the decay of {@link #ejections}. */
    long restoredAtNanos;
    /** After a latency ejection, the latency a trial response must not exceed; 0 otherwise. */
    long trialLatencyLimitNanos;
    /** Ends the current ejection; null when not ejected. */
    OutlierDetector.Cancellable ejectionTimer;

    OutlierStats(OutlierDetector detector, String id) {
        this.detector = detector;
        this.id = id;
    }

    // ---------------------------------------------------------------- hot path

    /** A complete response with {@code status}, after {@code durationNanos}. */
    void onResponse(int status, long durationNanos) {
        OutlierConfig c = detector.config;
        if (c == null) {
            return;
        }
        if (mode != NORMAL) {
            reportTrial(status, durationNanos);
        } else if (status >= 500) {
            failed(c, status);
        } else {
            succeeded(c, durationNanos);
        }
    }

    /** A transport failure (refused, reset, timed out) after {@code durationNanos}. */
    void onFailure(long durationNanos) {
        OutlierConfig c = detector.config;
        if (c == null) {
            return;
        }
        if (mode != NORMAL) {
            reportTrial(OutlierDetector.TRANSPORT_FAILURE, durationNanos);
        } else {
            failed(c, OutlierDetector.TRANSPORT_FAILURE);
        }
    }

    private void failed(OutlierConfig c, int status) {
        int threshold = c.consecutive5xx();
        if (threshold > 0 && CONSECUTIVE_5XX.incrementAndGet(this) == threshold) {
            detector.thresholdReached(this, OutlierDetector.Reason.CONSECUTIVE_5XX, status);
        }
        if (OutlierDetector.isGatewayFailure(status)) {
            threshold = c.consecutiveGatewayFailure();
            if (threshold > 0 && CONSECUTIVE_GATEWAY_FAILURES.incrementAndGet(this) == threshold) {
                detector.thresholdReached(this, OutlierDetector.Reason.CONSECUTIVE_GATEWAY_FAILURE, status);
            }
        } else if (consecutiveGatewayFailures != 0) {
            consecutiveGatewayFailures = 0;
        }
    }

    private void succeeded(OutlierConfig c, long durationNanos) {
        // reads before writes: an outcome of a healthy backend dirties no cache line here
        if (consecutive5xx != 0) {
            consecutive5xx = 0;
        }
        if (consecutiveGatewayFailures != 0) {
            consecutiveGatewayFailures = 0;
        }
        if (c.latency() != null) {
            LATENCY_SUM.addAndGet(this, Math.max(0, durationNanos));
            LATENCY_COUNT.incrementAndGet(this);
        }
    }

    private void reportTrial(int status, long durationNanos) {
        if (mode == TRIAL && TRIAL_REPORTED.compareAndSet(this, 0, 1)) {
            detector.trialOutcome(this, status, durationNanos);
        }
    }

    // ---------------------------------------------------------------- control thread

    /** Starts counting afresh: after an ejection, a refused ejection, or a restoration. */
    void resetCounts() {
        consecutive5xx = 0;
        consecutiveGatewayFailures = 0;
        LATENCY_SUM.set(this, 0);
        LATENCY_COUNT.set(this, 0);
    }

    /** Restarts the count of one detector, after the bound refused an ejection. */
    void resetCount(OutlierDetector.Reason reason) {
        if (reason == OutlierDetector.Reason.CONSECUTIVE_5XX) {
            consecutive5xx = 0;
        } else if (reason == OutlierDetector.Reason.CONSECUTIVE_GATEWAY_FAILURE) {
            consecutiveGatewayFailures = 0;
        }
    }

    /** Enters a trial: the next outcome is reported. */
    void startTrial() {
        trialReported = 0;
        mode = TRIAL;
    }

    /** Ends the current latency window and starts the next one empty: its responses and their total latency. */
    LatencyWindow takeLatencyWindow() {
        long count = LATENCY_COUNT.getAndSet(this, 0);
        long sum = LATENCY_SUM.getAndSet(this, 0);
        return new LatencyWindow(count, sum);
    }

    /** The responses of one latency window; a response that lands between the two reads counts in the next one. */
    record LatencyWindow(long count, long sumNanos) {
        long meanNanos() {
            return count == 0 ? 0 : Math.max(0, sumNanos) / count;
        }
    }

    @Override
    public String toString() {
        return id + (mode == NORMAL ? "" : mode == EJECTED ? " (ejected)" : " (trial)");
    }
}
