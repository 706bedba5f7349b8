package com.example.reverl.firsteligible;

import java.util.Map;
import org.reverl.gateway.api.Checks;
import org.reverl.gateway.api.SelectionStrategy;
import org.reverl.gateway.api.SelectionStrategyProvider;

/**
 * Provides {@value #NAME}: active/standby. Every request goes to the first eligible backend in configuration order;
 * a failover attempt goes to the next one. Options: none.
 *
 * <p>Thread-safe and stateless. Public because {@link java.util.ServiceLoader} requires it.
 */
public final class FirstEligibleStrategyProvider implements SelectionStrategyProvider {

    /** The strategy's name. */
    public static final String NAME = "first_eligible";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public SelectionStrategy create(Map<String, String> options) {
        if (!options.isEmpty()) {
            String key = options.keySet().iterator().next();
            throw new IllegalArgumentException(
                    Checks.message("strategy '" + NAME + "': option", "'" + key + "'", "none"));
        }
        return new FirstEligibleStrategy();
    }
}
