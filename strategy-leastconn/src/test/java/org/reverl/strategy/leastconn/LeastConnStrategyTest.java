package org.reverl.strategy.leastconn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.reverl.gateway.api.Backend;
import org.reverl.gateway.api.RequestContext;
import org.reverl.gateway.api.SelectionStrategy;
import org.reverl.gateway.api.SelectionStrategyProvider;
import org.reverl.gateway.testing.FakeBackend;

class LeastConnStrategyTest {

    private static SelectionStrategy create(Map<String, String> options) {
        return new LeastConnStrategyProvider().create(options);
    }

    private static LeastConnStrategy seeded(int choiceCount, long seed) {
        Random random = new Random(seed);
        return new LeastConnStrategy(choiceCount, random::nextLong);
    }

    private static List<Backend> list(Backend... backends) {
        return List.of(backends);
    }

    @Test
    void select_noBackends_returnsNull() {
        SelectionStrategy lc = create(Map.of());
        assertThat(lc.select(RequestContext.NONE)).isNull();
        lc.update(list(FakeBackend.of("b1", 1).inFlight(0)));
        lc.update(List.of());
        assertThat(lc.select(RequestContext.NONE)).isNull();
    }

    @Test
    void select_oneBackend_alwaysPicksIt() {
        SelectionStrategy lc = create(Map.of());
        FakeBackend b1 = FakeBackend.of("b1", 1).inFlight(42);
        lc.update(list(b1));
        for (int i = 0; i < 100; i++) {
            assertThat(lc.select(RequestContext.NONE)).isSameAs(b1);
        }
    }

    @Test
    void select_twoBackends_alwaysPicksTheLessLoaded() {
        SelectionStrategy lc = create(Map.of());
        FakeBackend busy = FakeBackend.of("busy", 1).inFlight(3);
        FakeBackend idle = FakeBackend.of("idle", 1).inFlight(1);
        lc.update(list(busy, idle));
        for (int i = 0; i < 1_000; i++) {
            assertThat(lc.select(RequestContext.NONE)).isSameAs(idle);
        }
    }

    @Test
    void select_twoBackendsTied_spreadsOverBoth() {
        LeastConnStrategy lc = seeded(2, 7);
        FakeBackend b1 = FakeBackend.of("b1", 1).inFlight(0);
        FakeBackend b2 = FakeBackend.of("b2", 1).inFlight(0);
        lc.update(list(b1, b2));
        Map<Backend, Integer> counts = new HashMap<>();
        for (int i = 0; i < 1_000; i++) {
            counts.merge(lc.select(RequestContext.NONE), 1, Integer::sum);
        }
        assertThat(counts)
                .containsOnlyKeys(b1, b2)
                .allSatisfy((b, c) -> assertThat(c).isBetween(400, 600));
    }

    @Test
    void select_weighted_comparesLoadPerWeight() {
        SelectionStrategy lc = create(Map.of());
        FakeBackend big = FakeBackend.of("big", 3).inFlight(2); // 2/3
        FakeBackend small = FakeBackend.of("small", 1).inFlight(1); // 1/1
        lc.update(list(big, small));
        for (int i = 0; i < 100; i++) {
            assertThat(lc.select(RequestContext.NONE)).isSameAs(big);
        }
        big.inFlight(4); // 4/3 > 1/1
        for (int i = 0; i < 100; i++) {
            assertThat(lc.select(RequestContext.NONE)).isSameAs(small);
        }
    }

    @Test
    void select_weighted_largeCountsDoNotOverflow() {
        SelectionStrategy lc = create(Map.of());
        FakeBackend a = FakeBackend.of("a", 10_000).inFlight(Integer.MAX_VALUE - 1);
        FakeBackend b = FakeBackend.of("b", 9_999).inFlight(Integer.MAX_VALUE);
        lc.update(list(a, b));
        // (MAX-1)/10000 < MAX/9999; an int product would overflow and invert the answer
        assertThat(lc.select(RequestContext.NONE)).isSameAs(a);
    }

    @Test
    void select_threeBackends_neverPicksTheMostLoaded() {
        // The most loaded backend can only win if it were compared with itself.
        for (long seed = 0; seed < 20; seed++) {
            LeastConnStrategy lc = seeded(2, seed);
            FakeBackend worst = FakeBackend.of("worst", 1).inFlight(9);
            List<Backend> backends = list(
                    FakeBackend.of("b1", 1).inFlight(1),
                    worst,
                    FakeBackend.of("b3", 1).inFlight(2));
            lc.update(backends);
            for (int i = 0; i < 500; i++) {
                assertThat(lc.select(RequestContext.NONE)).isNotSameAs(worst);
            }
        }
    }

    @Test
    void select_prefersTheLessLoaded_overManyBackends() {
        LeastConnStrategy lc = seeded(2, 11);
        List<Backend> backends = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            backends.add(FakeBackend.of("b" + i, 1).inFlight(i)); // b0 idle ... b9 busiest
        }
        lc.update(List.copyOf(backends));
        Map<Backend, Integer> counts = new HashMap<>();
        for (int i = 0; i < 10_000; i++) {
            counts.merge(lc.select(RequestContext.NONE), 1, Integer::sum);
        }
        // P(pick b_i) = 2 * (9 - i) / 90: strictly decreasing in load, never b9
        assertThat(counts).doesNotContainKey(backends.get(9));
        for (int i = 0; i < 8; i++) {
            assertThat(counts.getOrDefault(backends.get(i), 0))
                    .isGreaterThan(counts.getOrDefault(backends.get(i + 1), 0));
        }
    }

    @Test
    void select_anyChoiceCount_samplesDistinctBackends() {
        Random random = new Random(42);
        for (int round = 0; round < 200; round++) {
            int n = 2 + random.nextInt(40);
            int k = 2 + random.nextInt(9);
            LeastConnStrategy lc = seeded(k, random.nextLong());
            List<FakeBackend> backends = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                backends.add(FakeBackend.of("b" + i, 1 + random.nextInt(5)).inFlight(random.nextInt(10)));
            }
            lc.update(List.copyOf(backends));
            for (int pick = 0; pick < 20; pick++) {
                backends.forEach(b -> b.resetInFlightReads());
                lc.select(RequestContext.NONE);
                int sampled = 0;
                for (FakeBackend b : backends) {
                    assertThat(b.inFlightReads()).as("reads of %s", b).isLessThanOrEqualTo(1);
                    sampled += b.inFlightReads();
                }
                assertThat(sampled).as("n=%s, k=%s", n, k).isEqualTo(Math.min(n, k));
            }
        }
    }

    @Test
    void select_choiceCountAtLeastBackends_isExactMinimum() {
        Random random = new Random(3);
        for (int round = 0; round < 200; round++) {
            int n = 2 + random.nextInt(9);
            LeastConnStrategy lc = seeded(10, random.nextLong());
            List<FakeBackend> backends = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                backends.add(FakeBackend.of("b" + i, 1 + random.nextInt(5)).inFlight(random.nextInt(10)));
            }
            lc.update(List.copyOf(backends));
            FakeBackend picked = (FakeBackend) lc.select(RequestContext.NONE);
            for (FakeBackend b : backends) {
                // picked.inFlight / picked.weight <= b.inFlight / b.weight
                assertThat((long) picked.currentInFlight() * b.weight())
                        .isLessThanOrEqualTo((long) b.currentInFlight() * picked.weight());
            }
        }
    }

    @Test
    void select_concurrently_inFlightNeverNegativeAndReturnsToZero() throws Exception {
        SelectionStrategy lc = create(Map.of());
        List<FakeBackend> backends = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            backends.add(FakeBackend.of("b" + i, 1 + i % 2).inFlight(0));
        }
        lc.update(List.copyOf(backends));
        AtomicInteger negative = new AtomicInteger();
        int threads = 4;
        CountDownLatch start = new CountDownLatch(1);
        Callable<Integer> worker = () -> {
            start.await();
            ArrayDeque<FakeBackend> held = new ArrayDeque<>();
            int picks = 0;
            for (int i = 0; i < 20_000; i++) {
                FakeBackend b = (FakeBackend) lc.select(RequestContext.NONE);
                b.addInFlight(1);
                held.addLast(b);
                picks++;
                if (held.size() > 3) {
                    if (held.removeFirst().addInFlight(-1) < 0) {
                        negative.incrementAndGet();
                    }
                }
            }
            while (!held.isEmpty()) {
                if (held.removeFirst().addInFlight(-1) < 0) {
                    negative.incrementAndGet();
                }
            }
            return picks;
        };
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                results.add(pool.submit(worker));
            }
            start.countDown();
            int total = 0;
            for (Future<Integer> f : results) {
                total += f.get();
            }
            assertThat(total).isEqualTo(threads * 20_000);
        } finally {
            pool.shutdownNow();
        }
        assertThat(negative).hasValue(0);
        assertThat(backends).allSatisfy(b -> assertThat(b.currentInFlight()).isZero());
    }

    @Test
    void create_choiceCount_parsedAndBounded() {
        assertThat(((LeastConnStrategy) create(Map.of())).choiceCount()).isEqualTo(2);
        assertThat(((LeastConnStrategy) create(Map.of("choice_count", "10"))).choiceCount())
                .isEqualTo(10);
        assertThatThrownBy(() -> create(Map.of("choice_count", "11")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("strategy 'least_conn': choice_count: 11 (expected: 2-10)");
        assertThatThrownBy(() -> create(Map.of("choice_count", "1")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("strategy 'least_conn': choice_count: 1 (expected: 2-10)");
        assertThatThrownBy(() -> create(Map.of("choice_count", "two")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("strategy 'least_conn': choice_count: 'two' (expected: an integer 2-10)");
    }

    @Test
    void create_unknownOption_rejectedWithTheOptionAndValidOnes() {
        assertThatThrownBy(() -> create(Map.of("choices", "2")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("strategy 'least_conn': option: 'choices' (expected: one of [choice_count])");
    }

    @Test
    void serviceLoader_findsLeastConnByName() {
        Set<String> names = new HashSet<>();
        for (SelectionStrategyProvider p : ServiceLoader.load(SelectionStrategyProvider.class)) {
            names.add(p.name());
            if (p.name().equals("least_conn")) {
                assertThat(p).isInstanceOf(LeastConnStrategyProvider.class);
                assertThat(p.isAvailable()).isTrue();
                assertThat(p.create(Map.of())).isInstanceOf(LeastConnStrategy.class);
            }
        }
        assertThat(names).contains("least_conn");
    }
}
