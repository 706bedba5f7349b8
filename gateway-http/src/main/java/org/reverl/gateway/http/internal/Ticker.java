package org.reverl.gateway.http.internal;

/**
 * A monotonic nanosecond clock: where the data path reads time for its timeouts and latencies, so that tests step
 * through time instead of waiting for it. Like Guava's {@code Ticker} and gRPC's {@code Deadline.Ticker}.
 */
@FunctionalInterface
public interface Ticker {

    /** {@link System#nanoTime()}. */
    Ticker SYSTEM = System::nanoTime;

    /** Nanoseconds from an arbitrary origin; only differences mean anything. */
    long nanoTime();
}
