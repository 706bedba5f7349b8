package org.reverl.gateway.core.internal;

import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.reverl.gateway.api.GatewayClosedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link ControlLoop} of a running load balancer: one daemon thread with a timer queue, on the system's nano ticker.
 *
 * <p>Thread-safe.
 */
final class ThreadControlLoop implements ControlLoop {

    private static final Logger log = LoggerFactory.getLogger("org.reverl.gateway");

    private final String name;
    private final ScheduledThreadPoolExecutor executor;
    private final Thread thread;

    ThreadControlLoop(String name) {
        this.name = name;
        Thread[] holder = new Thread[1];
        this.executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "reverl-" + name + "-control");
            t.setDaemon(true);
            holder[0] = t;
            return t;
        });
        executor.setRemoveOnCancelPolicy(true);
        executor.prestartCoreThread();
        this.thread = java.util.Objects.requireNonNull(holder[0], "control thread");
    }

    @Override
    public <T> T call(Callable<T> task) {
        if (Thread.currentThread() == thread) {
            return ControlLoop.callInline(task);
        }
        Future<T> future;
        try {
            future = executor.submit(task);
        } catch (RejectedExecutionException e) {
            throw new GatewayClosedException(name);
        }
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return future.get();
                } catch (InterruptedException e) {
                    interrupted = true; // the change is under way; finish waiting for it, keep the interrupt
                }
            }
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException) {
                throw (RuntimeException) cause;
            }
            if (cause instanceof Error) {
                throw (Error) cause;
            }
            throw new IllegalStateException(cause);
        } catch (CancellationException e) {
            throw new GatewayClosedException(name);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void post(Runnable task) {
        try {
            executor.execute(logged(task));
        } catch (RejectedExecutionException e) {
            // closing
        }
    }

    @Override
    public Timer schedule(Runnable task, long delayNanos) {
        try {
            ScheduledFuture<?> f = executor.schedule(logged(task), delayNanos, TimeUnit.NANOSECONDS);
            return () -> f.cancel(false);
        } catch (RejectedExecutionException e) {
            return () -> false; // closing
        }
    }

    private Runnable logged(Runnable task) {
        return () -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                log.error("load balancer '{}': control task failed", name, e);
            }
        };
    }

    @Override
    public long nanoTime() {
        return System.nanoTime();
    }

    @Override
    public void shutdown() {
        executor.shutdownNow();
    }
}
