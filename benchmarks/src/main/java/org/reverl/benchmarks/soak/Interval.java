package org.reverl.benchmarks.soak;

import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * What the requests due in one reporting interval got: per {@link Kind} a latency histogram of the answered ones
 * (measured from the intended send time), failures by {@link Failure}, and the load's own lag in taking them up. A
 * request belongs to the interval it was due in, however late it ends, so each interval counts exactly the requests
 * the schedule put in it; {@link #done()} completes once every one of them has ended.
 *
 * <p>Thread-safe: the client's event loop and the sending thread record into it.
 */
final class Interval implements Outcomes {

    /** Histograms are in microseconds, 3 significant digits, up to an hour (longer values are clamped). */
    private static final long HIGHEST_MICROS = TimeUnit.HOURS.toMicros(1);

    private final long number;
    private final long expected;
    private final AtomicLong ended = new AtomicLong();
    private final CompletableFuture<Interval> done = new CompletableFuture<>();
    // guarded by this
    private final Map<Kind, Histogram> latency = new EnumMap<>(Kind.class);
    private final Histogram lag = histogram();
    private final Map<Failure, Long> failures = new EnumMap<>(Failure.class);
    private final Map<Integer, Long> badStatuses = new TreeMap<>();
    private long requests;

    /** Interval {@code number} (1 for the first), of {@code expected} requests. */
    Interval(long number, long expected) {
        if (expected < 1) {
            throw new IllegalArgumentException("expected: " + expected + " (expected: >= 1)");
        }
        this.number = number;
        this.expected = expected;
        for (Kind k : Kind.values()) {
            latency.put(k, histogram());
        }
    }

    private static Histogram histogram() {
        return new Histogram(1, HIGHEST_MICROS, 3);
    }

    private static long micros(long nanos) {
        return Math.max(0, Math.min(HIGHEST_MICROS, TimeUnit.NANOSECONDS.toMicros(nanos)));
    }

    long number() {
        return number;
    }

    /** Completes, with this interval, once each of its requests has been answered or has failed. */
    CompletableFuture<Interval> done() {
        return done;
    }

    @Override
    public synchronized void started(long lagNanos) {
        lag.recordValue(micros(lagNanos));
    }

    @Override
    public void answered(Kind kind, long latencyNanos, int status) {
        synchronized (this) {
            requests++;
            latency.get(kind).recordValue(micros(latencyNanos));
            if (status < 200 || status > 299) {
                failures.merge(Failure.STATUS, 1L, Long::sum);
                badStatuses.merge(status, 1L, Long::sum);
            }
        }
        ended();
    }

    @Override
    public void failed(Kind kind, Failure failure) {
        synchronized (this) {
            requests++;
            failures.merge(failure, 1L, Long::sum);
        }
        ended();
    }

    private void ended() {
        long n = ended.incrementAndGet();
        if (n == expected) {
            done.complete(this);
        } else if (n > expected) {
            throw new IllegalStateException("interval " + number + ": " + n + " requests ended, " + expected + " due");
        }
    }

    /** Adds {@code other}'s counts and histograms to this one's (for a run's totals). */
    synchronized void add(Interval other) {
        Snapshot s = other.snapshot();
        requests += s.requests();
        for (Kind k : Kind.values()) {
            latency.get(k).add(s.latency().get(k));
        }
        lag.add(s.lag());
        s.failures().forEach((f, n) -> failures.merge(f, n, Long::sum));
        s.badStatuses().forEach((status, n) -> badStatuses.merge(status, n, Long::sum));
    }

    /** A copy of what was recorded so far. */
    synchronized Snapshot snapshot() {
        Map<Kind, Histogram> l = new EnumMap<>(Kind.class);
        latency.forEach((k, h) -> l.put(k, h.copy()));
        return new Snapshot(requests, l, lag.copy(), new EnumMap<>(failures), new TreeMap<>(badStatuses));
    }

    /** What an interval recorded; histograms in microseconds; the answers not 2xx by status, in order. */
    record Snapshot(
            long requests,
            Map<Kind, Histogram> latency,
            Histogram lag,
            Map<Failure, Long> failures,
            Map<Integer, Long> badStatuses) {

        /** Requests that failed, for any reason. */
        long failed() {
            return failures.values().stream().mapToLong(Long::longValue).sum();
        }

        /** Requests that failed for {@code failure}. */
        long failed(Failure failure) {
            return failures.getOrDefault(failure, 0L);
        }
    }
}
