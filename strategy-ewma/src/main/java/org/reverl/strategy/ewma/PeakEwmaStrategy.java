package org.reverl.strategy.ewma;

import static java.util.Objects.requireNonNull;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongSupplier;
import org.reverl.gateway.api.Backend;
import org.reverl.gateway.api.RequestContext;
import org.reverl.gateway.api.SelectionStrategy;

/**
 * Peak EWMA, as Finagle and Linkerd balance: power of two choices over {@code cost / effectiveWeight}, where {@code
 * cost = estimate * (outstanding + 1)}, the estimate being the backend's {@link LatencyEstimate peak-sensitive,
 * time-decayed latency average} and {@code outstanding} its {@link Backend#inFlight() in-flight count}.
 *
 * <h2>Backends without a sample</h2>
 * As in Finagle: an unsampled backend with nothing in flight costs 0, so a new backend is tried at once and learns its
 * latency from its first answer; with requests in flight it costs {@link #PENALTY_NANOS} (about 39 hours) plus its
 * in-flight count, so nothing more is sent to it until that first answer (or failure) arrives. When every backend is
 * unsampled and busy, the penalty cancels out and the pick is by in-flight count, as {@code least_conn}.
 *
 * <h2>Sampling</h2>
 * Two distinct backends, uniformly at random (one 64-bit draw gives both, by multiply-shift); the cheaper wins, ties
 * go to the first drawn. With one backend it is returned. An estimate is floored at {@link #MIN_ESTIMATE_NANOS} in the
 * cost, so in-flight requests always count.
 *
 * <h2>Time</h2>
 * {@link #onCompleted} reads the ticker once per outcome. {@link #select} reads no clock: it decays estimates to the
 * latest ticker reading an outcome published ({@link #CLOCK_GRANULARITY_NANOS} apart at most while traffic flows),
 * which saves the clock read (about 20 ns) on every pick; an estimate sampled less than {@code decay / 1024} before
 * that is used undecayed ({@link Decay#weightForPick}). A reading more than {@link #CLOCK_JUMP_BACK_NANOS} before the
 * published one means the clock went back: every estimate's stamp is moved to the new time, so none stays frozen.
 *
 * <h2>Threading</h2>
 * {@link #update} builds an immutable {@link Snapshot} (reusing the estimate of every backend still eligible) and
 * publishes it with one volatile write; {@link #select} and {@link #onCompleted} do one volatile read of it. Both are
 * lock-free and allocation-free: the lookup from a backend to its estimate is an {@link IdentityHashMap} built in
 * {@code update} and only read afterwards.
 */
final class PeakEwmaStrategy implements SelectionStrategy {

    /** A source of 64 uniform random bits; a seam for tests. Must be thread-safe. */
    @FunctionalInterface
    interface RandomSource {
        long nextLong();
    }

    static final RandomSource THREAD_LOCAL_RANDOM =
            () -> ThreadLocalRandom.current().nextLong();

    /** The cost of an unsampled backend with requests in flight: Finagle's {@code Long.MaxValue >> 16} ns. */
    static final double PENALTY_NANOS = (double) (Long.MAX_VALUE >> 16);

    /** The smallest estimate a cost uses, so that {@code estimate * (outstanding + 1)} always grows with load. */
    static final double MIN_ESTIMATE_NANOS = 1.0;

    /** How stale the clock {@link #select} decays with may get while outcomes arrive. */
    static final long CLOCK_GRANULARITY_NANOS = 1_000_000L;

    /** How far back a reading must be to count as the clock going back rather than two outcomes racing. */
    static final long CLOCK_JUMP_BACK_NANOS = 1_000_000_000L;

    private static final Snapshot EMPTY = new Snapshot(new Backend[0], new LatencyEstimate[0], new int[0]);

    private final Decay decay;
    private final double failurePenaltyNanos;
    private final LongSupplier ticker;
    private final RandomSource random;
    private volatile Snapshot snapshot = EMPTY;
    /** The latest ticker reading published by {@link #onCompleted}; what {@link #select} decays estimates to. */
    private volatile long clock;

    PeakEwmaStrategy(long decayNanos, long failurePenaltyNanos, LongSupplier ticker, RandomSource random) {
        if (failurePenaltyNanos < 0) {
            throw new IllegalArgumentException("failurePenaltyNanos: " + failurePenaltyNanos + " (expected: >= 0)");
        }
        this.decay = new Decay(decayNanos);
        this.failurePenaltyNanos = failurePenaltyNanos;
        this.ticker = requireNonNull(ticker, "ticker");
        this.random = requireNonNull(random, "random");
        this.clock = ticker.getAsLong();
    }

    @Override
    public void update(List<Backend> eligible) {
        Backend[] backends = requireNonNull(eligible, "eligible").toArray(new Backend[0]);
        IdentityHashMap<Backend, LatencyEstimate> previous = snapshot.index;
        IdentityHashMap<Backend, LatencyEstimate> index = new IdentityHashMap<>(backends.length);
        LatencyEstimate[] estimates = new LatencyEstimate[backends.length];
        int[] weights = new int[backends.length];
        for (int i = 0; i < backends.length; i++) {
            LatencyEstimate estimate = previous.get(backends[i]);
            estimates[i] = estimate != null ? estimate : new LatencyEstimate();
            index.put(backends[i], estimates[i]);
            // effectiveWeight() is 1..weight() by contract; the floor keeps a broken Backend from zeroing a product.
            weights[i] = Math.max(1, backends[i].effectiveWeight());
        }
        snapshot = new Snapshot(backends, estimates, weights, index);
    }

    @Override
    public Backend select(RequestContext request) {
        Snapshot snap = snapshot; // the one volatile read
        Backend[] backends = snap.backends;
        int n = backends.length;
        if (n <= 1) {
            return n == 0 ? null : backends[0];
        }
        long bits = random.nextLong();
        int a = bounded(bits >>> 32, n);
        int b = a + 1 + bounded(bits & 0xFFFF_FFFFL, n - 1); // a different backend
        if (b >= n) {
            b -= n;
        }
        long now = clock;
        double costA = cost(snap.estimates[a], backends[a], now);
        double costB = cost(snap.estimates[b], backends[b], now);
        // costB / weightB < costA / weightA, without dividing
        return costB * snap.weights[a] < costA * snap.weights[b] ? backends[b] : backends[a];
    }

    @Override
    public void onCompleted(Backend backend, long latencyNanos, boolean failed) {
        LatencyEstimate estimate = snapshot.index.get(backend);
        if (estimate == null) {
            return; // no longer eligible: its estimate went with it
        }
        long now = ticker.getAsLong();
        long published = clock;
        if (now - published > CLOCK_GRANULARITY_NANOS) {
            clock = now;
        } else if (published - now > CLOCK_JUMP_BACK_NANOS) {
            clockWentBack(now);
        }
        estimate.observe(now, latencyNanos, failed, failurePenaltyNanos, decay);
    }

    private void clockWentBack(long now) {
        clock = now;
        for (LatencyEstimate estimate : snapshot.estimates) {
            estimate.rebase(now);
        }
    }

    /** {@code estimate * (outstanding + 1)}, or for an unsampled backend 0 when idle and the penalty when not. */
    private double cost(LatencyEstimate estimate, Backend backend, long now) {
        int outstanding = backend.inFlight();
        double e = estimate.forPick(now, decay);
        if (e < 0) { // no sample yet
            return outstanding == 0 ? 0.0 : PENALTY_NANOS + outstanding;
        }
        return Math.max(e, MIN_ESTIMATE_NANOS) * (outstanding + 1.0);
    }

    /** Maps 32 uniform bits ({@code [0, 2^32)}) to {@code [0, bound)} by multiply-shift (Lemire). */
    private static int bounded(long bits32, int bound) {
        return (int) ((bits32 * bound) >>> 32);
    }

    /** The estimate of {@code backend} as of the ticker's current reading, in ns; {@code -1} without a sample or if it is not eligible. */
    double estimateNanos(Backend backend) {
        LatencyEstimate estimate = snapshot.index.get(backend);
        return estimate == null ? -1.0 : estimate.at(ticker.getAsLong(), decay);
    }

    long decayNanos() {
        return decay.nanos();
    }

    long failurePenaltyNanos() {
        return (long) failurePenaltyNanos;
    }

    @Override
    public String toString() {
        Snapshot snap = snapshot;
        StringBuilder sb = new StringBuilder("peak_ewma{decay=")
                .append(decay.nanos() / 1e6)
                .append("ms, failure_penalty=")
                .append(failurePenaltyNanos / 1e6)
                .append("ms, estimates={");
        for (int i = 0; i < snap.backends.length; i++) {
            sb.append(i == 0 ? "" : ", ")
                    .append(snap.backends[i].id())
                    .append('=')
                    .append(snap.estimates[i]);
        }
        return sb.append("}}").toString();
    }

    /** What one {@link #update} publishes. Immutable once published; never modified. */
    private static final class Snapshot {
        final Backend[] backends;
        final LatencyEstimate[] estimates;
        final int[] weights;
        final IdentityHashMap<Backend, LatencyEstimate> index;

        Snapshot(Backend[] backends, LatencyEstimate[] estimates, int[] weights) {
            this(backends, estimates, weights, new IdentityHashMap<>());
        }

        Snapshot(
                Backend[] backends,
                LatencyEstimate[] estimates,
                int[] weights,
                IdentityHashMap<Backend, LatencyEstimate> index) {
            this.backends = backends;
            this.estimates = estimates;
            this.weights = weights;
            this.index = index;
        }
    }
}
