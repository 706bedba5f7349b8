package org.reverl.strategy.leastconn;

import static java.util.Objects.requireNonNull;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.reverl.gateway.api.Backend;
import org.reverl.gateway.api.RequestContext;
import org.reverl.gateway.api.SelectionStrategy;

/**
 * Power of d choices over {@code inFlight / effectiveWeight}.
 *
 * <h2>Sampling</h2>
 * A pick compares {@code k = min(choiceCount, n)} <em>distinct</em> backends: those at {@code s, s + d, s + 2d, ...}
 * (mod {@code n}) for a random start {@code s} and a random step {@code d} (both from one 64-bit draw when {@code k = 2}) whose order in {@code Z_n} is at least
 * {@code k}, so no backend is compared with itself. For {@code k = 2} this is exactly a uniform random pair; for
 * {@code k > 2} every backend is equally likely to be sampled, although not every {@code k}-subset is. When {@code k =
 * n} the step is 1 and every backend is compared, from a random start so that ties (e.g. all idle) are spread instead
 * of all going to the first backend: with one or two backends the pick is exact.
 *
 * <h2>Load</h2>
 * {@code a} is less loaded than {@code b} when {@code a.inFlight / wa < b.inFlight / wb}, compared as {@code
 * a.inFlight * wb < b.inFlight * wa} in {@code long}, so there is no division and no rounding. The weights are the
 * backends' {@link Backend#effectiveWeight() effective weights} read in {@link #update}; the in-flight counts are read
 * live at each pick.
 *
 * <h2>Threading</h2>
 * {@link #update} builds an immutable {@link Snapshot} and publishes it with one volatile write; {@link #select} does one
 * volatile read and works on that snapshot with {@link ThreadLocalRandom}: lock-free and allocation-free.
 */
final class LeastConnStrategy implements SelectionStrategy {

    /** A source of 64 uniform random bits; a seam for tests. Must be thread-safe. */
    @FunctionalInterface
    interface RandomSource {
        long nextLong();
    }

    static final RandomSource THREAD_LOCAL_RANDOM =
            () -> ThreadLocalRandom.current().nextLong();

    private static final Snapshot EMPTY = new Snapshot(new Backend[0], new int[0]);

    private final int choiceCount;
    private final RandomSource random;
    private volatile Snapshot snapshot = EMPTY;

    LeastConnStrategy(int choiceCount, RandomSource random) {
        this.choiceCount = choiceCount;
        this.random = requireNonNull(random, "random");
    }

    @Override
    public void update(List<Backend> eligible) {
        Backend[] backends = requireNonNull(eligible, "eligible").toArray(new Backend[0]);
        int[] weights = new int[backends.length];
        for (int i = 0; i < backends.length; i++) {
            // effectiveWeight() is 1..weight() by contract; the floor keeps a broken Backend from zeroing a product.
            weights[i] = Math.max(1, backends[i].effectiveWeight());
        }
        snapshot = new Snapshot(backends, weights);
    }

    @Override
    public Backend select(RequestContext request) {
        Snapshot snap = snapshot; // the one volatile read
        Backend[] backends = snap.backends;
        int n = backends.length;
        if (n <= 1) {
            return n == 0 ? null : backends[0];
        }
        int[] weights = snap.weights;
        int k = Math.min(choiceCount, n);
        // One draw gives both the start (high half) and, for k = 2, the step (low half): bounded by multiply-shift,
        // which costs a third of two bounded nextInt calls; the bias is below n / 2^32.
        long bits = random.nextLong();
        int i = bounded(bits >>> 32, n);
        int step = k == n ? 1 : k == 2 ? 1 + bounded(bits & 0xFFFF_FFFFL, n - 1) : step(n, k);
        int best = i;
        long bestLoad = backends[i].inFlight();
        long bestWeight = weights[i];
        for (int j = 1; j < k; j++) {
            i += step;
            if (i >= n) {
                i -= n;
            }
            long load = backends[i].inFlight();
            long weight = weights[i];
            if (load * bestWeight < bestLoad * weight) { // load / weight < bestLoad / bestWeight
                best = i;
                bestLoad = load;
                bestWeight = weight;
            }
        }
        return backends[best];
    }

    /**
     * A random step in {@code [1, n)} such that {@code s, s + step, ..., s + (k - 1) * step} are distinct mod {@code
     * n}, i.e. {@code n / gcd(step, n) >= k}. Any step qualifies for {@code k = 2}; step 1 always qualifies, so the loop
     * ends, and for {@code k <= 10} it rarely runs twice.
     */
    private int step(int n, int k) {
        while (true) {
            int step = 1 + bounded(random.nextLong() >>> 32, n - 1);
            if (n / gcd(step, n) >= k) {
                return step;
            }
        }
    }

    /** Maps 32 uniform bits ({@code [0, 2^32)}) to {@code [0, bound)} by multiply-shift (Lemire). */
    private static int bounded(long bits32, int bound) {
        return (int) ((bits32 * bound) >>> 32);
    }

    private static int gcd(int a, int b) {
        while (b != 0) {
            int t = a % b;
            a = b;
            b = t;
        }
        return a;
    }

    int choiceCount() {
        return choiceCount;
    }

    @Override
    public String toString() {
        return "least_conn{choice_count=" + choiceCount + ", backends=" + Arrays.toString(snapshot.backends) + '}';
    }

    /** What one {@link #update} publishes. Immutable once published; never modified. */
    private static final class Snapshot {
        final Backend[] backends;
        final int[] weights;

        Snapshot(Backend[] backends, int[] weights) {
            this.backends = backends;
            this.weights = weights;
        }
    }
}
