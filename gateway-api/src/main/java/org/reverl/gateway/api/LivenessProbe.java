package org.reverl.gateway.api;

import java.time.Duration;
import java.util.concurrent.CompletionStage;

/**
 * Checks whether a backend is alive, e.g. by opening a TCP connection to it or by asking the OS about its process.
 *
 * <h2>Threading</h2>
 * {@link #probe} is called on the gateway's health scheduler, never on a request thread, possibly for several backends
 * at once, so implementations must be thread-safe. It must not block: do I/O asynchronously and complete the returned
 * stage later. The scheduler also enforces {@code timeout}: a stage that has not completed by then counts as a failed
 * probe, and a probe that throws counts as a failed probe with the exception as its reason.
 */
public interface LivenessProbe {

    /**
     * Probes {@code backend} once.
     *
     * @param backend the backend to probe
     * @param timeout how long the probe may take; complete with {@link ProbeResult#down(String)} rather than exceed it
     * @return the result; never completes exceptionally on purpose (an exception counts as down)
     */
    CompletionStage<ProbeResult> probe(Backend backend, Duration timeout);
}
