package org.reverl.server;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.reverl.gateway.api.LoadBalancer;

/**
 * The running server as the admin API and the status page see it: its load balancer (backends, health, admin
 * operations), configuration reload and save, and readiness.
 *
 * <p>Thread-safe: called from admin request threads while the proxy runs.
 */
public interface ServerControl {

    /**
     * The engine of the default pool (the only one of a server configured with one list of backends): list, add,
     * drain, remove, maintenance and enable backends through it.
     */
    LoadBalancer loadBalancer();

    /** Every pool's engine by pool name, in configuration order. */
    default java.util.Map<String, LoadBalancer> pools() {
        return java.util.Map.of(defaultPoolName(), loadBalancer());
    }

    /** The name of the pool {@link #loadBalancer()} belongs to. */
    default String defaultPoolName() {
        return org.reverl.gateway.http.ProxyPool.DEFAULT;
    }

    /**
     * Re-reads the configuration file and applies everything that can change while running (backends by difference,
     * strategy, health, breaker, retry, timeouts, limits, trusted proxies, access log, TLS certificates, listeners);
     * no request in flight is dropped. An invalid file changes nothing.
     *
     * @return what changed, or why nothing did
     */
    ReloadResult reload();

    /**
     * Writes the running backends (with runtime changes) back to the configuration file, so they survive a restart.
     *
     * @return the file written
     * @throws IllegalStateException if the server was started without a configuration file
     * @throws IOException if the file cannot be written
     */
    Path saveConfig() throws IOException;

    /** Whether the proxy is listening and at least one backend is eligible (for {@code /readyz}). */
    boolean ready();

    /**
     * Where the backends the default pool discovers from a registry stand (for {@code /readyz} and the admin API);
     * empty when that pool has no discovery source.
     */
    default java.util.Optional<org.reverl.gateway.core.DiscoveryStatus> discovery() {
        return discovery(defaultPoolName());
    }

    /**
     * Where the backends that {@code pool} discovers from a registry stand; empty when it has no discovery source, or
     * there is no such pool.
     */
    default java.util.Optional<org.reverl.gateway.core.DiscoveryStatus> discovery(String pool) {
        return java.util.Optional.empty();
    }

    /** Reverl's version, for the status page and {@code --version}. */
    String version();

    /**
     * The outcome of a reload.
     *
     * @param applied whether the new configuration is now running
     * @param changes what changed, one line each, e.g. {@code added backend b4}
     * @param restartNeeded settings that changed in the file but apply only at the next start, e.g. {@code
     *     ioThreads}; empty when everything was applied
     * @param errors why the file was refused, one line each, with path, value and expectation; empty when applied
     */
    record ReloadResult(boolean applied, List<String> changes, List<String> restartNeeded, List<String> errors) {
        /** Copies. */
        public ReloadResult {
            changes = List.copyOf(changes);
            restartNeeded = List.copyOf(restartNeeded);
            errors = List.copyOf(errors);
        }
    }
}
