package org.reverl.gateway.http.internal;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One backend's connection limit, shared by its pools on every event loop, as HAProxy's per-server {@code maxconn}
 * and queue: at most {@code max} connections open (or opening) at once; a request that finds none idle and no room
 * waits in its pool's queue, at most {@code queueSize} across all loops, until a connection is free or the queue
 * timeout passes. A connection closing anywhere wakes one waiting pool.
 */
final class BackendLimit {

    private final int max;
    private final int queueSize;
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicInteger queued = new AtomicInteger();
    /** Pools with requests waiting, to be woken when a connection closes; each at most once. */
    private final ConcurrentLinkedQueue<BackendPools.Pool> waiting = new ConcurrentLinkedQueue<>();

    BackendLimit(int max, int queueSize) {
        this.max = max;
        this.queueSize = queueSize;
    }

    /** Takes room for one more connection, if there is. */
    boolean tryOpen() {
        for (; ; ) {
            int n = open.get();
            if (n >= max) {
                return false;
            }
            if (open.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    /** A connection closed: its room goes to a waiting request, if any. */
    void closed() {
        open.decrementAndGet();
        if (queued.get() > 0) {
            BackendPools.Pool p = waiting.poll();
            if (p != null) {
                p.registered.set(false);
                p.wake();
            }
        }
    }

    int open() {
        return open.get();
    }

    /** Takes a place in the queue, if there is one. */
    boolean tryQueue(BackendPools.Pool pool) {
        for (; ; ) {
            int n = queued.get();
            if (n >= queueSize) {
                return false;
            }
            if (queued.compareAndSet(n, n + 1)) {
                register(pool);
                return true;
            }
        }
    }

    /** A request left the queue (served, timed out or gone). */
    void dequeued() {
        queued.decrementAndGet();
    }

    /** {@code pool} has waiters: it is woken at a close (once, however many wait there). */
    void register(BackendPools.Pool pool) {
        if (pool.registered.compareAndSet(false, true)) {
            waiting.add(pool);
        }
    }
}
