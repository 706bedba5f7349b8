package org.reverl.strategy.roundrobin;

import java.util.Map;
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

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public SelectionStrategy create(Map<String, String> options) {
        return new RoundRobinStrategy((int) StartOption.parse(NAME, options));
    }
}
