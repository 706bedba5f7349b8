package org.reverl.gateway.core.internal;

import static java.util.Objects.requireNonNull;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.reverl.gateway.api.BackendState;
import org.reverl.gateway.api.ProbeResult;
import org.reverl.gateway.core.HealthCheckConfig;

/**
 * A {@link DefaultLoadBalancer}'s active health checks: each probed backend is probed on the control thread's timer
 * (interval with jitter), every run bounded by the probe timeout, and its outcomes counted against {@code rise} and
 * {@code fall}; the load balancer's health state machine acts on the result. A run's generation number makes late or
 * duplicate outcomes harmless.
 *
 * <p>Control thread only, apart from probe completions, which post back to it.
 */
final class ActiveProbes {

    private final DefaultLoadBalancer lb;

    ActiveProbes(DefaultLoadBalancer lb) {
        this.lb = lb;
    }

    void schedule(BackendHandle handle, long delayNanos) {
        long generation = handle.probeGeneration;
        handle.probeTimer = lb.control.schedule(() -> runProbe(handle, generation), delayNanos, TimeUnit.NANOSECONDS);
    }

    private long nextProbeDelayNanos() {
        HealthCheckConfig hc = lb.config.healthCheck();
        long interval = hc.interval().toNanos();
        long jitter = interval * hc.jitterPercent() / 100;
        return jitter == 0
                ? interval
                : interval - jitter + ThreadLocalRandom.current().nextLong(2 * jitter + 1);
    }

    private void runProbe(BackendHandle handle, long generation) {
        if (!lb.isCurrent(handle) || handle.probeGeneration != generation || handle.terminated) {
            return;
        }
        HealthCheckConfig hc = lb.config.healthCheck();
        long probeId = ++handle.probeGeneration;
        ScheduledFuture<?> timeout = lb.control.schedule(
                () -> onProbeResult(
                        handle,
                        probeId,
                        ProbeResult.down("probe timed out after " + hc.timeout().toMillis() + "ms")),
                hc.timeout().toNanos(),
                TimeUnit.NANOSECONDS);
        CompletionStage<ProbeResult> result;
        try {
            result = requireNonNull(lb.probe.probe(handle, hc.timeout()), "probe result");
        } catch (RuntimeException e) {
            result = CompletableFuture.failedFuture(e);
        }
        result.whenComplete((r, error) -> {
            ProbeResult outcome = error != null
                    ? ProbeResult.down("probe failed: " + unwrap(error))
                    : r != null ? r : ProbeResult.down("probe returned no result");
            lb.postToControl(() -> {
                timeout.cancel(false);
                onProbeResult(handle, probeId, outcome);
            });
        });
    }

    private static String unwrap(Throwable t) {
        while (t instanceof java.util.concurrent.CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage() != null ? t.getClass().getSimpleName() + ": " + t.getMessage() : t.toString();
    }

    /** Control thread: one probe's outcome (or its timeout); the first one for a probe run counts, once. */
    private void onProbeResult(BackendHandle handle, long probeId, ProbeResult result) {
        if (!lb.isCurrent(handle) || handle.probeGeneration != probeId || handle.terminated) {
            return;
        }
        handle.probeGeneration++; // later outcomes of this run are stale
        HealthCheckConfig hc = lb.config.healthCheck();
        if (result.alive()) {
            handle.probeFailures = 0;
            handle.probeSuccesses++;
            if (handle.health == BackendState.DOWN
                    && (handle.awaitingFirstProbe || handle.probeSuccesses >= hc.rise())) {
                handle.awaitingFirstProbe = false;
                handle.breaker.reset();
                lb.syncBreakerState(handle);
                lb.setHealth(
                        handle,
                        BackendState.UP,
                        handle.probeSuccesses == 1 ? "probe passed" : handle.probeSuccesses + " probes passed");
            }
        } else {
            handle.probeSuccesses = 0;
            handle.probeFailures++;
            handle.downReason = result.reason();
            if (handle.health != BackendState.DOWN && handle.probeFailures >= hc.fall()) {
                lb.cancelHalfOpenTimer(handle);
                lb.setHealth(handle, BackendState.DOWN, result.reason());
            }
        }
        schedule(handle, nextProbeDelayNanos());
    }
}
