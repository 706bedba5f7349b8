package org.reverl.server.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.reverl.gateway.core.GatewayConfig;
import org.reverl.gateway.core.HealthCheckConfig;
import org.reverl.gateway.core.OutlierConfig;
import org.reverl.gateway.core.ProviderRegistry;
import org.reverl.gateway.http.RetryOn;

/**
 * The engine sections of a configuration file, at the top in the single-pool form and in each pool otherwise:
 * {@code strategy}, {@code health}, {@code breaker}, {@code retry} (with {@code retry.on}, which the HTTP proxy
 * applies) and {@code outlier}. Plugin names and options are checked against the plugins on the class path.
 */
final class EngineSections {

    private EngineSections() {}

    static GatewayConfig gateway(ProviderRegistry registry, TreeReader r, TreeReader.Obj top, Path baseDir) {
        GatewayConfig d = GatewayConfig.defaults();
        GatewayConfig.Builder g = GatewayConfig.builder();

        TreeReader.Obj s = top.obj("strategy");
        String strategy = s.string("name", d.strategy());
        Map<String, String> strategyOptions = s.options("options");
        s.rejectUnknownKeys();
        if (!registry.strategyNames().contains(strategy)) {
            r.error(s.at("name"), '"' + strategy + '"', "one of " + registry.strategyNames());
        } else {
            try {
                registry.newStrategy(strategy, strategyOptions);
                g.strategy(strategy, strategyOptions);
            } catch (IllegalArgumentException e) {
                r.error(s.at("options"), e.getMessage());
            }
        }

        TreeReader.Obj h = top.obj("health");
        if (top.has("health")) {
            String probe = h.requiredString("probe", "a probe name, one of " + registry.probeNames());
            Map<String, String> probeOptions = h.options("options");
            Duration interval = h.duration("interval", HealthCheckConfig.DEFAULT_INTERVAL, false);
            Duration downInterval = h.duration("downInterval", HealthCheckConfig.DEFAULT_DOWN_INTERVAL, false);
            Duration fastInterval = h.duration("fastInterval", HealthCheckConfig.DEFAULT_FAST_INTERVAL, false);
            int jitter = h.integer("jitterPercent", HealthCheckConfig.DEFAULT_JITTER_PERCENT, 0, 50);
            Duration timeout = h.duration("timeout", HealthCheckConfig.DEFAULT_TIMEOUT, false);
            int rise = h.integer("rise", HealthCheckConfig.DEFAULT_RISE, 1, 100);
            int fall = h.integer("fall", HealthCheckConfig.DEFAULT_FALL, 1, 100);
            boolean initiallyUp = h.bool("initiallyUp", true);
            g.slowStart(h.duration("slowStart", Duration.ZERO, true));
            g.panicThresholdPercent(h.integer("panicThreshold", 0, 0, 100));
            h.rejectUnknownKeys();
            if (timeout.compareTo(interval) > 0) {
                r.error(h.at("timeout"), timeout, "<= health.interval (" + interval + ")");
            } else if (probe != null) {
                if (!registry.probeNames().contains(probe)) {
                    r.error(h.at("probe"), '"' + probe + '"', "one of " + registry.probeNames());
                } else {
                    probeOptions = PluginSections.withFilesResolved(
                            probeOptions,
                            registry.probeProvider(probe).orElseThrow().fileOptions(),
                            baseDir);
                    try {
                        registry.newProbe(probe, probeOptions);
                        g.healthCheck(HealthCheckConfig.builder(probe)
                                .probeOptions(probeOptions)
                                .interval(interval)
                                .downInterval(downInterval)
                                .fastInterval(fastInterval)
                                .jitterPercent(jitter)
                                .timeout(timeout)
                                .rise(rise)
                                .fall(fall)
                                .initiallyUp(initiallyUp)
                                .build());
                    } catch (IllegalArgumentException e) {
                        r.error(h.at("options"), e.getMessage());
                    }
                }
            }
        }

        TreeReader.Obj b = top.obj("breaker");
        g.breakerFailureRateThreshold(
                (float) b.number("failureRateThreshold", d.breakerFailureRateThreshold(), 1, 100));
        int window = b.integer("slidingWindowSize", d.breakerSlidingWindowSize(), 1, 10_000);
        int minCalls = b.integer("minimumNumberOfCalls", d.breakerMinimumNumberOfCalls(), 1, 10_000);
        if (minCalls > window) {
            r.error(b.at("minimumNumberOfCalls"), minCalls, "<= breaker.slidingWindowSize (" + window + ")");
        } else {
            g.breakerSlidingWindowSize(window).breakerMinimumNumberOfCalls(minCalls);
        }
        Duration wait = b.duration("waitDurationInOpenState", d.breakerWaitDurationInOpenState(), false);
        if (wait.toMillis() < 1) {
            r.error(b.at("waitDurationInOpenState"), wait, ">= 1ms");
        } else {
            g.breakerWaitDurationInOpenState(wait);
        }
        g.breakerPermittedCallsInHalfOpenState(
                b.integer("permittedCallsInHalfOpenState", d.breakerPermittedCallsInHalfOpenState(), 1, 10_000));
        b.rejectUnknownKeys();

        TreeReader.Obj t = top.obj("retry");
        g.maxAttempts(t.integer("maxAttempts", d.maxAttempts(), 1, GatewayConfig.MAX_MAX_ATTEMPTS));
        g.retryBudgetPercent(t.number("budgetPercent", d.retryBudgetPercent(), 0, 100));
        g.minRetryConcurrency(t.integer("minRetryConcurrency", d.minRetryConcurrency(), 0, 10_000));
        t.readElsewhere("on"); // the HTTP proxy's: retryOn()
        t.rejectUnknownKeys();
        g.outlier(outlier(r, top));
        return g.build();
    }

    /** {@code retry.on}: the answered statuses after which an idempotent request goes to another backend. */
    static RetryOn retryOn(TreeReader r, TreeReader.Obj retry) {
        List<String> tokens = retry.strings("on");
        boolean valid = true;
        for (int i = 0; i < tokens.size(); i++) {
            try {
                RetryOn.parse("retry.on", List.of(tokens.get(i)));
            } catch (IllegalArgumentException e) {
                r.error(retry.at("on") + '[' + i + ']', '"' + tokens.get(i) + '"', RetryOn.EXPECTED);
                valid = false;
            }
        }
        return valid ? RetryOn.parse(retry.at("on"), tokens) : RetryOn.NONE;
    }

    /**
     * The {@code outlier:} section: passive outlier ejection, off without it; with it, the defaults of {@link
     * OutlierConfig} for what it leaves out.
     *
     * <pre>
     * outlier: { consecutive5xx: 5, consecutiveGatewayFailure: 0, baseEjectionTime: 30s, maxEjectionTime: 300s,
     *            maxEjectionPercent: 10, latency: { factor: 3, window: 10s, minRequests: 20 } }
     * </pre>
     */
    static OutlierConfig outlier(TreeReader r, TreeReader.Obj top) {
        TreeReader.Obj o = top.obj("outlier");
        if (!top.has("outlier")) {
            return null;
        }
        OutlierConfig d = OutlierConfig.defaults();
        int consecutive5xx = o.integer("consecutive5xx", d.consecutive5xx(), 0, 10_000);
        int gatewayFailures = o.integer("consecutiveGatewayFailure", d.consecutiveGatewayFailure(), 0, 10_000);
        Duration base = o.duration("baseEjectionTime", d.baseEjectionTime(), false);
        Duration max = o.duration("maxEjectionTime", d.maxEjectionTime(), false);
        int percent = o.integer("maxEjectionPercent", d.maxEjectionPercent(), 0, 100);
        OutlierConfig.Latency latency = null;
        if (o.has("latency")) {
            TreeReader.Obj l = o.obj("latency");
            double factor = l.number("factor", OutlierConfig.Latency.DEFAULT_FACTOR, 0, 1_000_000);
            Duration window = l.duration("window", OutlierConfig.Latency.DEFAULT_WINDOW, false);
            int minRequests = l.integer("minRequests", OutlierConfig.Latency.DEFAULT_MIN_REQUESTS, 1, 1_000_000);
            l.rejectUnknownKeys();
            try {
                latency = new OutlierConfig.Latency(factor, window, minRequests);
            } catch (IllegalArgumentException e) {
                r.errors().add(e.getMessage()); // OutlierConfig names its fields by their path in this file
                return null;
            }
        }
        o.rejectUnknownKeys();
        try {
            return new OutlierConfig(consecutive5xx, gatewayFailures, base, max, percent, latency);
        } catch (IllegalArgumentException e) {
            r.errors().add(e.getMessage());
            return null;
        }
    }
}
