package org.reverl.gateway.core.internal;

import static java.util.Objects.requireNonNull;

import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.reverl.gateway.api.LivenessProbe;
import org.reverl.gateway.api.SelectionStrategy;
import org.reverl.gateway.core.GatewayConfig;

/**
 * One change of a running {@link DefaultLoadBalancer}'s engine settings (strategy, health checks, breakers, retry
 * budget, slow start, panic threshold), checked and applied as one task on its control thread.
 */
final class Reconfiguration {

    private final DefaultLoadBalancer lb;

    Reconfiguration(DefaultLoadBalancer lb) {
        this.lb = lb;
    }

    /**
     * Applies new engine settings to the running load balancer, on the control thread: the strategy (a new instance
     * gets the eligible set at once), health checking (probes restart with the new probe and settings; without one,
     * backends down only by their probes come up), circuit breakers (each member gets a fresh breaker when the breaker
     * settings changed; one that was ejected comes back), the retry budget, slow start and panic threshold. Members,
     * their leases and counters stay.
     *
     * @param next the new settings; its name must be this load balancer's
     * @param nextStrategy an instance of {@code next}'s strategy (used only if the strategy or its options changed)
     * @param nextProbe an instance of {@code next}'s probe, or {@code null} exactly when it has no health check
     * @throws IllegalArgumentException if a member's address cannot be checked by the new probe; nothing is changed
     */
    void apply(GatewayConfig next, SelectionStrategy nextStrategy, LivenessProbe nextProbe) {
        requireNonNull(next, "next");
        requireNonNull(nextStrategy, "nextStrategy");
        if ((nextProbe == null) != (next.healthCheck() == null)) {
            throw new IllegalArgumentException(
                    "probe: " + nextProbe + " (expected: a probe exactly when healthCheck is set)");
        }
        lb.onControl(() -> {
            GatewayConfig before = lb.config;
            boolean healthChanged = !java.util.Objects.equals(before.healthCheck(), next.healthCheck());
            Map<BackendHandle, Boolean> probedNext = new java.util.IdentityHashMap<>();
            List<BackendHandle> all = new ArrayList<>(lb.members.values());
            all.addAll(lb.replacements.values());
            for (BackendHandle h : all) {
                probedNext.put(
                        h,
                        healthChanged ? ActiveProbes.checks(nextProbe, next, h.spec) : h.probed); // throws: no change
            }
            lb.config = next;
            if (!before.strategy().equals(next.strategy())
                    || !before.strategyOptions().equals(next.strategyOptions())) {
                lb.strategy = nextStrategy; // republished below
                DefaultLoadBalancer.log.info(
                        "load balancer '{}': strategy {} {}", lb.name, next.strategy(), next.strategyOptions());
            }
            lb.retryBudget.configure(next.retryBudgetPercent(), next.minRetryConcurrency());
            if (!java.util.Objects.equals(before.outlier(), next.outlier())) {
                lb.outliers.reconfigure(next.outlier());
            }
            CircuitBreakerConfig nextBreaker = HealthControl.breakerConfig(next);
            if (breakerSettingsChanged(before, next)) {
                lb.breakerConfig = nextBreaker;
                for (BackendHandle h : all) {
                    lb.health.replaceBreaker(h);
                }
            }
            if (healthChanged) {
                lb.probe = nextProbe;
                for (BackendHandle h : all) {
                    h.probeGeneration++;
                    ActiveProbes.cancel(h);
                    h.probed = probedNext.get(h);
                    if (h.probed) {
                        h.health.probesRestarted();
                        lb.probes.schedule(h, 0);
                    } else {
                        lb.health.probesStopped(h);
                    }
                }
            }
            lb.rotation.refresh();
            return null;
        });
    }

    private static boolean breakerSettingsChanged(GatewayConfig a, GatewayConfig b) {
        return a.breakerFailureRateThreshold() != b.breakerFailureRateThreshold()
                || a.breakerSlidingWindowSize() != b.breakerSlidingWindowSize()
                || a.breakerMinimumNumberOfCalls() != b.breakerMinimumNumberOfCalls()
                || !a.breakerWaitDurationInOpenState().equals(b.breakerWaitDurationInOpenState())
                || a.breakerPermittedCallsInHalfOpenState() != b.breakerPermittedCallsInHalfOpenState();
    }
}
