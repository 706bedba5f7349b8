package org.reverl.strategy.ewma;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.ServiceLoader;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.reverl.gateway.api.Backend;
import org.reverl.gateway.api.RequestContext;
import org.reverl.gateway.api.SelectionStrategy;
import org.reverl.gateway.api.SelectionStrategyProvider;
import org.reverl.gateway.testing.FakeBackend;

class PeakEwmaStrategyTest {

    private static final long MS = 1_000_000L;
    private static final long S = 1_000 * MS;
    private static final long DECAY = 10 * S;
    private static final long PENALTY = 1 * S;

    private final AtomicLong now = new AtomicLong(1_000 * S);

    private PeakEwmaStrategy strategy(long seed) {
        Random random = new Random(seed);
        return new PeakEwmaStrategy(DECAY, PENALTY, now::get, random::nextLong);
    }

    private void advance(long nanos) {
        now.addAndGet(nanos);
    }

    private static Map<Backend, Integer> picks(SelectionStrategy s, int count) {
        Map<Backend, Integer> counts = new HashMap<>();
        for (int i = 0; i < count; i++) {
            counts.merge(s.select(RequestContext.NONE), 1, Integer::sum);
        }
        return counts;
    }

    /**
     * Sends one request a millisecond, answered by {@code fast} in 10 ms, until {@code slow} is picked; returns how long
     * that took, or -1 if it was not picked within 60 s.
     */
    private long timeUntilPicked(PeakEwmaStrategy s, Backend fast, Backend slow) {
        long start = now.get();
        for (int i = 0; i < 60_000; i++) {
            Backend pick = s.select(RequestContext.NONE);
            advance(1 * MS);
            if (pick == slow) {
                return now.get() - start;
            }
            s.onCompleted(fast, 10 * MS, false);
        }
        return -1;
    }

    // ---- provider and options ----

    @Test
    void provider_isFoundByNameWithDefaults() {
        SelectionStrategyProvider provider = ServiceLoader.load(SelectionStrategyProvider.class).stream()
                .map(ServiceLoader.Provider::get)
                .filter(p -> p.name().equals("peak_ewma"))
                .findFirst()
                .orElseThrow();
        PeakEwmaStrategy s = (PeakEwmaStrategy) provider.create(Map.of());
        assertThat(s.decayNanos()).isEqualTo(Duration.ofSeconds(10).toNanos());
        assertThat(s.failurePenaltyNanos()).isEqualTo(Duration.ofSeconds(1).toNanos());
    }

    @Test
    void provider_readsOptions() {
        PeakEwmaStrategy s = (PeakEwmaStrategy)
                new PeakEwmaStrategyProvider().create(Map.of("decay", "500ms", "failure_penalty", " 2s "));
        assertThat(s.decayNanos()).isEqualTo(500 * MS);
        assertThat(s.failurePenaltyNanos()).isEqualTo(2 * S);
    }

    @Test
    void provider_badOptions_failNamingTheOptionAndValue() {
        PeakEwmaStrategyProvider p = new PeakEwmaStrategyProvider();
        assertThatThrownBy(() -> p.create(Map.of("decay", "0s")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("strategy 'peak_ewma': decay: '0s' (expected: > 0)");
        assertThatThrownBy(() -> p.create(Map.of("decay", "PT-5S")))
                .hasMessage("strategy 'peak_ewma': decay: 'PT-5S' (expected: > 0)");
        assertThatThrownBy(() -> p.create(Map.of("decay", "-5s")))
                .hasMessage("strategy 'peak_ewma': decay: '-5s' (expected: a duration such as 500ms, 2s, 1m or 1h)");
        assertThatThrownBy(() -> p.create(Map.of("failure_penalty", "0ms")))
                .hasMessage("strategy 'peak_ewma': failure_penalty: '0ms' (expected: > 0)");
        assertThatThrownBy(() -> p.create(Map.of("tau", "1s")))
                .hasMessage("strategy 'peak_ewma': option: 'tau' (expected: one of [decay, failure_penalty])");
    }

    // ---- the estimate ----

    @Test
    void estimate_firstSample_isTheSample() {
        PeakEwmaStrategy s = strategy(1);
        FakeBackend a = FakeBackend.of("a");
        s.update(List.of(a));
        assertThat(s.estimateNanos(a)).isEqualTo(-1.0);
        s.onCompleted(a, 10 * MS, false);
        assertThat(s.estimateNanos(a)).isEqualTo(10.0 * MS);
    }

    @Test
    void estimate_slowerSample_replacesItAtOnce() {
        PeakEwmaStrategy s = strategy(1);
        FakeBackend a = FakeBackend.of("a");
        s.update(List.of(a));
        s.onCompleted(a, 10 * MS, false);
        advance(1 * MS);
        s.onCompleted(a, 500 * MS, false);
        assertThat(s.estimateNanos(a)).isEqualTo(500.0 * MS);
    }

    @Test
    void estimate_fasterSample_weighsByElapsedTime() {
        PeakEwmaStrategy s = strategy(1);
        FakeBackend a = FakeBackend.of("a");
        s.update(List.of(a));
        s.onCompleted(a, 50 * MS, false);
        s.onCompleted(a, 10 * MS, false); // no time passed: weight 0, no change
        assertThat(s.estimateNanos(a)).isEqualTo(50.0 * MS);

        advance(DECAY); // one decay time: the old estimate weighs 1/e
        s.onCompleted(a, 10 * MS, false);
        double expected = 10 * MS + 40 * MS * Math.exp(-1);
        assertThat(s.estimateNanos(a)).isCloseTo(expected, within(1.0));
    }

    @Test
    void weight_followsTheExponential() {
        Decay decay = new Decay(DECAY);
        for (long elapsed = -S; elapsed <= 100 * DECAY; elapsed += DECAY / 1000) {
            double expected = elapsed <= 0 ? 1.0 : Math.exp(-(double) elapsed / DECAY);
            double w = decay.weight(elapsed);
            assertThat(w).as("elapsed %d ns", elapsed).isBetween(0.0, 1.0).isCloseTo(expected, within(5e-5));
            double forPick = decay.weightForPick(elapsed);
            assertThat(forPick).isEqualTo(elapsed <= DECAY / 1024 ? 1.0 : w).isCloseTo(expected, within(1e-3));
        }
        assertThat(decay.weight(Long.MAX_VALUE)).isZero();
    }

    @Test
    void estimate_withoutSamples_decaysTowardsZero() {
        PeakEwmaStrategy s = strategy(1);
        FakeBackend a = FakeBackend.of("a");
        s.update(List.of(a));
        s.onCompleted(a, 100 * MS, false);
        advance(2 * DECAY);
        assertThat(s.estimateNanos(a)).isCloseTo(100 * MS * Math.exp(-2), within(1.0));
    }

    @Test
    void estimate_failure_countsAsAtLeastThePenalty() {
        PeakEwmaStrategy s = strategy(1);
        FakeBackend a = FakeBackend.of("a");
        FakeBackend b = FakeBackend.of("b");
        FakeBackend c = FakeBackend.of("c");
        s.update(List.of(a, b, c));
        s.onCompleted(a, 1 * MS, true); // first sample, a fast failure
        assertThat(s.estimateNanos(a)).isEqualTo((double) PENALTY);

        s.onCompleted(b, 10 * MS, false);
        advance(1 * MS);
        s.onCompleted(b, 2 * MS, true); // a fast failure after fast answers
        assertThat(s.estimateNanos(b)).isEqualTo((double) PENALTY);

        s.onCompleted(c, 3 * S, true); // a failure slower than the penalty counts as its latency
        assertThat(s.estimateNanos(c)).isEqualTo(3.0 * S);
        advance(1 * MS);
        s.onCompleted(c, 1 * MS, true); // and a failure never lowers the estimate
        assertThat(s.estimateNanos(c)).isGreaterThanOrEqualTo(3.0 * S * Math.exp(-1.0 * MS / DECAY) - 1);
    }

    @Test
    void select_backendFailingFast_neverLooksAttractive() {
        PeakEwmaStrategy s = strategy(3);
        FakeBackend healthy = FakeBackend.of("healthy");
        FakeBackend failing = FakeBackend.of("failing");
        s.update(List.of(healthy, failing));
        int failingPicks = 0;
        for (int i = 0; i < 2_000; i++) { // 2 s of traffic at 1 request per ms
            Backend pick = s.select(RequestContext.NONE);
            advance(1 * MS);
            if (pick == failing) {
                failingPicks++;
                s.onCompleted(failing, 1 * MS, true); // 503 in 1 ms
            } else {
                s.onCompleted(healthy, 20 * MS, false);
            }
        }
        assertThat(failingPicks).isEqualTo(1); // tried once, unsampled; never again within the decay time
    }

    // ---- the cost ----

    @Test
    void select_unsampledIdleBackend_isTriedFirst() {
        PeakEwmaStrategy s = strategy(1);
        FakeBackend known = FakeBackend.of("known");
        FakeBackend fresh = FakeBackend.of("fresh");
        s.update(List.of(known, fresh));
        s.onCompleted(known, 1 * MS, false);
        assertThat(picks(s, 100)).containsOnlyKeys(fresh);
    }

    @Test
    void select_unsampledBusyBackend_costsThePenalty() {
        PeakEwmaStrategy s = strategy(1);
        FakeBackend known = FakeBackend.of("known").inFlight(50);
        FakeBackend fresh = FakeBackend.of("fresh").inFlight(1);
        s.update(List.of(known, fresh));
        s.onCompleted(known, 1 * S, false); // even a slow, busy backend is cheaper than an unknown busy one
        assertThat(picks(s, 100)).containsOnlyKeys(known);
    }

    @Test
    void select_everyBackendUnsampledAndBusy_picksTheLeastInFlight() {
        PeakEwmaStrategy s = strategy(1);
        FakeBackend a = FakeBackend.of("a").inFlight(3);
        FakeBackend b = FakeBackend.of("b").inFlight(2);
        s.update(List.of(a, b));
        assertThat(picks(s, 100)).containsOnlyKeys(b);
    }

    @Test
    void select_costIsEstimateTimesOutstandingPlusOne() {
        PeakEwmaStrategy s = strategy(1);
        FakeBackend fast = FakeBackend.of("fast");
        FakeBackend slow = FakeBackend.of("slow");
        s.update(List.of(fast, slow));
        s.onCompleted(fast, 10 * MS, false);
        s.onCompleted(slow, 20 * MS, false);
        assertThat(picks(s, 100)).containsOnlyKeys(fast); // 10 * 1 < 20 * 1
        fast.inFlight(2);
        assertThat(picks(s, 100)).containsOnlyKeys(slow); // 10 * 3 > 20 * 1
        slow.inFlight(1);
        assertThat(picks(s, 100)).containsOnlyKeys(fast); // 10 * 3 < 20 * 2
    }

    @Test
    void select_tie_spreadsOverBoth() {
        PeakEwmaStrategy s = strategy(7);
        FakeBackend a = FakeBackend.of("a");
        FakeBackend b = FakeBackend.of("b");
        s.update(List.of(a, b));
        s.onCompleted(a, 10 * MS, false);
        s.onCompleted(b, 10 * MS, false);
        Map<Backend, Integer> counts = picks(s, 1_000);
        assertThat(counts.get(a)).isBetween(400, 600);
        assertThat(counts.get(b)).isBetween(400, 600);
    }

    @Test
    void select_dividesCostByEffectiveWeight() {
        PeakEwmaStrategy s = strategy(1);
        FakeBackend heavy = FakeBackend.of("heavy", 3);
        FakeBackend light = FakeBackend.of("light", 1);
        s.update(List.of(heavy, light));
        s.onCompleted(heavy, 20 * MS, false);
        s.onCompleted(light, 10 * MS, false);
        assertThat(picks(s, 100)).containsOnlyKeys(heavy); // 20 / 3 < 10 / 1
        heavy.effectiveWeight(1);
        s.update(List.of(heavy, light)); // the engine calls update when an effective weight changes
        assertThat(picks(s, 100)).containsOnlyKeys(light); // 20 / 1 > 10 / 1
        assertThat(s.estimateNanos(heavy)).isEqualTo(20.0 * MS); // the estimates survive the update
    }

    @Test
    void select_comparesTwoDistinctBackends() {
        List<FakeBackend> fleet = List.of(
                FakeBackend.of("a"),
                FakeBackend.of("b"),
                FakeBackend.of("c"),
                FakeBackend.of("d"),
                FakeBackend.of("e"));
        for (long seed = 0; seed < 200; seed++) {
            PeakEwmaStrategy s = strategy(seed);
            s.update(List.copyOf(fleet));
            fleet.forEach(FakeBackend::resetInFlightReads);
            s.select(RequestContext.NONE);
            assertThat(fleet.stream().mapToInt(FakeBackend::inFlightReads).toArray())
                    .as("in-flight reads per backend, seed %d", seed)
                    .containsOnly(0, 1)
                    .matches(reads -> java.util.Arrays.stream(reads).sum() == 2, "two backends read");
        }
    }

    @Test
    void select_twoBackends_alwaysComparesBoth() {
        PeakEwmaStrategy s = strategy(11);
        FakeBackend fast = FakeBackend.of("fast");
        FakeBackend slow = FakeBackend.of("slow");
        s.update(List.of(slow, fast));
        s.onCompleted(fast, 1 * MS, false);
        s.onCompleted(slow, 2 * MS, false);
        assertThat(picks(s, 1_000)).containsOnlyKeys(fast);
    }

    @Test
    void select_noBackends_returnsNull_oneBackend_returnsIt() {
        PeakEwmaStrategy s = strategy(1);
        assertThat(s.select(RequestContext.NONE)).isNull();
        FakeBackend a = FakeBackend.of("a").inFlight(1_000);
        s.update(List.of(a));
        assertThat(s.select(RequestContext.NONE)).isSameAs(a);
        s.update(List.of());
        assertThat(s.select(RequestContext.NONE)).isNull();
    }

    // ---- recovery and bad input ----

    @Test
    void select_slowBackendAvoided_isTriedAgainAfterItsEstimateDecays() {
        PeakEwmaStrategy s = strategy(5);
        FakeBackend fast = FakeBackend.of("fast");
        FakeBackend slow = FakeBackend.of("slow");
        s.update(List.of(fast, slow));
        s.onCompleted(slow, 100 * MS, false);
        s.onCompleted(fast, 10 * MS, false);
        // 100 ms decays to 10 ms after decay * ln(10) = 23 s
        assertThat(timeUntilPicked(s, fast, slow)).isBetween(22 * S, 25 * S);
    }

    @Test
    void onCompleted_zeroAndNegativeLatency_keepEstimatesFiniteAndLoadCounted() {
        PeakEwmaStrategy s = strategy(1);
        FakeBackend zero = FakeBackend.of("zero");
        FakeBackend other = FakeBackend.of("other");
        s.update(List.of(zero, other));
        s.onCompleted(zero, 0, false);
        s.onCompleted(other, -5 * MS, false);
        assertThat(s.estimateNanos(zero)).isZero();
        assertThat(s.estimateNanos(other)).isZero();
        advance(1 * S);
        s.onCompleted(other, Long.MIN_VALUE, false);
        assertThat(s.estimateNanos(other)).isZero();
        // a zero estimate still counts in-flight requests: the busier one loses
        zero.inFlight(5);
        assertThat(picks(s, 100)).containsOnlyKeys(other);
        other.inFlight(6);
        assertThat(picks(s, 100)).containsOnlyKeys(zero);
    }

    @Test
    void onCompleted_clockJumpsForward_estimatesDecayAndStayFinite() {
        PeakEwmaStrategy s = strategy(1);
        FakeBackend a = FakeBackend.of("a");
        FakeBackend b = FakeBackend.of("b");
        s.update(List.of(a, b));
        s.onCompleted(a, 5 * S, false);
        s.onCompleted(b, 10 * MS, false);
        advance(Long.MAX_VALUE / 2);
        assertThat(s.estimateNanos(a)).isZero();
        s.onCompleted(b, Long.MAX_VALUE, false);
        assertThat(s.estimateNanos(b)).isEqualTo((double) Long.MAX_VALUE).isFinite();
        assertThat(picks(s, 100)).containsOnlyKeys(a);
    }

    @Test
    void onCompleted_clockGoesBack_estimatesKeepDecaying() {
        PeakEwmaStrategy s = strategy(5);
        FakeBackend fast = FakeBackend.of("fast");
        FakeBackend slow = FakeBackend.of("slow");
        s.update(List.of(fast, slow));
        s.onCompleted(slow, 100 * MS, false);
        s.onCompleted(fast, 10 * MS, false);
        now.addAndGet(-3_600 * S); // an hour back
        // as without the jump, not an hour later
        assertThat(timeUntilPicked(s, fast, slow)).isBetween(22 * S, 25 * S);
        assertThat(s.estimateNanos(fast)).isFinite().isPositive();
    }

    @Test
    void onCompleted_backendNoLongerEligible_isIgnored_andItsEstimateDropped() {
        PeakEwmaStrategy s = strategy(1);
        FakeBackend a = FakeBackend.of("a");
        FakeBackend b = FakeBackend.of("b");
        s.update(List.of(a, b));
        s.onCompleted(a, 10 * MS, false);
        s.update(List.of(b));
        s.onCompleted(a, 20 * MS, false);
        assertThat(s.estimateNanos(a)).isEqualTo(-1.0);
        s.update(List.of(a, b));
        assertThat(s.estimateNanos(a)).isEqualTo(-1.0); // back after a gap: unsampled, tried afresh
    }

    @Test
    void toString_showsOptionsAndEstimates() {
        PeakEwmaStrategy s = strategy(1);
        FakeBackend a = FakeBackend.of("a");
        FakeBackend b = FakeBackend.of("b");
        s.update(List.of(a, b));
        s.onCompleted(a, 12 * MS, false);
        assertThat(s.toString())
                .isEqualTo("peak_ewma{decay=10000.0ms, failure_penalty=1000.0ms, estimates={a=12.000ms, b=no sample}}");
    }
}
