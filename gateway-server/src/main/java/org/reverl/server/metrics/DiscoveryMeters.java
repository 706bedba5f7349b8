package org.reverl.server.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.function.ToDoubleFunction;
import org.reverl.gateway.core.DiscoveryFollower;
import org.reverl.gateway.core.DiscoveryStatus;

/**
 * The meters of one discovery source, tagged {@code source=<its description>}, read from its status at scrape time:
 * <ul>
 *   <li>{@code reverl_discovery_synced}: 1 while the last word from the registry was a usable snapshot, 0 while it
 *       fails (the last good backends stay);
 *   <li>{@code reverl_discovery_backends}: discovered backends in rotation or on their way in;
 *   <li>{@code reverl_discovery_snapshots_total}, {@code reverl_discovery_failures_total}, {@code
 *       reverl_discovery_skipped_total}: snapshots applied, failures (including empty answers), entries skipped.
 * </ul>
 */
public final class DiscoveryMeters {

    private DiscoveryMeters() {}

    /** Registers the meters of {@code follower} in {@code registry}. */
    public static void bind(MeterRegistry registry, DiscoveryFollower follower) {
        String source = follower.source();
        gauge(
                registry,
                "reverl.discovery.synced",
                "1 while the registry answers usably",
                source,
                follower,
                s -> s.synced() ? 1 : 0);
        gauge(
                registry,
                "reverl.discovery.backends",
                "discovered backends that are members",
                source,
                follower,
                s -> s.backends());
        counter(
                registry,
                "reverl.discovery.snapshots",
                "snapshots applied",
                source,
                follower,
                DiscoveryStatus::snapshots);
        counter(
                registry,
                "reverl.discovery.failures",
                "registry failures and empty answers",
                source,
                follower,
                s -> s.failures());
        counter(registry, "reverl.discovery.skipped", "registry entries skipped", source, follower, s -> s.skipped());
    }

    private static void gauge(
            MeterRegistry registry,
            String name,
            String help,
            String source,
            DiscoveryFollower f,
            ToDoubleFunction<DiscoveryStatus> value) {
        Gauge.builder(name, f, x -> value.applyAsDouble(x.status()))
                .description(help)
                .tag("source", source)
                .strongReference(true)
                .register(registry);
    }

    private static void counter(
            MeterRegistry registry,
            String name,
            String help,
            String source,
            DiscoveryFollower f,
            ToDoubleFunction<DiscoveryStatus> value) {
        FunctionCounter.builder(name, f, x -> value.applyAsDouble(x.status()))
                .description(help)
                .tag("source", source)
                .register(registry);
    }
}
