package org.reverl.gateway.api;

import java.util.Map;
import java.util.Set;

/**
 * Creates {@link DiscoverySource}s for one source name, e.g. {@code dns} or {@code etcd}.
 *
 * <p>Found by {@link java.util.ServiceLoader} through {@code
 * META-INF/services/org.reverl.gateway.api.DiscoverySourceProvider}, with the same rules as {@link
 * SelectionStrategyProvider}: public no-argument constructor, stateless, highest {@link #priority()} wins per name,
 * equal priorities for one name fail start-up. Thread-safe.
 */
public interface DiscoverySourceProvider {

    /** The name used in configuration, e.g. {@code dns}; matches {@code [a-z][a-z0-9_]*}; never changes. */
    String name();

    /** 0 to 10, default 5. */
    default int priority() {
        return 5;
    }

    /** {@code false} if this provider cannot run here; it is then ignored. */
    default boolean isAvailable() {
        return true;
    }

    /**
     * The options whose values name files (a CA bundle, a certificate, a key). A configuration file's loader resolves
     * a relative one against the file's directory, as it does every other path in the file, before {@link #create}
     * sees it. Default: none.
     *
     * @since 0.3
     */
    default Set<String> fileOptions() {
        return Set.of();
    }

    /**
     * Creates a source, not started. Called at start-up, never on the request path; does no I/O, so that a
     * configuration can be checked without reaching the registry.
     *
     * @param options this source's options, immutable, possibly empty
     * @throws IllegalArgumentException if an option is missing, unknown or invalid, naming the option, its value and
     *     what was expected
     */
    DiscoverySource create(Map<String, String> options);
}
