package org.reverl.strategy.hash;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.reverl.gateway.api.Backend;
import org.reverl.gateway.api.RequestContext;
import org.reverl.gateway.api.SelectionStrategy;
import org.reverl.gateway.api.SelectionStrategyProvider;
import org.reverl.gateway.testing.FakeBackend;

class ConsistentHashStrategyTest {

    private static final int KEYS = 100_000;

    private static SelectionStrategyProvider provider(String name) {
        for (SelectionStrategyProvider p : ServiceLoader.load(SelectionStrategyProvider.class)) {
            if (p.name().equals(name)) {
                return p;
            }
        }
        throw new AssertionError("no provider " + name);
    }

    private static SelectionStrategy strategy(String name, Map<String, String> options) {
        return provider(name).create(options);
    }

    private static List<Backend> backends(int n) {
        List<Backend> list = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            list.add(FakeBackend.of("b" + i));
        }
        return list;
    }

    /** The backend of each of {@link #KEYS} client keys. */
    private static Backend[] placement(SelectionStrategy s) {
        Backend[] placed = new Backend[KEYS];
        Keys request = Keys.client(0);
        for (int k = 0; k < KEYS; k++) {
            placed[k] = s.select(request.set(k));
        }
        return placed;
    }

    @Test
    void bothFoundByServiceLoader() {
        Set<String> names = new HashSet<>();
        ServiceLoader.load(SelectionStrategyProvider.class).forEach(p -> names.add(p.name()));
        assertThat(names).contains("ring_hash", "maglev");
    }

    @ParameterizedTest
    @ValueSource(strings = {"ring_hash", "maglev"})
    void noBackends_null_oneBackend_it(String name) {
        SelectionStrategy s = strategy(name, Map.of());
        assertThat(s.select(Keys.client(1))).isNull();
        List<Backend> one = backends(1);
        s.update(one);
        assertThat(s.select(Keys.client(1))).isSameAs(one.get(0));
        s.update(List.of());
        assertThat(s.select(Keys.client(1))).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"ring_hash", "maglev"})
    void sameKey_sameBackend_over1000Requests_forEachOf100Keys(String name) {
        SelectionStrategy s = strategy(name, Map.of("balance_factor", "150"));
        s.update(backends(10));
        Set<Backend> used = new HashSet<>();
        for (int key = 0; key < 100; key++) {
            Keys request = Keys.client(key);
            Backend first = s.select(request);
            for (int i = 0; i < 1000; i++) {
                assertThat(s.select(request)).isSameAs(first);
            }
            used.add(first);
        }
        assertThat(used).hasSize(10); // and the keys are spread, not all on one backend
    }

    @ParameterizedTest
    @ValueSource(strings = {"ring_hash", "maglev"})
    void keysAreSpreadEvenly(String name) {
        SelectionStrategy s = strategy(name, Map.of());
        List<Backend> list = backends(10);
        s.update(list);
        Map<Backend, Integer> counts = count(placement(s));
        double tolerance = name.equals("maglev") ? 0.05 : 0.20;
        for (Backend b : list) {
            assertThat(counts.get(b) / (double) KEYS)
                    .as(b.id())
                    .isCloseTo(0.1, org.assertj.core.data.Offset.offset(0.1 * tolerance));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"ring_hash", "maglev"})
    void weights_giveProportionalShares(String name) {
        SelectionStrategy s = strategy(name, Map.of());
        List<Backend> list = List.of(FakeBackend.of("a", 1), FakeBackend.of("b", 3), FakeBackend.of("c", 6));
        s.update(list);
        Map<Backend, Integer> counts = count(placement(s));
        assertThat(counts.get(list.get(0)) / (double) KEYS).isCloseTo(0.1, org.assertj.core.data.Offset.offset(0.02));
        assertThat(counts.get(list.get(1)) / (double) KEYS).isCloseTo(0.3, org.assertj.core.data.Offset.offset(0.03));
        assertThat(counts.get(list.get(2)) / (double) KEYS).isCloseTo(0.6, org.assertj.core.data.Offset.offset(0.03));
    }

    /**
     * Removing one of ten backends must move its keys (about 1/10) and, for the ring, nothing else; adding an eleventh
     * must move about 1/11 of the keys, all to it. The fractions are printed for the README.
     */
    @ParameterizedTest
    @ValueSource(strings = {"ring_hash", "maglev"})
    void membershipChange_movesAbout1OverNOfTheKeys(String name) {
        SelectionStrategy s = strategy(name, Map.of());
        List<Backend> ten = backends(10);
        s.update(ten);
        Backend[] before = placement(s);

        List<Backend> nine = new ArrayList<>(ten);
        Backend removed = nine.remove(3);
        s.update(nine);
        Backend[] afterRemove = placement(s);
        int moved = 0;
        int movedFromOthers = 0;
        for (int k = 0; k < KEYS; k++) {
            if (before[k] != afterRemove[k]) {
                moved++;
                if (before[k] != removed) {
                    movedFromOthers++;
                }
            }
        }
        double removedShare = count(before).get(removed) / (double) KEYS;

        List<Backend> eleven = new ArrayList<>(ten);
        Backend added = FakeBackend.of("b10");
        eleven.add(added);
        s.update(eleven);
        Backend[] afterAdd = placement(s);
        int movedOnAdd = 0;
        int movedElsewhere = 0;
        for (int k = 0; k < KEYS; k++) {
            if (before[k] != afterAdd[k]) {
                movedOnAdd++;
                if (afterAdd[k] != added) {
                    movedElsewhere++;
                }
            }
        }
        System.out.printf(
                "%s: remove 1 of 10 moved %.4f of keys (the removed backend held %.4f; %.4f from others);"
                        + " add an 11th moved %.4f (ideal %.4f; %.4f not to the new one)%n",
                name,
                moved / (double) KEYS,
                removedShare,
                movedFromOthers / (double) KEYS,
                movedOnAdd / (double) KEYS,
                1 / 11.0,
                movedElsewhere / (double) KEYS);

        assertThat(moved - movedFromOthers)
                .as("every key of the removed backend moves")
                .isEqualTo(count(before).get(removed));
        assertThat(moved / (double) KEYS).isBetween(0.07, 0.13);
        assertThat(movedOnAdd / (double) KEYS).isBetween(0.06, 0.12);
        if (name.equals("ring_hash")) {
            assertThat(movedFromOthers)
                    .as("ring: only the removed backend's keys move")
                    .isZero();
            assertThat(movedElsewhere)
                    .as("ring: keys move only to the added backend")
                    .isZero();
        } else {
            assertThat(movedFromOthers / (double) KEYS)
                    .as("maglev: few keys of others move")
                    .isLessThan(0.02);
            assertThat(movedElsewhere / (double) KEYS)
                    .as("maglev: few keys move between old backends")
                    .isLessThan(0.02);
        }
    }

    /**
     * Skewed keys (Zipf over 1,000 clients, s = 1.1: the top client sends about an eighth of all requests), 200
     * requests in flight at any time: with {@code balance_factor: 150} no backend ever holds more than {@code ceil(1.5
     * x mean)}; without it, the hot keys' backends go well past that.
     */
    @ParameterizedTest
    @ValueSource(strings = {"ring_hash", "maglev"})
    void skewedKeys_boundedLoads_keepEveryBackendWithinTheFactorOfTheMean(String name) {
        int n = 8;
        double unbounded = maxLoadOverMean(strategy(name, Map.of()), n);
        double bounded = maxLoadOverMean(strategy(name, Map.of("balance_factor", "150")), n);
        System.out.printf(
                "%s: skewed keys, max in-flight / mean: %.2f unbounded, %.2f with balance_factor 150%n",
                name, unbounded, bounded);
        assertThat(unbounded).as("the skew alone overloads a backend").isGreaterThan(2.0);
        assertThat(bounded).isLessThanOrEqualTo(1.5 + n / 200.0); // ceil(1.5 * mean), mean = 200 / n
    }

    /** Runs 50,000 requests with 200 in flight; returns the largest in-flight count seen over the mean. */
    private static double maxLoadOverMean(SelectionStrategy s, int n) {
        List<Backend> list = backends(n);
        s.update(list);
        int window = 200;
        double[] cdf = zipfCdf(1000, 1.1);
        SplittableRandom random = new SplittableRandom(7);
        ArrayDeque<FakeBackend> inFlight = new ArrayDeque<>();
        Keys request = Keys.client(0);
        double worst = 0;
        for (int i = 0; i < 50_000; i++) {
            int client = sample(cdf, random.nextDouble());
            FakeBackend chosen = (FakeBackend) s.select(request.set(client));
            int load = chosen.addInFlight(1);
            inFlight.add(chosen);
            if (inFlight.size() > window) {
                inFlight.poll().addInFlight(-1);
            }
            if (i >= window) {
                worst = Math.max(worst, load / (window / (double) n));
            }
        }
        return worst;
    }

    private static double[] zipfCdf(int keys, double s) {
        double[] cdf = new double[keys];
        double sum = 0;
        for (int k = 0; k < keys; k++) {
            sum += 1 / Math.pow(k + 1, s);
            cdf[k] = sum;
        }
        for (int k = 0; k < keys; k++) {
            cdf[k] /= sum;
        }
        return cdf;
    }

    private static int sample(double[] cdf, double u) {
        int i = java.util.Arrays.binarySearch(cdf, u);
        return Math.min(cdf.length - 1, i >= 0 ? i : -i - 1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"ring_hash", "maglev"})
    void headerKey_usesTheHeader_andFallsBackToTheClientWhenMissing(String name) {
        SelectionStrategy byHeader = strategy(name, Map.of("key", "header:X-User"));
        SelectionStrategy byClient = strategy(name, Map.of());
        List<Backend> list = backends(10);
        byHeader.update(list);
        byClient.update(list);

        // many clients, one user: one backend
        Set<Backend> forOneUser = new HashSet<>();
        for (int c = 0; c < 200; c++) {
            Keys request = Keys.client(c);
            request.headerHash = 12345;
            forOneUser.add(byHeader.select(request));
            assertThat(request.lastAsked).hasToString("header:X-User");
        }
        assertThat(forOneUser).hasSize(1);

        // no such header: the client's backend, as with key client_ip
        for (int c = 0; c < 200; c++) {
            assertThat(byHeader.select(Keys.client(c))).isSameAs(byClient.select(Keys.client(c)));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"ring_hash", "maglev"})
    void noKeyAtAll_spreadAtRandom_neverNull(String name) {
        SelectionStrategy s = strategy(name, Map.of());
        s.update(backends(4));
        Set<Backend> used = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            Backend b = s.select(RequestContext.NONE);
            assertThat(b).isNotNull();
            used.add(b);
        }
        assertThat(used).hasSize(4);
    }

    @Test
    void badOptions_nameTheOptionTheValueAndWhatWasExpected() {
        assertThatThrownBy(() -> strategy("maglev", Map.of("table_size", "65536")))
                .hasMessage("strategy 'maglev': table_size: 65536 (expected: a prime 101-5000011)");
        assertThatThrownBy(() -> strategy("ring_hash", Map.of("points_per_backend", "0")))
                .hasMessage("strategy 'ring_hash': points_per_backend: 0 (expected: an integer 1-65536)");
        assertThatThrownBy(() -> strategy("ring_hash", Map.of("points_per_backend", "big")))
                .hasMessage("strategy 'ring_hash': points_per_backend: 'big' (expected: an integer 1-65536)");
        assertThatThrownBy(() -> strategy("ring_hash", Map.of("balance_factor", "50")))
                .hasMessage(
                        "strategy 'ring_hash': balance_factor: 50 (expected: 0 (off) or a percentage 100-10000: how far"
                                + " above the mean load a backend may go)");
        assertThatThrownBy(() -> strategy("maglev", Map.of("key", "header:")))
                .hasMessage("strategy 'maglev': key: 'header:' (expected: client_ip, path, header:<name> or"
                        + " cookie:<name>, where a name is an HTTP token)");
        assertThatThrownBy(() -> strategy("maglev", Map.of("points_per_backend", "1024")))
                .hasMessage(
                        "strategy 'maglev': option: 'points_per_backend' (expected: one of [balance_factor, key, table_size])");
    }

    @Test
    void options_parsed() {
        ConsistentHashStrategy s = (ConsistentHashStrategy) strategy(
                "ring_hash", Map.of("key", "cookie:session", "balance_factor", "125", "points_per_backend", "16"));
        assertThat(s.key()).isEqualTo(RequestContext.HashKey.parse("key", "cookie:session"));
        assertThat(s.balanceFactor()).isEqualTo(125);
        s.update(backends(4));
        assertThat(s.table().owners).hasSize(64); // 16 for each of 4
        ConsistentHashStrategy m = (ConsistentHashStrategy) strategy("maglev", Map.of("table_size", "101"));
        m.update(backends(4));
        assertThat(m.table().owners).hasSize(101).doesNotContain(-1);
    }

    private static Map<Backend, Integer> count(Backend[] placed) {
        Map<Backend, Integer> counts = new HashMap<>();
        for (Backend b : placed) {
            counts.merge(b, 1, Integer::sum);
        }
        return counts;
    }
}
