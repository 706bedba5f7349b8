package org.reverl.strategy.roundrobin;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.reverl.gateway.api.Checks;
import org.reverl.gateway.api.SelectionStrategy;
import org.reverl.gateway.api.SelectionStrategyProvider;

/**
 * Provides {@value #NAME}: each request goes to the next eligible backend in turn.
 *
 * <p>Options:
 * <ul>
 *   <li>{@code start}: {@code first} (default) starts at the first backend, so a gateway over b1, b2, b3 sends its first
 *       three requests to b1, b2, b3; {@code random} starts at a random offset, so that a fleet of gateways started
 *       together does not send all its first requests to the same backend.
 * </ul>
 *
 * <p>Public only because {@link java.util.ServiceLoader} requires it: configure {@code round_robin}, never this class.
 */
public final class RoundRobinStrategyProvider implements SelectionStrategyProvider {

    /** The strategy's name. */
    public static final String NAME = "round_robin";

    private static final Set<String> OPTIONS = Set.of("start");

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public SelectionStrategy create(Map<String, String> options) {
        for (String key : options.keySet()) {
            if (!OPTIONS.contains(key)) {
                throw Checks.unknown("strategy '" + NAME + "': option", key, OPTIONS);
            }
        }
        String start = options.getOrDefault("start", "first");
        switch (start) {
            case "first":
                return new RoundRobinStrategy(0);
            case "random":
                return new RoundRobinStrategy(ThreadLocalRandom.current().nextInt());
            default:
                throw new IllegalArgumentException(
                        Checks.message("strategy '" + NAME + "': start", "'" + start + "'", "first or random"));
        }
    }
}
