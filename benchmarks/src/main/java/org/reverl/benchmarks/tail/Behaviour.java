package org.reverl.benchmarks.tail;

import java.util.concurrent.ThreadLocalRandom;

/**
 * How a {@link LatencyBackend} answers a request that arrives at a given time: after how long, and with which status.
 * Immutable and thread-safe.
 */
final class Behaviour {

    private final long minNanos;
    private final long maxNanos;
    private final int status;
    private final long stallFrom;
    private final long stallUntil;
    private final long stallNanos;

    private Behaviour(long minNanos, long maxNanos, int status, long stallFrom, long stallUntil, long stallNanos) {
        this.minNanos = minNanos;
        this.maxNanos = maxNanos;
        this.status = status;
        this.stallFrom = stallFrom;
        this.stallUntil = stallUntil;
        this.stallNanos = stallNanos;
    }

    /** Answers 200 after a latency drawn uniformly from {@code [minNanos, maxNanos]}. */
    static Behaviour uniform(long minNanos, long maxNanos) {
        if (minNanos < 0 || maxNanos < minNanos) {
            throw new IllegalArgumentException(
                    "latency: " + minNanos + "-" + maxNanos + " ns (expected: 0 <= min <= max)");
        }
        return new Behaviour(minNanos, maxNanos, 200, 0, 0, 0);
    }

    /** Answers {@code status} after {@code nanos}. */
    static Behaviour fixed(long nanos, int status) {
        return new Behaviour(nanos, nanos, status, 0, 0, 0);
    }

    /** As this, but {@code factor} times slower. */
    Behaviour slower(int factor) {
        return new Behaviour(minNanos * factor, maxNanos * factor, status, stallFrom, stallUntil, stallNanos);
    }

    /** As this, except that requests arriving in {@code [from, until)} ({@link System#nanoTime()}) take {@code stall}. */
    Behaviour stalling(long from, long until, long stall) {
        return new Behaviour(minNanos, maxNanos, status, from, until, stall);
    }

    /** How long to wait before answering a request that arrived at {@code now} ({@link System#nanoTime()}). */
    long delayNanos(long now) {
        if (stallNanos > 0 && now - stallFrom >= 0 && now - stallUntil < 0) {
            return stallNanos;
        }
        return minNanos == maxNanos
                ? minNanos
                : minNanos + ThreadLocalRandom.current().nextLong(maxNanos - minNanos + 1);
    }

    int status() {
        return status;
    }
}
