package org.reverl.gateway.core.internal;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;

/**
 * Envoy's retry budget: retries in progress may be at most {@code percent} of the requests in flight, and always at
 * least {@code minConcurrency}. A fleet that fails as a whole gets at most that share of extra load, instead of a
 * retry storm that multiplies it by the attempt limit.
 *
 * <p>Lock-free; thread-safe. The requests in flight are read only when a retry is asked for, so the budget costs the
 * hot path nothing.
 */
final class RetryBudget {

    private volatile double fraction;
    private volatile int minConcurrency;
    private final IntSupplier requestsInFlight;
    private final AtomicInteger active = new AtomicInteger();

    RetryBudget(double percent, int minConcurrency, IntSupplier requestsInFlight) {
        this.fraction = percent / 100.0;
        this.minConcurrency = minConcurrency;
        this.requestsInFlight = requestsInFlight;
    }

    /** New limits; retries in progress stay counted. */
    void configure(double percent, int minConcurrency) {
        this.fraction = percent / 100.0;
        this.minConcurrency = minConcurrency;
    }

    boolean tryAcquire() {
        int limit = Math.max(minConcurrency, (int) (fraction * requestsInFlight.getAsInt()));
        for (; ; ) {
            int now = active.get();
            if (now >= limit) {
                return false;
            }
            if (active.compareAndSet(now, now + 1)) {
                return true;
            }
        }
    }

    void release() {
        active.decrementAndGet();
    }

    int active() {
        return active.get();
    }
}
