package org.reverl.benchmarks.soak;

/**
 * Where {@link HttpLoadClient} reports what became of each request it was given: {@link #answered} or {@link #failed}
 * exactly once per request, and {@link #started} once for each request that was not refused over the bound. Called
 * from the client's event loop and, for {@link Failure#OVER_BOUND}, from the sending thread.
 */
interface Outcomes {

    /** The client took up a request {@code lagNanos} after it was due: the load's own delay, not the proxy's. */
    void started(long lagNanos);

    /** A whole answer with {@code status} arrived {@code latencyNanos} after the request was due. */
    void answered(Kind kind, long latencyNanos, int status);

    /** The request failed without an answer. */
    void failed(Kind kind, Failure failure);
}
