package org.reverl.gateway.core.internal;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.PriorityQueue;
import java.util.concurrent.Callable;

/**
 * A {@link ControlLoop} on the test's thread and the test's time: {@link #call} runs inline, {@link #post}ed tasks wait
 * for {@link #runPending}, and timers fire only when {@link #advance} moves time past them, in order of their due time
 * (then of scheduling). {@link #clock()} reads the same time, so slow start and event stamps follow it too.
 */
final class ManualControlLoop implements ControlLoop {

    private static final long EPOCH_MILLIS = 1_700_000_000_000L;

    private record Scheduled(long due, long seq, Runnable task) {}

    private final ArrayDeque<Runnable> posted = new ArrayDeque<>();
    private final PriorityQueue<Scheduled> timers =
            new PriorityQueue<>(Comparator.comparingLong(Scheduled::due).thenComparingLong(Scheduled::seq));
    private long now;
    private long seq;
    private boolean shut;

    @Override
    public <T> T call(Callable<T> task) {
        return ControlLoop.callInline(task);
    }

    @Override
    public void post(Runnable task) {
        if (!shut) {
            posted.add(task);
        }
    }

    @Override
    public Timer schedule(Runnable task, long delayNanos) {
        if (shut) {
            return () -> false;
        }
        Scheduled s = new Scheduled(now + Math.max(0, delayNanos), seq++, task);
        timers.add(s);
        return () -> timers.remove(s);
    }

    @Override
    public long nanoTime() {
        return now;
    }

    @Override
    public void shutdown() {
        shut = true;
        posted.clear();
        timers.clear();
    }

    /** Runs the posted tasks, and those they post, in order. */
    void runPending() {
        Runnable task;
        while ((task = posted.poll()) != null) {
            task.run();
        }
    }

    /** Moves time forward by {@code by}, running each timer due on the way at its due time, and what it posts. */
    void advance(Duration by) {
        long target = now + by.toNanos();
        runPending();
        while (!timers.isEmpty() && timers.peek().due() <= target) {
            Scheduled s = timers.poll();
            now = s.due();
            s.task().run();
            runPending();
        }
        now = target;
    }

    /** How many timers are pending. */
    int timers() {
        return timers.size();
    }

    /** A clock reading this loop's time. */
    Clock clock() {
        return new Clock() {
            @Override
            public ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(ZoneId zone) {
                return this;
            }

            @Override
            public long millis() {
                return EPOCH_MILLIS + now / 1_000_000;
            }

            @Override
            public Instant instant() {
                return Instant.ofEpochMilli(millis());
            }
        };
    }
}
