package org.reverl.server;

import static java.util.Objects.requireNonNull;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
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
import org.reverl.gateway.http.HttpProxyServer;
import org.reverl.gateway.http.Router;
import org.reverl.gateway.http.TlsSettings;
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
    /** One per listener, replaced whole (never emptied and filled again), so that readers never see a reload midway. */
    private volatile List<HttpProxyServer> proxies = List.of();

    private org.reverl.gateway.http.ProxyObserver observer = org.reverl.gateway.http.ProxyObserver.NOOP;
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
                observer = metrics.observer();
            }
            ServerPools started = new ServerPools(loader.registry(), metrics);
            pools = started;
            started.start(c, lb);
            Router router = started.router(c.routing());
            for (ReverlConfig.Listener listener : c.listeners()) {
                List<HttpProxyServer> more = new ArrayList<>(proxies);
                more.add(HttpProxyServer.start(router, proxyConfig(c, listener, observer)));
                proxies = List.copyOf(more);
            }
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
                .withTls(a.tls() == null ? null : tlsSettings(a.tls()))
                .withTimeouts(a.requestTimeout(), a.idleTimeout());
    }

    private static HttpProxyConfig proxyConfig(
            ReverlConfig c, ReverlConfig.Listener listener, org.reverl.gateway.http.ProxyObserver observer) {
        return proxyConfig(c, listener, observer, null);
    }

    /** @param keepTls TLS material to keep (a generated certificate across reloads), or {@code null} to load it */
    private static HttpProxyConfig proxyConfig(
            ReverlConfig c,
            ReverlConfig.Listener listener,
            org.reverl.gateway.http.ProxyObserver observer,
            TlsSettings keepTls) {
        HttpProxyConfig.Builder b = c.proxy().toBuilder()
                .listen(listener.address())
                .observer(observer)
                .accessLog(c.accessLog())
                .maxAttempts(c.gateway().maxAttempts());
        if (listener.tls() != null) {
            b.tls(keepTls != null ? keepTls : tlsSettings(listener.tls()));
        }
        return b.build();
    }

    /** The certificate source of a listener or of the admin port. */
    static TlsSettings tlsSettings(ReverlConfig.Tls t) {
        TlsSettings tls;
        if (t.p12() != null) {
            tls = TlsSettings.pkcs12(t.p12(), t.p12Password().toCharArray());
        } else if (t.selfSigned()) {
            try {
                SelfSignedCertificates.Generated g = SelfSignedCertificates.generate("localhost");
                Path pem = Files.createTempFile("reverl-self-signed-", ".pem");
                g.writeCertificatePem(pem);
                log.info("self-signed certificate for localhost and 127.0.0.1 written to {}", pem);
                tls = TlsSettings.of(g.key(), g.certificate());
            } catch (java.security.GeneralSecurityException | IOException e) {
                throw new IllegalStateException("tls: cannot generate a self-signed certificate: " + e, e);
            }
        } else {
            tls = TlsSettings.pem(t.cert(), t.key());
        }
        for (ReverlConfig.SniCertificate c : t.sni()) {
            TlsSettings one = c.p12() != null
                    ? TlsSettings.pkcs12(c.p12(), c.p12Password().toCharArray())
                    : TlsSettings.pem(c.cert(), c.key());
            for (String name : c.names()) {
                tls = tls.withSniCertificate(name, one);
            }
        }
        return tls.withProvider(TlsSettings.Provider.valueOf(t.provider().toUpperCase(java.util.Locale.ROOT)));
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
        List<InetSocketAddress> list = new ArrayList<>();
        for (HttpProxyServer p : proxies) {
            list.add(p.localAddress());
        }
        return list;
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
        return proxies.get(index).config().isTls();
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
        return !closed && !proxies.isEmpty() && p != null && p.anyUp();
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
        changes.addAll(applyListeners(effective, router));
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

    /**
     * Brings the listeners to {@code next}'s: the same address is reconfigured in place (new connections get the new
     * settings) and routed by {@code router} from its next request, a new address starts, an address no longer listed
     * stops accepting and closes after the shutdown timeout.
     */
    private List<String> applyListeners(ReverlConfig next, Router router) {
        List<String> changes = new ArrayList<>();
        Map<InetSocketAddress, HttpProxyServer> running = new LinkedHashMap<>();
        for (HttpProxyServer p : proxies) {
            running.put(p.config().listen(), p);
        }
        // a listener started on port 0 is also found by the port it got
        Map<InetSocketAddress, InetSocketAddress> bound = new LinkedHashMap<>();
        for (HttpProxyServer p : proxies) {
            bound.put(p.localAddress(), p.config().listen());
        }
        List<HttpProxyServer> ordered = new ArrayList<>();
        for (ReverlConfig.Listener listener : next.listeners()) {
            InetSocketAddress key = running.containsKey(listener.address())
                    ? listener.address()
                    : bound.getOrDefault(listener.address(), listener.address());
            HttpProxyServer p = running.remove(key);
            // a generated certificate stays what it was: clients may have been told to trust it
            TlsSettings keep = p != null
                            && listener.tls() != null
                            && listener.tls().selfSigned()
                            && p.config().tls() != null
                    ? p.config().tls()
                    : null;
            HttpProxyConfig pc;
            try {
                pc = proxyConfig(next, listener, observer, keep).toBuilder()
                        .listen(key)
                        .build();
            } catch (RuntimeException e) {
                changes.add("listener " + format(listener.address()) + " kept as it was: " + e.getMessage());
                if (p != null) {
                    p.route(router);
                    ordered.add(p);
                }
                continue;
            }
            if (p == null) {
                try {
                    ordered.add(HttpProxyServer.start(router, pc));
                    changes.add("started listener " + format(listener.address()));
                } catch (Exception e) { // Netty rethrows a failed bind's IOException unchecked
                    changes.add("listener " + format(listener.address()) + " not started: " + e.getMessage());
                }
            } else {
                // certificate files may have been replaced on disk: read again (backend TLS contexts are kept when
                // neither their settings nor their files changed)
                if (!pc.equals(p.config()) || listener.tls() != null || readsTlsFiles(next)) {
                    try {
                        p.reconfigure(pc);
                        changes.add("listener " + format(listener.address()) + ": new settings for new connections");
                    } catch (RuntimeException e) {
                        changes.add("listener " + format(listener.address()) + " kept as it was: " + e.getMessage());
                    }
                }
                p.route(router);
                ordered.add(p);
            }
        }
        for (HttpProxyServer gone : running.values()) {
            InetSocketAddress where = gone.localAddress();
            gone.stopAccepting();
            Duration grace = next.shutdownTimeout();
            Thread closer = new Thread(
                    () -> {
                        try {
                            TimeUnit.MILLISECONDS.sleep(grace.toMillis()); // the grace period requests in flight get
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        gone.close();
                    },
                    "reverl-listener-close");
            closer.setDaemon(true);
            closer.start();
            changes.add("stopped listener " + format(where) + " (open connections close after " + grace + ")");
        }
        proxies = List.copyOf(ordered);
        return changes;
    }

    private static String format(InetSocketAddress a) {
        return org.reverl.server.config.ConfigValues.format(a);
    }

    /** Whether backends are reached with TLS material read from files: the proxy's or a backend's own. */
    private static boolean readsTlsFiles(ReverlConfig c) {
        return !c.proxy().backendTls().files().isEmpty()
                || c.pools().values().stream()
                        .flatMap(p -> p.backends().stream())
                        .anyMatch(b -> b.tags().containsKey(org.reverl.gateway.http.BackendTlsOptions.CA));
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
        for (HttpProxyServer p : proxies) {
            p.stopAccepting();
        }
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
        for (HttpProxyServer p : proxies) {
            p.close();
        }
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
