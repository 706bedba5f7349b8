package org.reverl.gateway.core.internal;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;
import org.reverl.gateway.api.BackendAddress;
import org.reverl.gateway.api.BackendSpec;
import org.reverl.gateway.api.BackendState;
import org.reverl.gateway.api.LivenessProbe;
import org.reverl.gateway.api.ProbeResult;
import org.reverl.gateway.core.GatewayConfig;
import org.reverl.gateway.core.HealthCheckConfig;

/**
 * A {@link DefaultLoadBalancer}'s active health checks: each probed backend is probed on the control thread's timer
 * (at the interval its state calls for, see {@link ProbeSchedule}), every run bounded by the probe timeout, and each
 * outcome handed to its {@link BackendHealth} (through {@link HealthControl}), which counts it against {@code rise} and
 * {@code fall}. A run's generation number makes late or duplicate outcomes harmless.
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

    /**
     * Whether the active probe checks {@code spec}; throws if it cannot. {@code local:} backends are never probed (their
     * lifecycle tells), and a text that is no address at all is left to the probe, which reports it as the reason.
     */
    static boolean checks(LivenessProbe probe, GatewayConfig config, BackendSpec spec) {
        if (probe == null) {
            return false;
        }
        BackendAddress target;
        try {
            target = spec.probeAddress();
        } catch (IllegalArgumentException e) {
            return true;
        }
        if (target.scheme() == BackendAddress.Scheme.LOCAL) {
            return false;
        }
        if (!probe.schemes().contains(target.scheme())) {
            List<String> forms = new ArrayList<>();
            for (BackendAddress.Scheme s : probe.schemes()) {
                forms.add(s.isNetwork() ? s.text() + "://host:port" : s.text() + ":...");
            }
            throw new IllegalArgumentException(org.reverl.gateway.api.Checks.message(
                    "backend '" + spec.id() + "': " + (spec.healthAddress() != null ? "health address" : "address"),
                    "'" + target + "'",
                    "an address the '" + config.healthCheck().probe() + "' probe can check: " + String.join(", ", forms)
                            + (spec.healthAddress() == null ? "; give the backend a health address" : "")));
        }
        return true;
    }

    void schedule(BackendHandle handle, long delayNanos) {
        long generation = handle.probeGeneration;
        handle.probeTimer = lb.control.schedule(() -> runProbe(handle, generation), delayNanos);
    }

    /** Control thread: probes the backend now, unless a probe is under way (then its result is as good). */
    void probeNow(BackendHandle handle) {
        ControlLoop.Timer timer = handle.probeTimer;
        if (timer != null && timer.cancel()) {
            schedule(handle, 0);
        }
    }

    /** Control thread: stops probing {@code handle} until it is scheduled again. */
    static void cancel(BackendHandle handle) {
        if (handle.probeTimer != null) {
            handle.probeTimer.cancel();
            handle.probeTimer = null;
        }
    }

    private long nextProbeDelayNanos(BackendHandle handle) {
        HealthCheckConfig hc = lb.config.healthCheck();
        if (schedule == null || scheduleFor != hc) {
            schedule =
                    new ProbeSchedule(hc, bound -> ThreadLocalRandom.current().nextLong(bound));
            scheduleFor = hc;
        }
        BackendHealth health = handle.health;
        return schedule.nextDelayNanos(
                health.health() == BackendState.DOWN, health.probeSuccesses(), health.probeFailures());
    }

    private void runProbe(BackendHandle handle, long generation) {
        if (!lb.isCurrent(handle) || handle.probeGeneration != generation || handle.health.terminated()) {
            return;
        }
        HealthCheckConfig hc = lb.config.healthCheck();
        long probeId = ++handle.probeGeneration;
        ControlLoop.Timer timeout = lb.control.schedule(
                () -> onProbeResult(
                        handle,
                        probeId,
                        ProbeResult.down("probe timed out after " + hc.timeout().toMillis() + "ms")),
                hc.timeout().toNanos());
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
                timeout.cancel();
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
        if (!lb.isCurrent(handle) || handle.probeGeneration != probeId || handle.health.terminated()) {
            return;
        }
        handle.probeGeneration++; // later outcomes of this run are stale
        lb.health.probed(handle, result);
        if (lb.isCurrent(handle) && !handle.health.terminated()) {
            schedule(handle, nextProbeDelayNanos(handle));
        }
    }
}
