package org.reverl.benchmarks.load;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.reverl.gateway.api.Checks;
import org.reverl.gateway.http.internal.Ticker;

/**
 * When each request of an open-loop load is due: the {@code i}-th of {@code count} at {@code start + i / rate}, whatever
 * happened to the ones before it. A sender that falls behind (a pause of the sending thread, a full connection pool)
 * does not move the later requests: they are handed over as soon as it can, each with the time it was due, so a
 * latency measured from that <em>intended</em> time counts the wait as a user would (no coordinated omission).
 *
 * <p>Times come from a {@link Ticker} and the waits go to a {@link Sleeper}, so that a test steps through a schedule
 * instead of waiting for it. Immutable; {@link #run} sends from the calling thread.
 */
public final class OpenLoopSchedule {

    /** Blocks the calling thread for about {@code nanos} (it may wake earlier or later). */
    @FunctionalInterface
    public interface Sleeper {
        /** {@link LockSupport#parkNanos(long)}: on Linux it wakes within the timer slack, about 50 µs late. */
        Sleeper PARK = LockSupport::parkNanos;

        void sleepNanos(long nanos);
    }

    /** Issues one request. */
    @FunctionalInterface
    public interface Sender {
        /**
         * Issues request {@code index}, due at {@code intendedNanos} (on the schedule's ticker); called once per
         * request, in order, never before that time. It must not block: the next request's time is running.
         */
        void send(long index, long intendedNanos);
    }

    private static final long NANOS_PER_SECOND = TimeUnit.SECONDS.toNanos(1);

    private final int rate;
    private final long count;

    private OpenLoopSchedule(int rate, long count) {
        this.rate = rate;
        this.count = count;
    }

    /**
     * {@code count} requests at {@code rate} a second.
     *
     * @throws IllegalArgumentException if {@code rate} is not positive, or {@code count} is negative or so large that
     *     the last request's offset in nanoseconds would overflow
     */
    public static OpenLoopSchedule of(int rate, long count) {
        Checks.positive("rate", rate);
        if (count < 0 || count > Long.MAX_VALUE / NANOS_PER_SECOND) {
            throw new IllegalArgumentException(
                    Checks.message("count", count, "0-" + Long.MAX_VALUE / NANOS_PER_SECOND));
        }
        return new OpenLoopSchedule(rate, count);
    }

    /** Requests a second. */
    public int rate() {
        return rate;
    }

    /** How many requests the schedule sends. */
    public long count() {
        return count;
    }

    /**
     * Nanoseconds from the start to request {@code index}'s time: {@code index * 1e9 / rate}, computed from the index
     * alone, so rounding never accumulates.
     */
    public long offsetNanos(long index) {
        return index * NANOS_PER_SECOND / rate;
    }

    /**
     * Sends every request at its time, from the calling thread, starting now; returns the start (on {@code ticker})
     * once the last one has been handed to {@code sender}.
     */
    public long run(Ticker ticker, Sleeper sleeper, Sender sender) {
        long start = ticker.nanoTime();
        for (long i = 0; i < count; i++) {
            long intended = start + offsetNanos(i);
            long wait;
            while ((wait = intended - ticker.nanoTime()) > 0) {
                sleeper.sleepNanos(wait);
            }
            sender.send(i, intended);
        }
        return start;
    }
}
