package org.reverl.server;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.reverl.gateway.api.Backend;
import org.reverl.gateway.api.BackendState;
import org.reverl.gateway.api.LoadBalancer;
import org.reverl.gateway.core.DiscoveryFollower;
import org.reverl.gateway.core.LoadBalancers;
import org.reverl.gateway.core.ProviderRegistry;
import org.reverl.gateway.http.Router;
import org.reverl.server.config.ReverlConfig;
import org.reverl.server.metrics.DiscoveryMeters;
import org.reverl.server.metrics.ServerMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running pools of a server: each one's load balancer, with the configuration file's backends (membership source
 * {@value ReverlServer#CONFIG_SOURCE}) and its discovery follower, and the {@link Router} over them. A reload brings
 * them to a new configuration: new pools start, changed pools are reconfigured in place, removed pools are retired
 * (they get no new request once the new router is in place, and close when their requests are done or the grace
 * period is over).
 *
 * <p>Changes are serialized by the caller ({@link ReverlServer}'s lock); reads are thread-safe.
 */
final class ServerPools implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ServerPools.class);

    /** One running pool. */
    record Running(ReverlConfig.Pool config, LoadBalancer lb, DiscoveryFollower discovery) {}

    private final ProviderRegistry registry;
    /** The pools' meters, or {@code null} when nothing can read them (no admin port): then none are kept. */
    private final ServerMetrics metrics;
    /** By name, in configuration order; replaced whole on each change. */
    private volatile Map<String, Running> pools = Map.of();

    private volatile String defaultPool;

    ServerPools(ProviderRegistry registry, ServerMetrics metrics) {
        this.registry = registry;
        this.metrics = metrics;
    }

    /**
     * Starts the pools of {@code c}; the default pool runs on {@code defaultLb} (built from its engine settings by the
     * caller), the others on new load balancers.
     */
    void start(ReverlConfig c, LoadBalancer defaultLb) {
        Map<String, Running> started = new LinkedHashMap<>();
        String first = c.defaultPool().name();
        for (ReverlConfig.Pool p : c.pools().values()) {
            started.put(p.name(), start(p, p.name().equals(first) ? defaultLb : null));
        }
        defaultPool = first;
        pools = Collections.unmodifiableMap(started);
    }

    private Running start(ReverlConfig.Pool p, LoadBalancer given) {
        LoadBalancer lb = given != null
                ? given
                : LoadBalancers.builder().config(p.gateway()).registry(registry).build();
        try {
            // metrics first: they follow ADDED events, so they see every backend
            if (metrics != null) {
                metrics.follow(p.name(), lb);
            }
            LoadBalancers.membership(lb).reconcile(ReverlServer.CONFIG_SOURCE, p.backends());
            DiscoveryFollower f = null;
            if (p.discovery() != null) {
                // after the file's backends: a discovered backend with the id of one of them is skipped
                f = DiscoveryFollower.start(
                        registry.newSource(p.discovery().source(), p.discovery().options()), lb, e -> {});
                if (metrics != null) {
                    DiscoveryMeters.bind(metrics.registry(), f);
                }
            }
            return new Running(p, lb, f);
        } catch (RuntimeException e) {
            if (metrics != null) {
                metrics.unfollow(lb);
            }
            if (given == null) {
                lb.close();
            }
            throw e;
        }
    }

    /**
     * Brings the pools to {@code next}'s: starts the new ones, reconfigures the changed ones (engine settings, and the
     * file's backends by difference); returns the pools {@code next} no longer has, still running, for {@link #retire}
     * once the router no longer sends them requests.
     *
     * @param changes gets one line per change
     * @param restart gets what changed but needs a restart (a pool's discovery source)
     * @throws IllegalArgumentException if a pool cannot take its new settings; pools started by this call are closed
     */
    List<Running> apply(ReverlConfig next, List<String> changes, List<String> restart) {
        Map<String, Running> running = pools;
        Map<String, Running> result = new LinkedHashMap<>();
        List<Running> started = new ArrayList<>();
        try {
            for (ReverlConfig.Pool p : next.pools().values()) {
                Running r = running.get(p.name());
                if (r == null) {
                    Running s = start(p, null);
                    started.add(s);
                    result.put(p.name(), s);
                    changes.add("started pool " + p.name() + " (" + p.backends().size() + " backend(s))");
                    continue;
                }
                String prefix = running.size() == 1 && next.pools().size() == 1 ? "" : "pool " + p.name() + ": ";
                if (!p.gateway().equals(r.config().gateway())) {
                    LoadBalancers.reconfigure(r.lb(), p.gateway(), registry);
                    changes.add(prefix + "engine settings applied (strategy "
                            + p.gateway().strategy() + ", health "
                            + (p.gateway().healthCheck() == null
                                    ? "off"
                                    : p.gateway().healthCheck().probe()) + ")");
                }
                for (String c : LoadBalancers.membership(r.lb())
                        .reconcile(ReverlServer.CONFIG_SOURCE, p.backends())
                        .changes()) {
                    changes.add(prefix + c);
                }
                ReverlConfig.Pool was = r.config();
                if (!p.connectTimeout().equals(was.connectTimeout())
                        || !p.responseTimeout().equals(was.responseTimeout())
                        || !p.upstreamIdleTimeout().equals(was.upstreamIdleTimeout())
                        || !p.retryOn().equals(was.retryOn())) {
                    changes.add(prefix + "backend timeouts and retry.on applied to the next requests");
                }
                if (!java.util.Objects.equals(p.discovery(), r.config().discovery())) {
                    restart.add(prefix.isEmpty() ? "discovery" : "pools." + p.name() + ".discovery");
                }
                // the discovery source that runs stays what the configuration says
                ReverlConfig.Pool kept = new ReverlConfig.Pool(
                        p.name(),
                        p.backends(),
                        p.gateway(),
                        r.config().discovery(),
                        p.connectTimeout(),
                        p.responseTimeout(),
                        p.upstreamIdleTimeout(),
                        p.retryOn());
                result.put(p.name(), new Running(kept, r.lb(), r.discovery()));
            }
        } catch (RuntimeException e) {
            for (Running s : started) {
                close(s);
            }
            throw e;
        }
        List<Running> gone = new ArrayList<>();
        for (Running r : running.values()) {
            if (!result.containsKey(r.config().name())) {
                gone.add(r);
            }
        }
        defaultPool = next.defaultPool().name();
        pools = Collections.unmodifiableMap(result);
        return gone;
    }

    /** The effective configuration of the pools, as they run (a changed discovery source waits for a restart). */
    Map<String, ReverlConfig.Pool> configs() {
        Map<String, ReverlConfig.Pool> m = new LinkedHashMap<>();
        for (Running r : pools.values()) {
            m.put(r.config().name(), r.config());
        }
        return m;
    }

    /** A router over the running pools, by {@code routing}. */
    Router router(ReverlConfig.Routing routing) {
        Router.Builder b = Router.builder();
        for (Running r : pools.values()) {
            b.pool(r.config().proxyPool(r.lb()));
        }
        routing.routes().forEach(b::route);
        if (routing.defaultPool() != null) {
            b.defaultPool(routing.defaultPool());
        }
        return b.noMatchStatus(routing.noMatchStatus()).build();
    }

    /**
     * Retires pools no longer routed to: their backends are drained, and each one closes once none of its requests
     * is in flight, or after {@code grace}.
     */
    void retire(List<Running> gone, Duration grace, List<String> changes) {
        for (Running r : gone) {
            for (Backend b : r.lb().backends()) {
                r.lb().drain(b.id());
            }
            Thread closer = new Thread(
                    () -> {
                        long deadline = System.nanoTime() + grace.toNanos();
                        try {
                            while (inFlight(r.lb()) > 0 && System.nanoTime() < deadline) {
                                TimeUnit.MILLISECONDS.sleep(20); // nothing to wait on but the counts, as at shutdown
                            }
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        close(r);
                        log.info("pool {} closed", r.config().name());
                    },
                    "reverl-pool-close");
            closer.setDaemon(true);
            closer.start();
            changes.add(
                    "removed pool " + r.config().name() + " (closes when its requests are done, within " + grace + ")");
        }
    }

    private void close(Running r) {
        if (metrics != null) {
            metrics.unfollow(r.lb());
        }
        if (r.discovery() != null) {
            r.discovery().close();
        }
        r.lb().close();
    }

    /** The running pools by name. */
    Map<String, Running> all() {
        return pools;
    }

    /** The default pool: the routing table's, or the first. */
    Running defaultPool() {
        Map<String, Running> p = pools;
        Running r = p.get(defaultPool);
        return r != null ? r : p.values().iterator().next();
    }

    /** Whether some pool has a backend up. */
    boolean anyUp() {
        for (Running r : pools.values()) {
            for (Backend b : r.lb().backends()) {
                if (b.state() == BackendState.UP) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Requests in flight in every pool. */
    int inFlight() {
        int sum = 0;
        for (Running r : pools.values()) {
            sum += inFlight(r.lb());
        }
        return sum;
    }

    private static int inFlight(LoadBalancer lb) {
        int sum = 0;
        for (Backend b : lb.backends()) {
            sum += b.inFlight();
        }
        return sum;
    }

    /** Closes every pool: discovery, then the load balancer. */
    @Override
    public void close() {
        for (Running r : pools.values()) {
            try {
                close(r);
            } catch (RuntimeException e) {
                log.warn("closing pool {} failed", r.config().name(), e);
            }
        }
    }
}
