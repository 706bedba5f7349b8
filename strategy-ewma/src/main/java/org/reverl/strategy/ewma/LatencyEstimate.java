package org.reverl.strategy.ewma;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One backend's peak-sensitive, time-decayed moving average of latency, in nanoseconds.
 *
 * <h2>The math</h2>
 * The estimate {@code e} was last set at {@code stamp}. After {@code dt} without a sample it has decayed towards zero to
 * {@code e * w} with {@code w = exp(-dt / decay)}, which is what {@link #cost} sees: a backend that gets no traffic
 * because it looked slow looks faster as time passes, until it is tried again. A sample {@code s} arriving then
 * makes the estimate {@code max(s, e * w + s * (1 - w))}: the time-weighted average, except that a sample above the
 * estimate replaces it at once (peak sensitivity). A failed request's sample is {@code max(latency, failurePenalty,
 * e * w)}: a failure never makes a backend look faster.
 *
 * <h2>Bad input</h2>
 * Latencies below zero count as zero. Elapsed time below zero (a sample racing another, a clock that went back)
 * counts as zero. Every value stays finite and non-negative: no NaN, no infinity.
 *
 * <h2>Threading</h2>
 * Lock-free and allocation-free. The estimate is one {@code long} (the {@code double}'s bits) updated by
 * compare-and-set, so concurrent samples are never lost, and a peak is never overwritten by a concurrent smaller
 * sample's stale view. The stamp is written right after; a reader between the two sees the new estimate with the
 * previous stamp, so it decays that estimate a little more than it should. That error is bounded by the time between
 * two samples and is accepted in exchange for not locking.
 */
final class LatencyEstimate {

    /** The bits of an estimate that has no sample yet; no real estimate is negative. */
    static final long NO_SAMPLE = Double.doubleToRawLongBits(-1.0);

    private static final VarHandle ESTIMATE;

    static {
        try {
            ESTIMATE = MethodHandles.lookup().findVarHandle(LatencyEstimate.class, "estimateBits", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private volatile long estimateBits = NO_SAMPLE;
    private volatile long stamp;

    /** The estimate as of {@code now}, decayed since its last sample; {@code -1} if there is no sample. */
    double at(long now, Decay decay) {
        long bits = estimateBits;
        if (bits == NO_SAMPLE) {
            return -1.0;
        }
        return Double.longBitsToDouble(bits) * decay.weight(now - stamp);
    }

    /** As {@link #at}, for a pick: an estimate sampled moments ago is used undecayed ({@link Decay#weightForPick}). */
    double forPick(long now, Decay decay) {
        long bits = estimateBits;
        if (bits == NO_SAMPLE) {
            return -1.0;
        }
        return Double.longBitsToDouble(bits) * decay.weightForPick(now - stamp);
    }

    /**
     * Records one request's outcome.
     *
     * @param now the ticker's reading when the outcome arrived
     * @param latencyNanos the request's latency; below zero counts as zero
     * @param failed whether the backend failed the request: the sample is then at least {@code failurePenaltyNanos}
     *     and at least the current estimate
     */
    void observe(long now, long latencyNanos, boolean failed, double failurePenaltyNanos, Decay decay) {
        double sample = latencyNanos > 0 ? (double) latencyNanos : 0.0;
        while (true) {
            long bits = estimateBits;
            long then = stamp;
            double next;
            if (bits == NO_SAMPLE) {
                next = failed ? Math.max(sample, failurePenaltyNanos) : sample;
            } else {
                double e = Double.longBitsToDouble(bits);
                double w = decay.weight(now - then);
                double s = failed ? Math.max(Math.max(sample, failurePenaltyNanos), e * w) : sample;
                // max(s, e * w + s * (1 - w)), written so that it cannot round below s
                next = s + Math.max(0.0, (e - s) * w);
            }
            if (ESTIMATE.compareAndSet(this, bits, Double.doubleToRawLongBits(next))) {
                stamp = now;
                return;
            }
        }
    }

    /**
     * Moves a stamp that lies after {@code now} back to {@code now}: after the clock went back, estimates keep their
     * value and decay from the new time on, instead of staying frozen until the clock catches up with the old one.
     */
    void rebase(long now) {
        if (stamp - now > 0) {
            stamp = now;
        }
    }

    @Override
    public String toString() {
        long bits = estimateBits;
        return bits == NO_SAMPLE
                ? "no sample"
                : String.format(java.util.Locale.ROOT, "%.3fms", Double.longBitsToDouble(bits) / 1e6);
    }
}
