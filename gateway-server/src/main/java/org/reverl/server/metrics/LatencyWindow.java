package org.reverl.server.metrics;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.function.LongSupplier;

/**
 * Percentiles of the latencies recorded in about the last {@code window}, cheap enough to record on an event loop:
 * {@link #record} is one volatile read and one atomic increment, no lock, no allocation, no clock read.
 *
 * <h2>Buckets</h2>
 * A latency counts in one of {@value #BUCKETS} log-linear buckets over whole microseconds: one per microsecond below
 * 64 µs, then 32 per power of two, so a bucket is at most 1/32 (3.1%) as wide as the values it holds, from 32 µs to
 * 268 s (longer latencies count in the last bucket). A percentile is reported as the middle of the bucket holding
 * the value of that rank, within 1.6% (at least 0.5 µs) of the value itself. Percentiles are by nearest rank: the
 * p-th is the smallest recorded value with at least {@code ceil(p * count)} values at or below it.
 *
 * <h2>Window</h2>
 * The window is a ring of {@value #SLICES} slices of {@code window / }{@value #SLICES}; recording counts in the newest.
 * The ring advances when it is read, by the ticker's time of the read: a slice is cleared and reused one window after
 * it began, so a read sees the values of the last 3/4 of the window to the whole window. A value belongs to the slice
 * the previous read left open, so a reader should read at least once a slice (the status page samples every second):
 * after a silence of a whole window, the values recorded during it are forgotten with the rest.
 *
 * <p>Thread-safe: any thread may record; reads are synchronized with each other. A record that races with the
 * advance of the ring counts in the slice before the new one.
 */
final class LatencyWindow {

    /** Slices in the window. */
    static final int SLICES = 4;

    /** Bits of the sub-bucket within a power of two: 32 buckets per doubling. */
    private static final int SUB_BITS = 5;

    /** The largest value with a bucket of its own, in microseconds: 2^28 - 1 µs (268 s). */
    private static final long MAX_MICROS = (1L << 28) - 1;

    /** Buckets, {@code bucket(MAX_MICROS) + 1}: 64 one microsecond wide, then 32 per doubling from 2^6 to 2^27 µs. */
    static final int BUCKETS = 64 + 22 * 32;

    private final LongSupplier ticker;
    private final long sliceNanos;

    /** Counts by bucket, one array per slice. Counts are ints: a bucket would need 143 million a second to overflow. */
    private final AtomicIntegerArray[] slices = new AtomicIntegerArray[SLICES];

    /** The slice recorded into: {@code slices[newest]}. */
    private volatile AtomicIntegerArray recording;

    private int newest; // guarded by this
    private long newestStart; // guarded by this; ticker nanos

    /**
     * A window of {@code window}, at least {@value #SLICES} ns, on {@code ticker} (nanoseconds, like {@link
     * System#nanoTime}); it begins at the ticker's present time.
     */
    LatencyWindow(Duration window, LongSupplier ticker) {
        requireNonNull(window, "window");
        this.ticker = requireNonNull(ticker, "ticker");
        if (window.compareTo(Duration.ofNanos(SLICES)) < 0) {
            throw new IllegalArgumentException("window must be at least " + SLICES + " ns, but was " + window);
        }
        this.sliceNanos = window.toNanos() / SLICES;
        for (int i = 0; i < SLICES; i++) {
            slices[i] = new AtomicIntegerArray(BUCKETS);
        }
        recording = slices[0];
        newestStart = ticker.getAsLong();
    }

    /** Records one latency of {@code nanos}; negative counts as 0. */
    void record(long nanos) {
        recording.incrementAndGet(bucket(Math.min(Math.max(nanos, 0) / 1000, MAX_MICROS)));
    }

    /** The values of the window now. */
    synchronized Snapshot snapshot() {
        advance(ticker.getAsLong());
        long[] counts = new long[BUCKETS];
        long total = 0;
        for (AtomicIntegerArray slice : slices) {
            for (int i = 0; i < BUCKETS; i++) {
                int c = slice.get(i);
                counts[i] += c;
                total += c;
            }
        }
        return new Snapshot(counts, total);
    }

    private void advance(long now) {
        long elapsed = now - newestStart;
        if (elapsed < sliceNanos) {
            return;
        }
        long steps = elapsed / sliceNanos;
        for (long k = Math.min(steps, SLICES); k > 0; k--) {
            newest = (newest + 1) % SLICES;
            AtomicIntegerArray next = slices[newest];
            for (int i = 0; i < BUCKETS; i++) {
                next.set(i, 0);
            }
            recording = next; // cleared before it is published: records from now on count in it
        }
        newestStart += steps * sliceNanos;
    }

    /** The bucket of {@code micros}, 0 to {@link #MAX_MICROS}. */
    static int bucket(long micros) {
        int shift = Math.max(0, 63 - Long.numberOfLeadingZeros(micros) - SUB_BITS);
        return (shift << SUB_BITS) + (int) (micros >>> shift);
    }

    /** The smallest value of bucket {@code index}, in microseconds. */
    static long lowerMicros(int index) {
        int shift = Math.max(0, (index >> SUB_BITS) - 1);
        return (long) (index - (shift << SUB_BITS)) << shift;
    }

    /** The width of bucket {@code index}, in microseconds. */
    static long widthMicros(int index) {
        return 1L << Math.max(0, (index >> SUB_BITS) - 1);
    }

    /** The counts of a window at one time. Immutable. */
    static final class Snapshot {
        private final long[] counts;
        private final long count;

        private Snapshot(long[] counts, long count) {
            this.counts = counts;
            this.count = count;
        }

        /** Values in the window. */
        long count() {
            return count;
        }

        /**
         * The {@code percentile} (more than 0, at most 1) of the values, in milliseconds: the middle of the bucket of
         * the value of rank {@code ceil(percentile * count)}; 0 without any value.
         */
        double valueMillis(double percentile) {
            if (!(percentile > 0 && percentile <= 1)) {
                throw new IllegalArgumentException("percentile must be in (0, 1], but was " + percentile);
            }
            if (count == 0) {
                return 0;
            }
            long rank = Math.max(1, (long) Math.ceil(percentile * count));
            long seen = 0;
            int i = 0;
            for (; i < BUCKETS - 1; i++) {
                seen += counts[i];
                if (seen >= rank) {
                    break;
                }
            }
            return (lowerMicros(i) + widthMicros(i) / 2.0) / 1000.0;
        }
    }
}
