package org.reverl.gateway.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import org.junit.jupiter.api.Test;
import org.reverl.gateway.core.OutlierConfig;

/** The outlier rules step by step, on a fake clock and scheduler, against a fake pool: nothing sleeps. */
class OutlierDetectorTest {

    private static final long MS = 1_000_000L;

    private final FakeTime time = new FakeTime();
    private final FakePool pool = new FakePool();
    private OutlierDetector detector;

    private OutlierDetector detector(OutlierConfig config, String... ids) {
        detector = new OutlierDetector(config, time::nanos, time, Runnable::run, pool);
        for (String id : ids) {
            pool.add(detector.newStats(id));
        }
        detector.start();
        return detector;
    }

    private static OutlierConfig.Builder rules() {
        return OutlierConfig.builder()
                .baseEjectionTime(Duration.ofSeconds(10))
                .maxEjectionTime(Duration.ofSeconds(25))
                .maxEjectionPercent(100);
    }

    private static void respond(OutlierStats s, int status, int times) {
        for (int i = 0; i < times; i++) {
            s.onResponse(status, 5 * MS);
        }
    }

    @Test
    void consecutive5xx_ejectsAtTheNth_withTheReasonInTheEvent() {
        detector(rules().consecutive5xx(5).build(), "b1", "b2", "b3");
        OutlierStats b1 = pool.get("b1");

        respond(b1, 503, 4);
        assertThat(pool.events).isEmpty();
        respond(b1, 500, 1);

        assertThat(b1.mode).isEqualTo(OutlierStats.EJECTED);
        assertThat(pool.events).containsExactly("b1 ejected: 5 consecutive 5xx (last: 500); out for 10s (ejection 1)");
        respond(b1, 503, 20); // an ejected backend's late outcomes count nothing
        assertThat(pool.events).hasSize(1);
    }

    @Test
    void aResponseBelow500_inBetween_resetsTheCount() {
        detector(rules().consecutive5xx(5).build(), "b1", "b2");
        OutlierStats b1 = pool.get("b1");

        respond(b1, 503, 4);
        respond(b1, 200, 1);
        respond(b1, 503, 4);
        respond(b1, 404, 1); // a client error says nothing against the backend
        respond(b1, 503, 4);
        assertThat(pool.events).isEmpty();

        respond(b1, 503, 1);
        assertThat(pool.events).hasSize(1);
    }

    @Test
    void transportFailures_countAs5xx() {
        detector(rules().consecutive5xx(3).build(), "b1", "b2");
        OutlierStats b1 = pool.get("b1");
        b1.onFailure(MS);
        b1.onFailure(MS);
        b1.onFailure(MS);
        assertThat(pool.events)
                .containsExactly("b1 ejected: 3 consecutive 5xx (last: no response); out for 10s (ejection 1)");
    }

    @Test
    void consecutiveGatewayFailure_counts502To504AndTransportFailures_a500Resets() {
        detector(rules().consecutive5xx(0).consecutiveGatewayFailure(3).build(), "b1", "b2");
        OutlierStats b1 = pool.get("b1");

        respond(b1, 500, 10); // not a gateway failure, and the 5xx detector is off
        respond(b1, 502, 2);
        respond(b1, 500, 1);
        respond(b1, 504, 2);
        assertThat(pool.events).isEmpty();

        b1.onFailure(MS);
        assertThat(pool.events)
                .containsExactly(
                        "b1 ejected: 3 consecutive gateway failures (last: no response); out for 10s (ejection 1)");
    }

    @Test
    void maxEjectionPercent_roundsDown_butAlwaysAllowsOne_andARefusedCountStartsAgain() {
        detector(
                rules().consecutive5xx(2).maxEjectionPercent(20).build(),
                "b1",
                "b2",
                "b3",
                "b4",
                "b5",
                "b6",
                "b7",
                "b8",
                "b9",
                "b10",
                "b11",
                "b12",
                "b13",
                "b14");
        // 20% of 14 = 2.8: 2 at once
        respond(pool.get("b1"), 503, 2);
        respond(pool.get("b2"), 503, 2);
        respond(pool.get("b3"), 503, 2);
        assertThat(pool.ejected()).containsExactly("b1", "b2");

        respond(pool.get("b3"), 503, 1); // its count started again: 1 of 2
        time.advance(Duration.ofSeconds(10)); // b1 and b2 in trial: still counted as ejected
        respond(pool.get("b3"), 503, 1);
        assertThat(pool.ejected()).containsExactly("b1", "b2");

        respond(pool.get("b1"), 200, 1); // restored: room for one
        respond(pool.get("b3"), 503, 2);
        assertThat(pool.ejected()).containsExactly("b2", "b3");

        assertThat(OutlierConfig.defaults().maxEjected(3)).isEqualTo(1); // 10% of 3 rounds to 0: at least one
        assertThat(OutlierConfig.defaults().maxEjected(25)).isEqualTo(2);
        assertThat(rules().maxEjectionPercent(0).build().maxEjected(100)).isZero();
    }

    @Test
    void maxEjectionPercentZero_neverEjects() {
        detector(rules().consecutive5xx(2).maxEjectionPercent(0).build(), "b1", "b2");
        respond(pool.get("b1"), 503, 10);
        assertThat(pool.events).isEmpty();
    }

    @Test
    void afterTheEjectionTime_trialTraffic_aSuccessRestores() {
        detector(rules().consecutive5xx(3).build(), "b1", "b2");
        OutlierStats b1 = pool.get("b1");
        respond(b1, 503, 3);

        time.advance(Duration.ofMillis(9_999));
        assertThat(b1.mode).isEqualTo(OutlierStats.EJECTED);
        assertThat(pool.trials).isEmpty();
        time.advance(Duration.ofMillis(1));
        assertThat(b1.mode).isEqualTo(OutlierStats.TRIAL);
        assertThat(pool.trials).containsExactly("b1");

        b1.onResponse(200, 7 * MS);
        assertThat(b1.mode).isEqualTo(OutlierStats.NORMAL);
        assertThat(pool.events.get(1)).isEqualTo("b1 restored: trial request succeeded (200 in 7.0 ms)");
        respond(b1, 503, 2); // counting from zero again
        assertThat(pool.events).hasSize(2);
    }

    @Test
    void aFailedTrial_ejectsAgainAtOnce_forALongerTime_upToTheMaximum() {
        detector(rules().consecutive5xx(3).build(), "b1", "b2");
        OutlierStats b1 = pool.get("b1");
        respond(b1, 503, 3);
        assertThat(pool.events.get(0)).endsWith("out for 10s (ejection 1)");

        time.advance(Duration.ofSeconds(10));
        b1.onResponse(503, MS);
        assertThat(b1.mode).isEqualTo(OutlierStats.EJECTED);
        assertThat(pool.events.get(1))
                .isEqualTo("b1 ejected again: trial request failed (503); out for 20s (ejection 2)");

        time.advance(Duration.ofSeconds(19));
        assertThat(b1.mode).isEqualTo(OutlierStats.EJECTED);
        time.advance(Duration.ofSeconds(1));
        b1.onFailure(MS);
        assertThat(pool.events.get(2)).endsWith("trial request failed (no response); out for 25s (ejection 3)");

        time.advance(Duration.ofSeconds(25));
        b1.onResponse(502, MS);
        assertThat(pool.events.get(3)).endsWith("out for 25s (ejection 3)"); // capped: the count stops growing too

        time.advance(Duration.ofSeconds(25));
        b1.onResponse(204, MS);
        assertThat(pool.events.get(4)).startsWith("b1 restored");
    }

    @Test
    void onlyTheFirstOutcomeOfATrialDecides() {
        detector(rules().consecutive5xx(3).build(), "b1", "b2");
        OutlierStats b1 = pool.get("b1");
        respond(b1, 503, 3);
        time.advance(Duration.ofSeconds(10));

        b1.onResponse(200, MS);
        b1.onResponse(503, MS); // counted normally now: 1 of 3
        assertThat(b1.mode).isEqualTo(OutlierStats.NORMAL);
        assertThat(pool.events).hasSize(2);
    }

    @Test
    void theEjectionCount_decaysByOnePerBaseTimeInRotation() {
        detector(
                rules().consecutive5xx(2)
                        .maxEjectionTime(Duration.ofSeconds(60))
                        .build(),
                "b1",
                "b2");
        OutlierStats b1 = pool.get("b1");
        respond(b1, 503, 2);
        time.advance(Duration.ofSeconds(10));
        b1.onResponse(503, MS); // trial fails: ejection 2, 20 s
        time.advance(Duration.ofSeconds(20));
        b1.onResponse(200, MS); // restored with a count of 2

        time.advance(Duration.ofSeconds(5)); // less than a base time in rotation: no decay
        respond(b1, 503, 2);
        assertThat(pool.events.get(pool.events.size() - 1)).endsWith("out for 30s (ejection 3)");
        time.advance(Duration.ofSeconds(30));
        b1.onResponse(200, MS); // restored with a count of 3

        time.advance(Duration.ofSeconds(20)); // two base times in rotation: 3 - 2 = 1
        respond(b1, 503, 2);
        assertThat(pool.events.get(pool.events.size() - 1)).endsWith("out for 20s (ejection 2)");
        time.advance(Duration.ofSeconds(20));
        b1.onResponse(200, MS);

        time.advance(Duration.ofMinutes(10)); // long healthy: from the start
        respond(b1, 503, 2);
        assertThat(pool.events.get(pool.events.size() - 1)).endsWith("out for 10s (ejection 1)");
    }

    @Test
    void aBackendOutOfRotation_isNotEjected_andCountsAgain() {
        detector(rules().consecutive5xx(2).build(), "b1", "b2");
        pool.notInRotation.add("b1");
        respond(pool.get("b1"), 503, 2);
        assertThat(pool.events).isEmpty();
        assertThat(pool.get("b1").mode).isEqualTo(OutlierStats.NORMAL);

        pool.notInRotation.clear();
        respond(pool.get("b1"), 503, 2);
        assertThat(pool.ejected()).containsExactly("b1");
    }

    @Test
    void latency_aBackendAboveFactorTimesTheMedian_isEjectedAtTheEndOfTheWindow() {
        OutlierConfig.Latency latency = new OutlierConfig.Latency(3.0, Duration.ofSeconds(10), 5);
        detector(rules().latency(latency).build(), "b1", "b2", "b3", "b4");
        for (int i = 0; i < 10; i++) {
            pool.get("b1").onResponse(200, 10 * MS);
            pool.get("b2").onResponse(200, 12 * MS);
            pool.get("b3").onResponse(200, 40 * MS); // 3.3x the median (12 ms, the lower middle of 10, 12, 40, 200)
            pool.get("b4").onResponse(200, 200 * MS);
        }
        time.advance(Duration.ofMillis(9_999));
        assertThat(pool.events).isEmpty();
        time.advance(Duration.ofMillis(1));

        assertThat(pool.events)
                .containsExactly(
                        "b4 ejected: mean latency 200.0 ms over 10s (10 responses) > 3.0 x pool median 12.0 ms;"
                                + " out for 10s (ejection 1)",
                        "b3 ejected: mean latency 40.0 ms over 10s (10 responses) > 3.0 x pool median 12.0 ms;"
                                + " out for 10s (ejection 1)");
    }

    @Test
    void latency_needsMinRequestsInTheWindow_andEachWindowStartsEmpty() {
        OutlierConfig.Latency latency = new OutlierConfig.Latency(2.0, Duration.ofSeconds(10), 5);
        detector(rules().latency(latency).build(), "b1", "b2", "b3");
        for (int i = 0; i < 5; i++) {
            pool.get("b1").onResponse(200, 10 * MS);
            pool.get("b2").onResponse(200, 10 * MS);
        }
        for (int i = 0; i < 4; i++) {
            pool.get("b3").onResponse(200, 500 * MS); // slow, but too few to judge
        }
        time.advance(Duration.ofSeconds(10));
        assertThat(pool.events).isEmpty();

        // the next window: b3's 4 earlier responses are gone, one more is still too few
        for (int i = 0; i < 5; i++) {
            pool.get("b1").onResponse(200, 10 * MS);
            pool.get("b2").onResponse(200, 10 * MS);
        }
        pool.get("b3").onResponse(200, 500 * MS);
        time.advance(Duration.ofSeconds(10));
        assertThat(pool.events).isEmpty();

        for (int i = 0; i < 5; i++) {
            pool.get("b1").onResponse(200, 10 * MS);
            pool.get("b2").onResponse(200, 10 * MS);
            pool.get("b3").onResponse(200, 21 * MS); // 2.1x
        }
        time.advance(Duration.ofSeconds(10));
        assertThat(pool.ejected()).containsExactly("b3");
    }

    @Test
    void latency_staysWithinTheMaxPercent_slowestFirst() {
        OutlierConfig.Latency latency = new OutlierConfig.Latency(2.0, Duration.ofSeconds(1), 1);
        detector(rules().maxEjectionPercent(10).latency(latency).build(), "b1", "b2", "b3", "b4", "b5");
        pool.get("b1").onResponse(200, 10 * MS);
        pool.get("b2").onResponse(200, 10 * MS);
        pool.get("b3").onResponse(200, 10 * MS);
        pool.get("b4").onResponse(200, 50 * MS);
        pool.get("b5").onResponse(200, 90 * MS);
        time.advance(Duration.ofSeconds(1));
        assertThat(pool.ejected()).containsExactly("b5");
    }

    @Test
    void latency_aTrialResponseMustBeFasterThanTheLimitThatWasBroken() {
        OutlierConfig.Latency latency = new OutlierConfig.Latency(2.0, Duration.ofSeconds(60), 1);
        detector(rules().consecutive5xx(0).latency(latency).build(), "b1", "b2", "b3");
        pool.get("b1").onResponse(200, 10 * MS);
        pool.get("b2").onResponse(200, 10 * MS);
        pool.get("b3").onResponse(200, 100 * MS);
        time.advance(Duration.ofSeconds(60));
        assertThat(pool.ejected()).containsExactly("b3");

        time.advance(Duration.ofSeconds(10));
        pool.get("b3").onResponse(200, 30 * MS); // limit 2 x 10 ms
        assertThat(pool.events.get(1))
                .isEqualTo(
                        "b3 ejected again: trial request failed (200 in 30.0 ms > 20.0 ms); out for 20s (ejection 2)");

        time.advance(Duration.ofSeconds(20));
        pool.get("b3").onResponse(200, 15 * MS);
        assertThat(pool.events.get(2)).isEqualTo("b3 restored: trial request succeeded (200 in 15.0 ms)");
    }

    @Test
    void latency_zeroOrNegativeSamples_neverEject() {
        OutlierConfig.Latency latency = new OutlierConfig.Latency(2.0, Duration.ofSeconds(1), 1);
        detector(rules().consecutive5xx(0).latency(latency).build(), "b1", "b2", "b3");
        pool.get("b1").onResponse(200, 0);
        pool.get("b2").onResponse(200, -5 * MS); // a clock that jumped back
        pool.get("b3").onResponse(200, 3 * MS);
        time.advance(Duration.ofSeconds(1));
        assertThat(pool.events).isEmpty(); // the median is 0: no scale to judge by
    }

    @Test
    void turningDetectionOff_restoresEveryEjectedBackend_andStopsCounting() {
        detector(rules().consecutive5xx(2).build(), "b1", "b2");
        respond(pool.get("b1"), 503, 2);
        detector.reconfigure(null);
        assertThat(pool.ejected()).isEmpty();
        assertThat(pool.events.get(1)).isEqualTo("b1 restored: outlier detection turned off");
        respond(pool.get("b2"), 503, 10);
        assertThat(pool.events).hasSize(2);
        time.advance(Duration.ofMinutes(5)); // the old timer does nothing
        assertThat(pool.trials).isEmpty();
    }

    @Test
    void aRemovedBackend_isForgotten() {
        detector(rules().consecutive5xx(2).build(), "b1", "b2");
        OutlierStats b1 = pool.get("b1");
        respond(b1, 503, 2);
        pool.members.remove("b1");
        time.advance(Duration.ofSeconds(10));
        assertThat(pool.trials).isEmpty();
    }

    // ---------------------------------------------------------------- fakes

    /** A ticker and a scheduler on the same fake nanoseconds; tasks run in order as time advances. */
    static final class FakeTime implements OutlierDetector.Scheduler {
        private long now = 1_000_000_000L;
        private long seq;
        private final PriorityQueue<long[]> due =
                new PriorityQueue<>((a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
        private final Map<Long, Runnable> tasks = new LinkedHashMap<>();

        long nanos() {
            return now;
        }

        @Override
        public OutlierDetector.Cancellable schedule(Runnable task, long delayNanos) {
            long id = seq++;
            due.add(new long[] {now + delayNanos, id});
            tasks.put(id, task);
            return () -> tasks.remove(id);
        }

        void advance(Duration d) {
            long until = now + d.toNanos();
            while (!due.isEmpty() && due.peek()[0] <= until) {
                long[] next = due.poll();
                now = next[0];
                Runnable task = tasks.remove(next[1]);
                if (task != null) {
                    task.run();
                }
            }
            now = until;
        }
    }

    /** A pool that records what the detector does to it. */
    static final class FakePool implements OutlierDetector.Host {
        final Map<String, OutlierStats> members = new LinkedHashMap<>();
        final List<String> events = new ArrayList<>();
        final List<String> trials = new ArrayList<>();
        final List<String> notInRotation = new ArrayList<>();

        void add(OutlierStats s) {
            members.put(s.id, s);
        }

        OutlierStats get(String id) {
            return members.get(id);
        }

        List<String> ejected() {
            List<String> out = new ArrayList<>();
            for (OutlierStats s : members.values()) {
                if (s.mode != OutlierStats.NORMAL) {
                    out.add(s.id);
                }
            }
            return out;
        }

        @Override
        public List<OutlierStats> members() {
            return new ArrayList<>(members.values());
        }

        @Override
        public boolean isMember(OutlierStats stats) {
            return members.get(stats.id) == stats;
        }

        @Override
        public boolean eject(OutlierStats stats, String reason) {
            if (notInRotation.contains(stats.id)) {
                return false;
            }
            events.add(stats.id + " ejected: " + reason);
            return true;
        }

        @Override
        public void ejectAgain(OutlierStats stats, String reason) {
            events.add(stats.id + " ejected again: " + reason);
        }

        @Override
        public void admitTrial(OutlierStats stats) {
            trials.add(stats.id);
        }

        @Override
        public void restore(OutlierStats stats, String reason) {
            events.add(stats.id + " restored: " + reason);
        }
    }
}
