package org.reverl.gateway.api;

import java.util.Map;

/**
 * Creates {@link SelectionStrategy} instances for one strategy name.
 *
 * <p>Found by {@link java.util.ServiceLoader} through {@code
 * META-INF/services/org.reverl.gateway.api.SelectionStrategyProvider}: needs a public no-argument constructor, must be
 * stateless and cheap to construct. For each name the available provider with the highest {@link #priority()} wins;
 * two available providers with the same name and priority fail the gateway's start-up, so the outcome never depends
 * on class path order.
 *
 * <p>Thread-safe: the registry may call any method from any thread.
 */
public interface SelectionStrategyProvider {

    /** The name used in configuration, e.g. {@code round_robin}; matches {@code [a-z][a-z0-9_]*}; never changes. */
    String name();

    /** 0 to 10, default 5. For each name, the available provider with the highest priority is used. */
    default int priority() {
        return 5;
    }

    /** {@code false} if this provider cannot run here (missing OS feature or library); it is then ignored. */
    default boolean isAvailable() {
        return true;
    }

    /**
     * Creates a strategy. Called once per gateway at start-up, never on the request path.
     *
     * @param options this strategy's options, immutable, possibly empty
     * @return a new strategy, with an empty candidate set
     * @throws IllegalArgumentException if an option is unknown or invalid; the message names the option, its value
     *     and what was expected
     */
    SelectionStrategy create(Map<String, String> options);
}
