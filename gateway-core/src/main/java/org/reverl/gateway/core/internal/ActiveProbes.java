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
 * (at the interval its state calls for, see {@link ProbeSchedule}), every run bounded by the probe timeout, and its outcomes counted against {@code rise} and
 * {@code fall}; the load balancer's health state machine acts on the result. A run's generation number makes late or
 * duplicate outcomes harmless.
 *
 * <p>Control thread only, apart from probe completions, which post back to it.
 */
final class ActiveProbes {

    private final DefaultLoadBalancer lb;
    /** The schedule of {@link #scheduleFor}; made again when the health check settings are reloaded. */
    private ProbeSchedule schedule;

    private HealthCheckConfig scheduleFor;

    ActiveProbes(DefaultLoadBalancer lb) {
        this.lb = lb;
    }

    void schedule(BackendHandle handle, long delayNanos) {
        long generation = handle.probeGeneration;
        handle.probeTimer = lb.control.schedule(() -> runProbe(handle, generation), delayNanos, TimeUnit.NANOSECONDS);
    }

    /** Control thread: probes the backend now, unless a probe is under way (then its result is as good). */
    void probeNow(BackendHandle handle) {
        ScheduledFuture<?> timer = handle.probeTimer;
        if (timer != null && timer.cancel(false)) {
            schedule(handle, 0);
        }
    }

    private long nextProbeDelayNanos(BackendHandle handle) {
        HealthCheckConfig hc = lb.config.healthCheck();
        if (schedule == null || scheduleFor != hc) {
            schedule =
                    new ProbeSchedule(hc, bound -> ThreadLocalRandom.current().nextLong(bound));
            scheduleFor = hc;
        }
        return schedule.nextDelayNanos(handle.health == BackendState.DOWN, handle.probeSuccesses, handle.probeFailures);
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
            } else if (handle.health == BackendState.DOWN && handle.probeSuccesses == 1) {
                lb.publishLastResort(); // on its way back: offer it first
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
        schedule(handle, nextProbeDelayNanos(handle));
    }
}
