package org.reverl.strategy.roundrobin;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.reverl.gateway.api.Checks;
import org.reverl.gateway.api.SelectionStrategy;
import org.reverl.gateway.api.SelectionStrategyProvider;

/**
 * Provides {@value #NAME}: smooth weighted round robin. Over every cycle of {@code sum(weights) / gcd(weights)} picks
 * each eligible backend is picked exactly {@code weight / gcd(weights)} times, interleaved as nginx's smooth weighted
 * round robin does (weights 5, 1, 1 give {@code a a b a c a a}), so no backend receives a burst. Weights are the
 * backends' effective weights (lowered during slow start) at the time the gateway last updated the strategy.
 *
 * <p>Options:
 * <ul>
 *   <li>{@code start}: {@code first} (default) starts the cycle at its beginning; {@code random} starts at a random
 *       position, so that a fleet of gateways started together does not send the same backend the first requests.
 * </ul>
 *
 * <p>Thread-safe and stateless. Public only because {@link java.util.ServiceLoader} requires it: configure {@code
 * weighted_round_robin}, never this class.
 */
public final class WeightedRoundRobinStrategyProvider implements SelectionStrategyProvider {

    /** The strategy's name. */
    public static final String NAME = "weighted_round_robin";

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
                return new WeightedRoundRobinStrategy(0);
            case "random":
                return new WeightedRoundRobinStrategy(
                        ThreadLocalRandom.current().nextLong());
            default:
                throw new IllegalArgumentException(
                        Checks.message("strategy '" + NAME + "': start", "'" + start + "'", "first or random"));
        }
    }
}
