package org.reverl.strategy.roundrobin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.ServiceLoader;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.reverl.gateway.api.Backend;
import org.reverl.gateway.api.BackendSpec;
import org.reverl.gateway.api.BackendState;
import org.reverl.gateway.api.RequestContext;
import org.reverl.gateway.api.SelectionStrategy;
import org.reverl.gateway.api.SelectionStrategyProvider;

class WeightedRoundRobinStrategyTest {

    /** A backend whose effective weight the test sets, as slow start would. */
    private static final class WeightedBackend implements Backend {
        private final BackendSpec spec;
        volatile int effectiveWeight;

        WeightedBackend(String id, int weight) {
            this.spec = BackendSpec.of(id, "local:" + id).withWeight(weight);
            this.effectiveWeight = weight;
        }

        @Override
        public BackendSpec spec() {
            return spec;
        }

        @Override
        public int effectiveWeight() {
            return effectiveWeight;
        }

        @Override
        public BackendState state() {
            return BackendState.UP;
        }

        @Override
        public int inFlight() {
            return 0;
        }

        @Override
        public String toString() {
            return spec.id();
        }
    }

    private static List<Backend> backends(int... weights) {
        List<Backend> list = new ArrayList<>();
        for (int i = 0; i < weights.length; i++) {
            list.add(new WeightedBackend("b" + i, weights[i]));
        }
        return List.copyOf(list);
    }

    private static int[] randomWeights(Random random, int maxBackends, int maxWeight) {
        int[] weights = new int[1 + random.nextInt(maxBackends)];
        for (int i = 0; i < weights.length; i++) {
            weights[i] = 1 + random.nextInt(maxWeight);
        }
        return weights;
    }

    /** nginx's smooth weighted round robin, O(n) per pick: the reference. */
    private static int[] nginxSequence(int[] weights, int picks) {
        long total = 0;
        for (int w : weights) {
            total += w;
        }
        long[] current = new long[weights.length];
        int[] sequence = new int[picks];
        for (int k = 0; k < picks; k++) {
            int best = -1;
            for (int i = 0; i < weights.length; i++) {
                current[i] += weights[i];
                if (best < 0 || current[i] > current[best]) {
                    best = i;
                }
            }
            current[best] -= total;
            sequence[k] = best;
        }
        return sequence;
    }

    private static int[] picks(SelectionStrategy strategy, List<Backend> backends, int count) {
        int[] sequence = new int[count];
        for (int k = 0; k < count; k++) {
            sequence[k] = backends.indexOf(strategy.select(RequestContext.NONE));
        }
        return sequence;
    }

    private static long reducedTotal(int[] weights) {
        int gcd = 0;
        long total = 0;
        for (int w : weights) {
            gcd = java.math.BigInteger.valueOf(gcd)
                    .gcd(java.math.BigInteger.valueOf(w))
                    .intValue();
            total += w;
        }
        return total / gcd;
    }

    /**
     * Over every prefix of {@code sequence} (two cycles long), backend {@code i}'s count stays within {@code bound} of
     * {@code k * w_i / W}; returns the largest deviation seen.
     */
    private static double maxDeviation(int[] weights, int[] sequence) {
        long total = 0;
        for (int w : weights) {
            total += w;
        }
        int[] counts = new int[weights.length];
        double max = 0;
        for (int k = 0; k < sequence.length; k++) {
            counts[sequence[k]]++;
            for (int i = 0; i < weights.length; i++) {
                max = Math.max(max, Math.abs(counts[i] - (double) (k + 1) * weights[i] / total));
            }
        }
        return max;
    }

    /** The longest run of one backend, and the run any schedule within {@code deviation} of ideal must stay under. */
    private static void assertNoBurstBeyond(int[] weights, int[] sequence, double deviation) {
        long total = 0;
        for (int w : weights) {
            total += w;
        }
        int run = 0;
        for (int k = 0; k < sequence.length; k++) {
            run = k > 0 && sequence[k] == sequence[k - 1] ? run + 1 : 1;
            int w = weights[sequence[k]];
            if (w < total) {
                // r consecutive picks put the count r * (1 - w/W) ahead of its ideal, which a schedule that stays
                // within
                // the deviation on both sides cannot exceed 2 * deviation.
                assertThat((double) run * (total - w) / total)
                        .as("run of b%s in %s", sequence[k], java.util.Arrays.toString(weights))
                        .isLessThanOrEqualTo(2 * deviation + 1e-9);
            }
        }
    }

    @Test
    void select_nginxExample_isSmooth() {
        SelectionStrategy wrr = new WeightedRoundRobinStrategyProvider().create(Map.of());
        List<Backend> b = backends(5, 1, 1);
        wrr.update(b);
        assertThat(picks(wrr, b, 14)).containsExactly(0, 0, 1, 0, 2, 0, 0, 0, 0, 1, 0, 2, 0, 0);
    }

    @Test
    void select_equalWeights_isPlainRoundRobin() {
        SelectionStrategy wrr = new WeightedRoundRobinStrategyProvider().create(Map.of());
        List<Backend> b = backends(3, 3, 3);
        wrr.update(b);
        assertThat(picks(wrr, b, 7)).containsExactly(0, 1, 2, 0, 1, 2, 0);
        assertThat(((WeightedRoundRobinStrategy) wrr).schedule().length()).isEqualTo(3); // reduced by the gcd
    }

    @Test
    void select_noBackends_returnsNull() {
        SelectionStrategy wrr = new WeightedRoundRobinStrategyProvider().create(Map.of());
        assertThat(wrr.select(RequestContext.NONE)).isNull();
        wrr.update(backends(2));
        wrr.update(List.of());
        assertThat(wrr.select(RequestContext.NONE)).isNull();
    }

    @Test
    void select_randomWeights_matchesNginxSmoothWeightedRoundRobin() {
        Random random = new Random(20240601);
        for (int round = 0; round < 300; round++) {
            int[] weights = randomWeights(random, 12, round % 2 == 0 ? 10 : 500);
            int gcd = 0;
            for (int w : weights) {
                gcd = java.math.BigInteger.valueOf(gcd)
                        .gcd(java.math.BigInteger.valueOf(w))
                        .intValue();
            }
            int[] reduced = weights.clone();
            for (int i = 0; i < reduced.length; i++) {
                reduced[i] /= gcd;
            }
            List<Backend> b = backends(weights);
            WeightedRoundRobinStrategy wrr = new WeightedRoundRobinStrategy(0);
            wrr.update(b);
            int cycle = (int) reducedTotal(weights);
            assertThat(picks(wrr, b, 2 * cycle))
                    .as("weights %s", java.util.Arrays.toString(weights))
                    .containsExactly(nginxSequence(reduced, 2 * cycle));
        }
    }

    @Test
    void select_randomWeights_exactOverEveryFullCycle() {
        Random random = new Random(7);
        for (int round = 0; round < 200; round++) {
            int[] weights = randomWeights(random, 10, round % 2 == 0 ? 20 : 10_000);
            boolean split = round % 3 == 0; // force the large-weight schedule on a third of the rounds
            WeightedRoundRobinStrategy wrr = new WeightedRoundRobinStrategy(random.nextLong(), split ? 0 : 1 << 16);
            List<Backend> b = backends(weights);
            wrr.update(b);
            long cycle = reducedTotal(weights);
            if (cycle > 200_000) {
                continue; // bounded loops
            }
            long scale = (long) java.util.Arrays.stream(weights).sum() / cycle;
            for (int c = 0; c < 2; c++) {
                int[] counts = new int[weights.length];
                for (int seq : picks(wrr, b, (int) cycle)) {
                    counts[seq]++;
                }
                for (int i = 0; i < weights.length; i++) {
                    assertThat((long) counts[i] * scale)
                            .as("backend %s of %s (split=%s)", i, java.util.Arrays.toString(weights), split)
                            .isEqualTo(weights[i]);
                }
            }
        }
    }

    @Test
    void select_randomWeights_smoothSchedule_withinOneOfIdealOverEveryPrefix() {
        Random random = new Random(11);
        for (int round = 0; round < 200; round++) {
            int[] weights = randomWeights(random, 8, round % 2 == 0 ? 10 : 300);
            WeightedRoundRobinStrategy wrr = new WeightedRoundRobinStrategy(0);
            List<Backend> b = backends(weights);
            wrr.update(b);
            assertThat(wrr.schedule()).isInstanceOf(WeightedSchedule.Smooth.class);
            int[] sequence = picks(wrr, b, (int) (2 * reducedTotal(weights)));
            assertThat(maxDeviation(weights, sequence))
                    .as("weights %s", java.util.Arrays.toString(weights))
                    .isLessThan(1.0);
            assertNoBurstBeyond(weights, sequence, 1.0);
        }
    }

    @Test
    void select_randomWeights_splitSchedule_withinLogOfIdealOverEveryPrefix() {
        Random random = new Random(13);
        for (int round = 0; round < 200; round++) {
            int[] weights = randomWeights(random, 16, round % 2 == 0 ? 10 : 300);
            WeightedRoundRobinStrategy wrr = new WeightedRoundRobinStrategy(0, 0);
            List<Backend> b = backends(weights);
            wrr.update(b);
            assertThat(wrr.schedule()).isInstanceOf(WeightedSchedule.Split.class);
            long distinct = java.util.Arrays.stream(weights).distinct().count();
            // one Bresenham level per tree level, less than 1 off each, plus the turn inside the class
            double bound = Math.ceil(Math.log(distinct) / Math.log(2)) + 1;
            int[] sequence = picks(wrr, b, (int) (2 * reducedTotal(weights)));
            assertThat(maxDeviation(weights, sequence))
                    .as("weights %s", java.util.Arrays.toString(weights))
                    .isLessThan(bound);
            assertNoBurstBeyond(weights, sequence, bound);
        }
    }

    @Test
    void update_largeTotalWeight_usesTheSplitScheduleWithinBoundedMemory() {
        List<Backend> b = backends(10_000, 9_999, 9_998, 9_997, 9_996, 9_995, 9_994, 9_993);
        WeightedRoundRobinStrategy wrr = new WeightedRoundRobinStrategy(0);
        wrr.update(b);
        assertThat(wrr.schedule()).isInstanceOf(WeightedSchedule.Split.class);
        assertThat(wrr.schedule().length()).isEqualTo(79_972);
        Set<Backend> seen = new HashSet<>();
        for (int k = 0; k < 16; k++) {
            seen.add(wrr.select(RequestContext.NONE));
        }
        assertThat(seen).containsExactlyInAnyOrderElementsOf(b);
    }

    @Test
    void update_effectiveWeightChanged_takesEffectAtTheNextUpdate() {
        WeightedRoundRobinStrategy wrr = new WeightedRoundRobinStrategy(0);
        List<Backend> b = backends(3, 1);
        wrr.update(b);
        ((WeightedBackend) b.get(0)).effectiveWeight = 1; // slow start
        assertThat(picks(wrr, b, 4)).containsExactly(0, 0, 1, 0); // old snapshot
        wrr.update(b);
        assertThat(wrr.schedule().length()).isEqualTo(2);
        assertThat(picks(wrr, b, 4)).containsExactlyInAnyOrder(0, 1, 0, 1);
    }

    @Test
    void select_afterLongSequenceWrap_staysInRange() {
        WeightedRoundRobinStrategy wrr = new WeightedRoundRobinStrategy(Long.MAX_VALUE - 3);
        List<Backend> b = backends(2, 1);
        wrr.update(b);
        for (int i = 0; i < 12; i++) {
            assertThat(wrr.select(RequestContext.NONE)).isIn(b);
        }
    }

    @Test
    void create_unknownOption_rejectedWithTheOptionAndValidOnes() {
        assertThatThrownBy(() -> new WeightedRoundRobinStrategyProvider().create(Map.of("x", "1")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("strategy 'weighted_round_robin': option: 'x' (expected: one of [start])");
        assertThatThrownBy(() -> new WeightedRoundRobinStrategyProvider().create(Map.of("start", "last")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("strategy 'weighted_round_robin': start: 'last' (expected: first or random)");
    }

    @Test
    void serviceLoader_findsBothStrategiesByName() {
        Set<String> names = new HashSet<>();
        for (SelectionStrategyProvider p : ServiceLoader.load(SelectionStrategyProvider.class)) {
            names.add(p.name());
            if (p.name().equals("weighted_round_robin")) {
                assertThat(p).isInstanceOf(WeightedRoundRobinStrategyProvider.class);
                assertThat(p.isAvailable()).isTrue();
                assertThat(p.create(Map.of("start", "random"))).isInstanceOf(WeightedRoundRobinStrategy.class);
            }
        }
        assertThat(names).contains("round_robin", "weighted_round_robin");
    }
}
