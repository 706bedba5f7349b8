package org.reverl.strategy.roundrobin;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.reverl.gateway.api.Backend;
import org.reverl.gateway.api.Checks;

/**
 * An immutable weighted round-robin cycle: position {@code p} of a cycle of {@link #length()} picks maps to a backend,
 * and over one full cycle each backend appears exactly {@code weight / gcd(weights)} times.
 *
 * <p>Built from the backends' {@link Backend#effectiveWeight() effective weights} divided by their greatest common
 * divisor; {@code W} below is the sum of those reduced weights and {@code D} the number of distinct ones. Backends with
 * equal weight form a <em>class</em> and take turns in configuration order inside it.
 *
 * <ul>
 *   <li>{@link Smooth} when {@code W <= maxLength} (default {@value WeightedRoundRobinStrategy#DEFAULT_MAX_SCHEDULE_LENGTH}):
 *       nginx's smooth weighted round robin, precomputed into a {@code char[W]} (at most 128 KiB). Pick: one array
 *       read. Over every prefix of {@code k} picks a backend of weight {@code w} has been picked {@code k * w / W}
 *       times, less than 1 off. Built in {@code O(W * D)}.
 *   <li>{@link Split} when {@code W} is larger: a balanced binary tree over the weight classes, in which each node
 *       splits its positions between its two halves like Bresenham's line algorithm ({@code p} goes left iff
 *       {@code floor((p + 1) * A / T) > floor(p * A / T)}). Pick: {@code O(log D)} multiplications and divisions,
 *       memory {@code O(n)}. Each level is exact and less than 1 off its ideal, so a backend is at most about
 *       {@code ceil(log2 D) + 1} picks off its ideal share over any prefix.
 * </ul>
 *
 * <p>Immutable, so safe to share between threads once published.
 */
abstract sealed class WeightedSchedule permits WeightedSchedule.Empty, WeightedSchedule.Smooth, WeightedSchedule.Split {

    /** The largest reduced total weight a schedule supports, so that {@code p * A} fits in a {@code long}. */
    static final long MAX_TOTAL_WEIGHT = Integer.MAX_VALUE;

    static final WeightedSchedule EMPTY = new Empty();

    final Backend[] backends;

    WeightedSchedule(Backend[] backends) {
        this.backends = backends;
    }

    /** The number of picks in one full cycle. */
    abstract long length();

    /** The backend at {@code position}, {@code 0 <= position < length()}. */
    abstract Backend at(long position);

    /** The backend for the {@code sequence}-th pick, {@code sequence >= 0}; {@code null} if there is no backend. */
    final Backend pick(long sequence) {
        long length = length();
        return length == 0 ? null : at(sequence % length);
    }

    /**
     * Builds the schedule for {@code backends}, reading each one's effective weight once.
     *
     * @throws IllegalArgumentException if the reduced total weight exceeds {@link #MAX_TOTAL_WEIGHT}
     */
    static WeightedSchedule of(Backend[] backends, int maxLength) {
        int n = backends.length;
        if (n == 0) {
            return EMPTY;
        }
        int[] weights = new int[n];
        int gcd = 0;
        for (int i = 0; i < n; i++) {
            weights[i] = Math.max(1, backends[i].effectiveWeight());
            gcd = gcd(gcd, weights[i]);
        }
        long total = 0;
        for (int i = 0; i < n; i++) {
            weights[i] /= gcd;
            total += weights[i];
        }
        if (total > MAX_TOTAL_WEIGHT) {
            throw new IllegalArgumentException(Checks.message(
                    "strategy 'weighted_round_robin': total weight / gcd", total, "<= " + MAX_TOTAL_WEIGHT));
        }
        Classes classes = Classes.of(weights);
        return total <= maxLength ? Smooth.of(backends, classes, (int) total) : new Split(backends, classes, total);
    }

    private static int gcd(int a, int b) {
        while (b != 0) {
            int t = a % b;
            a = b;
            b = t;
        }
        return a;
    }

    /** Backends grouped by equal weight, classes in order of first appearance, members in configuration order. */
    static final class Classes {
        final int[] weight; // per class
        final int[]
                memberStart; // per class, plus one: members of class c are members[memberStart[c]..memberStart[c+1])
        final int[] members; // backend indexes

        private Classes(int[] weight, int[] memberStart, int[] members) {
            this.weight = weight;
            this.memberStart = memberStart;
            this.members = members;
        }

        static Classes of(int[] weights) {
            Map<Integer, List<Integer>> byWeight = new LinkedHashMap<>();
            for (int i = 0; i < weights.length; i++) {
                byWeight.computeIfAbsent(weights[i], w -> new ArrayList<>()).add(i);
            }
            int d = byWeight.size();
            int[] weight = new int[d];
            int[] memberStart = new int[d + 1];
            int[] members = new int[weights.length];
            int c = 0;
            int m = 0;
            for (Map.Entry<Integer, List<Integer>> e : byWeight.entrySet()) {
                weight[c] = e.getKey();
                memberStart[c] = m;
                for (int index : e.getValue()) {
                    members[m++] = index;
                }
                c++;
            }
            memberStart[d] = m;
            return new Classes(weight, memberStart, members);
        }

        int count() {
            return weight.length;
        }

        int size(int c) {
            return memberStart[c + 1] - memberStart[c];
        }

        /** The {@code k}-th turn inside class {@code c}: its members in turn. */
        int member(int c, long k) {
            return members[memberStart[c] + (int) (k % size(c))];
        }
    }

    static final class Empty extends WeightedSchedule {
        Empty() {
            super(new Backend[0]);
        }

        @Override
        long length() {
            return 0;
        }

        @Override
        Backend at(long position) {
            throw new IndexOutOfBoundsException("position: " + position + " (expected: none, the schedule is empty)");
        }
    }

    /** nginx's smooth weighted round robin, precomputed. */
    static final class Smooth extends WeightedSchedule {
        private final char[] order; // backend indexes; n <= W <= maxLength <= 65536 picks fit in a char

        private Smooth(Backend[] backends, char[] order) {
            super(backends);
            this.order = order;
        }

        /**
         * Runs smooth weighted round robin for one cycle. In nginx's formulation every backend {@code i} keeps {@code
         * current_i}, adds its weight at each step, the largest {@code current} wins (the first one on ties) and gives
         * back {@code W}. Members of one class all add the same weight, so inside a class the member picked least often
         * (the first such in order) always leads: the class takes turns, and only each class's leader needs comparing,
         * {@code current = t * w - W * floor(picks / size)}. That makes a step {@code O(D)} instead of {@code O(n)},
         * with the very same sequence.
         */
        static Smooth of(Backend[] backends, Classes classes, int total) {
            if (backends.length > Character.MAX_VALUE + 1) {
                throw new IllegalStateException("backends: " + backends.length + " (expected: <= 65536)");
            }
            int d = classes.count();
            long[] picks = new long[d];
            char[] order = new char[total];
            for (int t = 1; t <= total; t++) {
                int best = -1;
                long bestCurrent = 0;
                int bestIndex = 0;
                for (int c = 0; c < d; c++) {
                    long current = (long) t * classes.weight[c] - (long) total * (picks[c] / classes.size(c));
                    int index = classes.member(c, picks[c]);
                    if (best < 0 || current > bestCurrent || (current == bestCurrent && index < bestIndex)) {
                        best = c;
                        bestCurrent = current;
                        bestIndex = index;
                    }
                }
                picks[best]++;
                order[t - 1] = (char) bestIndex;
            }
            return new Smooth(backends, order);
        }

        @Override
        long length() {
            return order.length;
        }

        @Override
        Backend at(long position) {
            return backends[order[(int) position]];
        }
    }

    /** Bresenham splits down a balanced tree over the weight classes; nothing precomputed but prefix sums. */
    static final class Split extends WeightedSchedule {
        private final Classes classes;
        private final long[] prefix; // prefix[c] = total weight of classes 0..c-1
        private final long total;

        Split(Backend[] backends, Classes classes, long total) {
            super(backends);
            this.classes = classes;
            int d = classes.count();
            this.prefix = new long[d + 1];
            for (int c = 0; c < d; c++) {
                prefix[c + 1] = prefix[c] + (long) classes.weight[c] * classes.size(c);
            }
            this.total = total;
        }

        @Override
        long length() {
            return total;
        }

        @Override
        Backend at(long position) {
            long p = position;
            long t = total;
            int lo = 0;
            int hi = classes.count();
            while (hi - lo > 1) {
                int mid = (lo + hi) >>> 1;
                long a = prefix[mid] - prefix[lo]; // the left half's share of t
                long before = p * a / t; // left positions in [0, p)
                if ((p + 1) * a / t > before) { // p is a left position
                    p = before;
                    t = a;
                    hi = mid;
                } else {
                    p -= before;
                    t -= a;
                    lo = mid;
                }
            }
            return backends[classes.member(lo, p)];
        }
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "{length=" + length() + ", backends=" + Arrays.toString(backends) + '}';
    }
}
