package org.reverl.gateway.api;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.CompletionStage;

/**
 * Checks whether a backend is alive, e.g. by opening a TCP connection to it or by asking the OS about its process.
 *
 * <h2>Threading</h2>
 * {@link #probe} is called on the gateway's health scheduler, never on a request thread, possibly for several backends
 * at once, so implementations must be thread-safe. It must not block: do I/O asynchronously and complete the returned
 * stage later. The scheduler also enforces {@code timeout}: a stage that has not completed by then counts as a failed
 * probe, and a probe that throws counts as a failed probe with the exception as its reason.
 *
 * <h2>Addresses</h2>
 * A probe checks {@link BackendSpec#probeAddress()}: the backend's own address, or the override configured for its
 * health check (HAProxy's {@code addr}/{@code port}, or a {@code pid:}/{@code pidfile:} for a process). {@link
 * #schemes()} states which address schemes the probe can check; the gateway refuses to add a backend whose probe
 * address it cannot check, and never gives it an in-process {@code local:} backend (those are watched through their
 * lifecycle).
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

    /**
     * The address schemes this probe can check; by default the network ones ({@code http}, {@code https}, {@code
     * tcp}). {@code local} is never probed, whatever this returns.
     *
     * @since 0.2
     */
    default Set<BackendAddress.Scheme> schemes() {
        return EnumSet.of(BackendAddress.Scheme.HTTP, BackendAddress.Scheme.HTTPS, BackendAddress.Scheme.TCP);
    }
}
