package org.reverl.server;

import static java.util.Objects.requireNonNull;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.reverl.gateway.api.LoadBalancer;
import org.reverl.gateway.core.DiscoveryFollower;
import org.reverl.gateway.core.DiscoveryStatus;
import org.reverl.gateway.http.HttpProxyConfig;
import org.reverl.gateway.http.Router;
import org.reverl.server.admin.AdminServer;
import org.reverl.server.admin.AdminSettings;
import org.reverl.server.config.ConfigException;
import org.reverl.server.config.ConfigLoader;
import org.reverl.server.config.ReverlConfig;
import org.reverl.server.metrics.ServerMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running Reverl server: its pools (a load balancer each, with the configured backends), the router that sends
 * each request to a pool, one proxy per listener, configuration reload and save, and graceful shutdown. The admin API and metrics operate on it through {@link ServerControl}.
 *
 * <p>Thread-safe. {@link #reload()} and {@link #saveConfig()} are serialized with each other.
 */
public final class ReverlServer implements ServerControl, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ReverlServer.class);

    /** Reverl's version. */
    public static final String VERSION = "0.1.0";

    /** The default pool's load balancer, as given; the pools own it once started. */
    private final LoadBalancer lb;

    private volatile ServerPools pools;
    private final ConfigLoader loader;
    private final Path configFile;
    /** The listeners, in configuration order; changed by reload. */
    private final ServerListeners listeners = new ServerListeners();
    /** The meters, kept only when the admin port can serve them; {@code null} otherwise. */
    private volatile ServerMetrics metrics;

    private final List<AutoCloseable> extras = new ArrayList<>();
    private volatile ReverlConfig config;
    private volatile boolean closed;
    private volatile InetSocketAddress adminAddress;
    private volatile Path adminSocket;

    /** The membership source of the configuration file's backends: a reload manages those, and only those. */
    public static final String CONFIG_SOURCE = "config";

    /**
     * A server over {@code lb} (built from {@code config.gateway()}, the default pool's engine settings, without
     * backends yet) for the default pool, and load balancers of its own for the other pools; not started.
     *
     * @param configFile the file the configuration came from, or {@code null}: then reload and save are refused
     */
    public ReverlServer(ReverlConfig config, Path configFile, LoadBalancer lb, ConfigLoader loader) {
        this.config = requireNonNull(config, "config");
        this.configFile = configFile;
        this.lb = requireNonNull(lb, "lb");
        this.loader = requireNonNull(loader, "loader");
    }

    /**
     * Starts the pools with their configured backends, and one proxy per listener.
     *
     * @throws IllegalStateException if a listener cannot be bound or its TLS material cannot be loaded; whatever was
     *     started is stopped again
     */
    public ReverlServer start() {
        ReverlConfig c = config;
        try {
            // metrics first: they follow ADDED events, so they see every backend. They are kept only where they can
            // be read: on the admin port (its /metrics, status page and API), which only a restart turns on
            ServerMetrics metrics = null;
            if (c.admin().enabled()) {
                metrics = ServerMetrics.create(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
                this.metrics = metrics;
                closeWithServer(metrics);
                listeners.observe(metrics.observer());
            }
            ServerPools started = new ServerPools(loader.registry(), metrics);
            pools = started;
            started.start(c, lb);
            Router router = started.router(c.routing());
            listeners.start(c, router);
            if (c.admin().enabled()) {
                AdminServer admin = AdminServer.start(adminSettings(c), this, metrics);
                adminAddress(admin.address());
                adminSocket = admin.socketFile();
                closeWithServer(admin);
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        return this;
    }

    /** The meters of this server, or {@code null} when it has no admin port to serve them. */
    ServerMetrics metrics() {
        return metrics;
    }

    /** The admin port's settings from the configuration. */
    static AdminSettings adminSettings(ReverlConfig c) {
        ReverlConfig.Admin a = c.admin();
        AdminSettings s = a.unixSocket() != null
                ? AdminSettings.unix(a.unixSocket(), a.token())
                : AdminSettings.of(a.address(), a.token());
        return s.withPrometheus(c.metrics())
                .withHosts(a.hosts())
                .withTls(a.tls() == null ? null : ServerListeners.tlsSettings(a.tls()))
                .withTimeouts(a.requestTimeout(), a.idleTimeout());
    }

    /** Keeps {@code resource} to close with the server (admin API, demo backends), after the proxies. */
    public synchronized void closeWithServer(AutoCloseable resource) {
        extras.add(requireNonNull(resource, "resource"));
    }

    /** The configuration running now. */
    public ReverlConfig config() {
        return config;
    }

    /** The bound addresses of the listeners, in configuration order (real ports when 0 was configured). */
    public List<InetSocketAddress> listenAddresses() {
        return listeners.addresses();
    }

    /** Where the admin API listens, once started; empty when it is off. */
    public java.util.Optional<InetSocketAddress> adminAddress() {
        return java.util.Optional.ofNullable(adminAddress);
    }

    /** The admin API's Unix socket, when it listens on one. */
    public java.util.Optional<Path> adminSocket() {
        return java.util.Optional.ofNullable(adminSocket);
    }

    /** Records where the admin API listens (set by whoever starts it). */
    void adminAddress(InetSocketAddress address) {
        this.adminAddress = address;
    }

    /** Whether the listener at {@code index} terminates TLS. */
    public boolean isTls(int index) {
        return listeners.isTls(index);
    }

    /** The default pool's load balancer: the routing table's default pool, or the first pool. */
    @Override
    public LoadBalancer loadBalancer() {
        ServerPools p = pools;
        return p == null ? lb : p.defaultPool().lb();
    }

    @Override
    public Map<String, LoadBalancer> pools() {
        ServerPools p = pools;
        if (p == null) {
            return Map.of(config.defaultPool().name(), lb);
        }
        Map<String, LoadBalancer> m = new LinkedHashMap<>();
        p.all().forEach((name, r) -> m.put(name, r.lb()));
        return m;
    }

    @Override
    public String defaultPoolName() {
        ServerPools p = pools;
        return p == null
                ? config.defaultPool().name()
                : p.defaultPool().config().name();
    }

    @Override
    public java.util.Optional<DiscoveryStatus> discovery(String pool) {
        ServerPools p = pools;
        ServerPools.Running r = p == null ? null : p.all().get(pool);
        DiscoveryFollower f = r == null ? null : r.discovery();
        return f == null ? java.util.Optional.empty() : java.util.Optional.of(f.status());
    }

    @Override
    public String version() {
        return VERSION;
    }

    @Override
    public boolean ready() {
        ServerPools p = pools;
        return !closed && listeners.any() && p != null && p.anyUp();
    }

    // ---------------------------------------------------------------- reload and save

    /**
     * Reloads the configuration file. Everything that can change while running is applied, in this order, and a file
     * with errors changes nothing:
     * <ol>
     *   <li>the pools: new ones start; in each pool that stays, the engine (strategy and options, health, breaker,
     *       retry), which refuses, before changing anything, a probe that cannot check a member, then the backends, by
     *       difference, through the one membership path (source {@value #CONFIG_SOURCE});
     *   <li>the routes and the pools' backend timeouts, swapped atomically on every listener: each request is routed
     *       by the old table or the new one as a whole;
     *   <li>removed pools drain and close once their requests are done (within {@code shutdownTimeout});
     *   <li>each listener that stays gets the new timeouts, limits, trusted proxies, access log and TLS certificate for
     *       its new connections; new listeners start, removed ones stop accepting and close after {@code
     *       shutdownTimeout}.
     * </ol>
     * What needs a restart ({@code ioThreads}, the admin port, metrics) is listed in the answer and keeps running as
     * it was.
     */
    @Override
    public synchronized ReloadResult reload() {
        if (configFile == null) {
            return new ReloadResult(
                    false, List.of(), List.of(), List.of("started without a configuration file: nothing to reload"));
        }
        ReverlConfig next;
        try {
            next = loader.load(configFile);
        } catch (ConfigException e) {
            log.warn(
                    "reload of {} refused, the running configuration is unchanged:\n  {}",
                    configFile,
                    String.join("\n  ", e.errors()));
            return new ReloadResult(false, List.of(), List.of(), e.errors());
        }
        ReverlConfig running = config;
        List<String> changes = new ArrayList<>();
        List<String> restart = new ArrayList<>();
        List<ServerPools.Running> gone;
        try {
            gone = pools.apply(next, changes, restart);
        } catch (IllegalArgumentException e) {
            return new ReloadResult(false, changes, List.of(), List.of(e.getMessage()));
        }
        if (next.proxy().ioThreads() != running.proxy().ioThreads()) {
            restart.add("ioThreads");
        }
        ReverlConfig effective = withRunning(next, running, pools.configs());
        Router router = pools.router(effective.routing());
        changes.addAll(listeners.apply(effective, router));
        if (!next.routing().equals(running.routing())) {
            changes.add("routes applied (" + next.routing().routes().size() + " route(s), "
                    + (next.routing().defaultPool() == null
                            ? "no match: " + next.routing().noMatchStatus()
                            : "default pool " + next.routing().defaultPool())
                    + ")");
        }
        pools.retire(gone, next.shutdownTimeout(), changes);
        if (!next.admin().equals(running.admin())) {
            restart.add("admin");
        }
        if (next.metrics() != running.metrics()) {
            restart.add("metrics");
        }
        config = effective;
        log.info(
                "reloaded {}: {}{}",
                configFile,
                changes.isEmpty() ? "no changes" : String.join("; ", changes),
                restart.isEmpty() ? "" : "; needs a restart: " + String.join(", ", restart));
        return new ReloadResult(true, changes, restart, List.of());
    }

    /** {@code next} with what needs a restart kept as it runs, and the pools as they run. */
    private static ReverlConfig withRunning(
            ReverlConfig next, ReverlConfig running, Map<String, ReverlConfig.Pool> pools) {
        HttpProxyConfig proxy =
                next.proxy().toBuilder().ioThreads(running.proxy().ioThreads()).build();
        return new ReverlConfig(
                next.listeners(),
                pools,
                next.routing(),
                proxy,
                running.admin(),
                running.metrics(),
                next.accessLog(),
                next.shutdownTimeout());
    }

    /** Writes the live backends into the configuration file; see {@link ConfigSaver#save}. */
    @Override
    public synchronized Path saveConfig() throws IOException {
        if (configFile == null) {
            throw new IllegalStateException("started without a configuration file: nothing to save to");
        }
        return ConfigSaver.save(configFile, pools);
    }

    // ---------------------------------------------------------------- shutdown

    /**
     * Graceful shutdown: stops accepting connections, lets requests in flight finish for up to {@code timeout}, then
     * closes everything. Returns how many requests were still in flight when it gave up waiting (0 when all finished).
     */
    public int shutdown(Duration timeout) throws InterruptedException {
        listeners.stopAccepting();
        long deadline = System.nanoTime() + timeout.toNanos();
        int inFlight = inFlight();
        while (inFlight > 0 && System.nanoTime() < deadline) {
            TimeUnit.MILLISECONDS.sleep(20); // a shutdown poll, not a test: nothing to wait on but the counts
            inFlight = inFlight();
        }
        if (inFlight > 0) {
            log.warn("shutdown: {} request(s) still in flight after {}; closing", inFlight, timeout);
        } else {
            log.info("shutdown: no request in flight; closing");
        }
        close();
        return inFlight;
    }

    private int inFlight() {
        ServerPools p = pools;
        return p == null ? 0 : p.inFlight();
    }

    /** Closes at once: proxies, then the extras (admin, demo backends), then the pools. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        listeners.close();
        for (int i = extras.size() - 1; i >= 0; i--) {
            try {
                extras.get(i).close();
            } catch (Exception e) {
                log.warn("closing {} failed", extras.get(i), e);
            }
        }
        ServerPools p = pools;
        if (p != null) {
            p.close();
        }
        lb.close(); // closed with its pool already, unless the server never started
    }
}
