package org.reverl.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The recent-latency estimator, on a ticker the test moves. */
class LatencyWindowTest {

    /** The stated bound: half a bucket, at most 1/64 of the value, and never below half a microsecond. */
    private static double maxErrorMillis(double valueMillis) {
        return Math.max(valueMillis / 64, 0.0005) + 1e-9;
    }

    private final AtomicLong now = new AtomicLong(123_456_789L);
    private final LatencyWindow window = new LatencyWindow(Duration.ofMinutes(1), now::get);

    @Test
    void empty_percentilesAreZero() {
        LatencyWindow.Snapshot s = window.snapshot();
        assertThat(s.count()).isZero();
        assertThat(s.valueMillis(0.5)).isZero();
        assertThat(s.valueMillis(0.99)).isZero();
    }

    @Test
    void buckets_coverEveryMicrosecond_atMostOneThirtySecondWideAbove32Micros() {
        long expectedLower = 0;
        for (int i = 0; i < LatencyWindow.BUCKETS; i++) {
            long lower = LatencyWindow.lowerMicros(i);
            long width = LatencyWindow.widthMicros(i);
            assertThat(lower).as("bucket %d starts where the previous ends", i).isEqualTo(expectedLower);
            assertThat(LatencyWindow.bucket(lower)).isEqualTo(i);
            assertThat(LatencyWindow.bucket(lower + width - 1)).isEqualTo(i);
            if (lower >= 32) {
                assertThat((double) width / lower).as("bucket %d", i).isLessThanOrEqualTo(1.0 / 32);
            }
            expectedLower = lower + width;
        }
        assertThat(expectedLower).isEqualTo(1L << 28); // 268 s
        assertThat(LatencyWindow.bucket((1L << 28) - 1)).isEqualTo(LatencyWindow.BUCKETS - 1);
    }

    @Test
    void knownValues_percentilesByNearestRank_withinTheStatedError() {
        // 1..1000 ms, one each: p50 is 500 ms, p99 is 990 ms
        for (int ms = 1; ms <= 1000; ms++) {
            window.record(TimeUnit.MILLISECONDS.toNanos(ms));
        }
        LatencyWindow.Snapshot s = window.snapshot();
        assertThat(s.count()).isEqualTo(1000);
        assertThat(s.valueMillis(0.5)).isCloseTo(500, within(maxErrorMillis(500)));
        assertThat(s.valueMillis(0.99)).isCloseTo(990, within(maxErrorMillis(990)));
        assertThat(s.valueMillis(1.0)).isCloseTo(1000, within(maxErrorMillis(1000)));
    }

    @Test
    void subMillisecondValues_resolvedToTheMicrosecond() {
        for (int i = 0; i < 98; i++) {
            window.record(180_000); // 180 µs
        }
        window.record(40_300); // 40.3 µs: the fastest
        window.record(7_000_000); // 7 ms: the slowest, beyond p99
        LatencyWindow.Snapshot s = window.snapshot();
        assertThat(s.valueMillis(0.01)).isCloseTo(0.0403, within(maxErrorMillis(0.0403)));
        assertThat(s.valueMillis(0.5)).isCloseTo(0.180, within(maxErrorMillis(0.180)));
        assertThat(s.valueMillis(0.99)).isCloseTo(0.180, within(maxErrorMillis(0.180)));
        assertThat(s.valueMillis(1.0)).isCloseTo(7.0, within(maxErrorMillis(7.0)));
    }

    @Test
    void logNormalDistribution_p50AndP99WithinTheStatedErrorOfTheExactOnes() {
        SplittableRandom random = new SplittableRandom(42);
        long[] values = new long[100_000];
        for (int i = 0; i < values.length; i++) {
            // median about 2 ms, a long tail: p99 about 20 ms
            values[i] = (long) (2_000_000 * Math.exp(random.nextGaussian() * 1.0));
            window.record(values[i]);
        }
        Arrays.sort(values);
        LatencyWindow.Snapshot s = window.snapshot();
        for (double p : new double[] {0.5, 0.9, 0.99, 0.999}) {
            double exact = values[(int) Math.ceil(p * values.length) - 1] / 1e6;
            assertThat(s.valueMillis(p)).as("p%s", p * 100).isCloseTo(exact, within(maxErrorMillis(exact)));
        }
    }

    @Test
    void outOfRange_negativeCountsAsZero_longerThanTheLastBucketCountsInIt() {
        window.record(-5);
        window.record(TimeUnit.MINUTES.toNanos(10));
        LatencyWindow.Snapshot s = window.snapshot();
        assertThat(s.count()).isEqualTo(2);
        assertThat(s.valueMillis(0.5)).isCloseTo(0.0005, within(1e-9));
        assertThat(s.valueMillis(1.0)).isBetween(260_000.0, 268_436.0); // the last bucket: 264-268 s
    }

    @Test
    void window_forgetsASliceOneWindowAfterItBegan() {
        for (int i = 0; i < 10; i++) {
            window.record(TimeUnit.MILLISECONDS.toNanos(100));
        }
        step(Duration.ofSeconds(30));
        assertThat(window.snapshot().count()).isEqualTo(10); // read: the third slice opens
        for (int i = 0; i < 10; i++) {
            window.record(TimeUnit.MILLISECONDS.toNanos(1));
        }
        step(Duration.ofSeconds(29));
        LatencyWindow.Snapshot both = window.snapshot();
        assertThat(both.count()).isEqualTo(20);
        assertThat(both.valueMillis(0.99)).isCloseTo(100, within(maxErrorMillis(100)));

        step(Duration.ofSeconds(1)); // 60 s: the first slice is reused
        LatencyWindow.Snapshot recent = window.snapshot();
        assertThat(recent.count()).isEqualTo(10);
        assertThat(recent.valueMillis(0.99)).isCloseTo(1, within(maxErrorMillis(1)));

        step(Duration.ofSeconds(29)); // 89 s: the slice of the 1 ms values began at 30 s
        assertThat(window.snapshot().count()).isEqualTo(10);
        step(Duration.ofSeconds(1));
        LatencyWindow.Snapshot none = window.snapshot();
        assertThat(none.count()).isZero();
        assertThat(none.valueMillis(0.5)).isZero();
    }

    @Test
    void window_aSilenceLongerThanTheWindow_forgetsEverything_thenRecordsAgain() {
        window.record(TimeUnit.MILLISECONDS.toNanos(5));
        step(Duration.ofHours(3));
        assertThat(window.snapshot().count()).isZero();

        window.record(TimeUnit.MILLISECONDS.toNanos(2));
        step(Duration.ofSeconds(14));
        LatencyWindow.Snapshot s = window.snapshot();
        assertThat(s.count()).isEqualTo(1);
        assertThat(s.valueMillis(0.5)).isCloseTo(2, within(maxErrorMillis(2)));
    }

    @Test
    void concurrentRecording_losesNoCount() throws Exception {
        int threads = 4;
        int perThread = 200_000;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch start = new CountDownLatch(1);
            Future<?>[] done = new Future<?>[threads];
            for (int t = 0; t < threads; t++) {
                long nanos = TimeUnit.MICROSECONDS.toNanos(500 + t); // 500-503 µs: one bucket, 496-504 µs
                done[t] = pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < perThread; i++) {
                        window.record(nanos);
                    }
                    return null;
                });
            }
            start.countDown();
            for (Future<?> f : done) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        LatencyWindow.Snapshot s = window.snapshot();
        assertThat(s.count()).isEqualTo((long) threads * perThread);
        assertThat(s.valueMillis(0.5)).isCloseTo(0.5015, within(maxErrorMillis(0.5)));
    }

    @Test
    void badArguments_failClearly() {
        assertThatThrownBy(() -> new LatencyWindow(Duration.ofNanos(3), now::get))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("window must be at least 4 ns, but was PT0.000000003S");
        LatencyWindow.Snapshot s = window.snapshot();
        assertThatThrownBy(() -> s.valueMillis(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("percentile must be in (0, 1], but was 0.0");
        assertThatThrownBy(() -> s.valueMillis(99))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("percentile must be in (0, 1], but was 99.0");
    }

    private void step(Duration d) {
        now.addAndGet(d.toNanos());
    }
}
