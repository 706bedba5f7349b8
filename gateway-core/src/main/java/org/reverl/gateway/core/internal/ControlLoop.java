package org.reverl.gateway.core.internal;

import java.util.concurrent.Callable;

/**
 * Where a load balancer's control plane runs, one task at a time: changes wait for their task ({@link #call}), events
 * are posted ({@link #post}), timers are scheduled on the loop's own ticker ({@link #nanoTime}). A task run from the
 * control thread itself runs inline, so listeners (which run there) may make changes.
 *
 * <p>{@link ThreadControlLoop} is the one a load balancer runs on; tests drive a manual one, stepping through time
 * instead of waiting for it.
 */
interface ControlLoop {

    /** Runs {@code task} on the control thread (inline when called there) and returns its result or throws its error. */
    <T> T call(Callable<T> task);

    /** Queues {@code task}; a failure is logged. Does nothing once shut down. */
    void post(Runnable task);

    /** Runs {@code task} on the control thread after {@code delayNanos} (on {@link #nanoTime}'s ticker). */
    Timer schedule(Runnable task, long delayNanos);

    /** The ticker timers run on. */
    long nanoTime();

    /** Stops the loop; queued tasks and timers are dropped. */
    void shutdown();

    /** Runs {@code task} on the calling thread: its result, or its error (a checked one wrapped). */
    static <T> T callInline(Callable<T> task) {
        try {
            return task.call();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A scheduled task. */
    @FunctionalInterface
    interface Timer {
        /** Cancels the task; {@code true} if it had not run yet (and now never will). */
        boolean cancel();
    }
}
