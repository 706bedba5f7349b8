package org.reverl.server;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.reverl.gateway.api.Backend;
import org.reverl.gateway.api.BackendSpec;
import org.reverl.gateway.api.BackendState;
import org.reverl.gateway.api.LoadBalancer;
import org.reverl.gateway.http.HttpProxyConfig;
import org.reverl.gateway.http.HttpProxyServer;
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
 * The running Reverl server: the load balancer with the configured backends, one proxy per listener, configuration
 * reload and save, and graceful shutdown. The admin API and metrics operate on it through {@link ServerControl}.
 *
 * <p>Thread-safe. {@link #reload()} and {@link #saveConfig()} are serialized with each other.
 */
public final class ReverlServer implements ServerControl, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ReverlServer.class);

    /** Reverl's version. */
    public static final String VERSION = "0.1.0";

    private final LoadBalancer lb;
    private final ConfigLoader loader;
    private final Path configFile;
    private final List<HttpProxyServer> proxies = new ArrayList<>();
    private final List<AutoCloseable> extras = new ArrayList<>();
    private volatile ReverlConfig config;
    private volatile boolean closed;
    private volatile InetSocketAddress adminAddress;

    /**
     * A server over {@code lb} (built from {@code config.gateway()}, without backends yet); not started.
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
     * Adds the configured backends and starts one proxy per listener.
     *
     * @throws IllegalStateException if a listener cannot be bound or its TLS material cannot be loaded; whatever was
     *     started is stopped again
     */
    public ReverlServer start() {
        ReverlConfig c = config;
        try {
            // metrics first: they follow ADDED events, so they see every backend
            ServerMetrics metrics = ServerMetrics.create(lb);
            closeWithServer(metrics);
            c.backends().forEach(lb::add);
            for (ReverlConfig.Listener listener : c.listeners()) {
                proxies.add(HttpProxyServer.start(lb, proxyConfig(c, listener, metrics.observer())));
            }
            if (c.admin().enabled()) {
                AdminServer admin = AdminServer.start(
                        AdminSettings.of(c.admin().address(), c.admin().token()).withPrometheus(c.metrics()),
                        this,
                        metrics);
                adminAddress(admin.address());
                closeWithServer(admin);
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        return this;
    }

    private static HttpProxyConfig proxyConfig(
            ReverlConfig c, ReverlConfig.Listener listener, org.reverl.gateway.http.ProxyObserver observer) {
        HttpProxyConfig.Builder b = c.proxy().toBuilder()
                .listen(listener.address())
                .observer(observer)
                .accessLog(c.accessLog())
                .maxAttempts(c.gateway().maxAttempts());
        ReverlConfig.Tls t = listener.tls();
        if (t != null) {
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
            b.tls(tls.withProvider(TlsSettings.Provider.valueOf(t.provider().toUpperCase(java.util.Locale.ROOT))));
        }
        return b.build();
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

    /** Records where the admin API listens (set by whoever starts it). */
    void adminAddress(InetSocketAddress address) {
        this.adminAddress = address;
    }

    /** Whether the listener at {@code index} terminates TLS. */
    public boolean isTls(int index) {
        return config.listeners().get(index).tls() != null;
    }

    @Override
    public LoadBalancer loadBalancer() {
        return lb;
    }

    @Override
    public String version() {
        return VERSION;
    }

    @Override
    public boolean ready() {
        if (closed || proxies.isEmpty()) {
            return false;
        }
        for (Backend b : lb.backends()) {
            if (b.state() == BackendState.UP) {
                return true;
            }
        }
        return false;
    }

    // ---------------------------------------------------------------- reload and save

    @Override
    public synchronized ReloadResult reload() {
        if (configFile == null) {
            return new ReloadResult(
                    false, List.of(), List.of("started without a configuration file: nothing to reload"));
        }
        ReverlConfig next;
        try {
            next = loader.load(configFile);
        } catch (ConfigException e) {
            log.warn(
                    "reload of {} refused, the running configuration is unchanged:\n  {}",
                    configFile,
                    String.join("\n  ", e.errors()));
            return new ReloadResult(false, List.of(), e.errors());
        }
        List<String> changes = applyBackends(next.backends());
        ReverlConfig running = config;
        List<String> restart = new ArrayList<>();
        if (!next.listeners().equals(running.listeners())) {
            restart.add("listeners");
        }
        if (!next.gateway().equals(running.gateway())) {
            restart.add("strategy, health, breaker and retry");
        }
        if (!next.proxy().equals(running.proxy())) {
            restart.add("timeouts and limits");
        }
        if (!next.admin().equals(running.admin()) || next.metrics() != running.metrics()) {
            restart.add("admin and metrics");
        }
        if (!restart.isEmpty()) {
            changes.add("not applied until restart: " + String.join("; ", restart));
        }
        // the running configuration keeps what needs a restart, with the new backends
        config = new ReverlConfig(
                running.listeners(),
                next.backends(),
                running.gateway(),
                running.proxy(),
                running.admin(),
                running.metrics(),
                running.accessLog(),
                next.shutdownTimeout());
        log.info("reloaded {}: {}", configFile, changes.isEmpty() ? "no changes" : String.join("; ", changes));
        return new ReloadResult(true, changes, List.of());
    }

    /**
     * Brings the live backends to {@code wanted} by difference: adds new ones, replaces changed ones (requests in
     * flight on the old one complete), and drains those no longer wanted, removing each once idle.
     */
    private List<String> applyBackends(List<BackendSpec> wanted) {
        List<String> changes = new ArrayList<>();
        Map<String, BackendSpec> want = new LinkedHashMap<>();
        wanted.forEach(s -> want.put(s.id(), s));
        for (Backend live : lb.backends()) {
            BackendSpec next = want.get(live.id());
            if (next == null) {
                if (live.state() != BackendState.DRAINING) {
                    String id = live.id();
                    lb.drain(id).thenRun(() -> {
                        if (lb.remove(id)) {
                            log.info("backend {} drained and removed", id);
                        }
                    });
                    changes.add("draining backend " + id + ", removed once idle");
                }
            } else if (!next.equals(live.spec())) {
                lb.remove(live.id());
                lb.add(next);
                changes.add(
                        "replaced backend " + live.id() + " (" + describe(live.spec()) + " -> " + describe(next) + ")");
            }
        }
        for (BackendSpec spec : wanted) {
            if (lb.backend(spec.id()).isEmpty()) {
                lb.add(spec);
                changes.add("added backend " + spec.id() + " (" + describe(spec) + ")");
            }
        }
        return changes;
    }

    private static String describe(BackendSpec s) {
        return s.address() + ", weight " + s.weight();
    }

    /**
     * Writes the live backends into the configuration file in place of its {@code backends} section, leaving the other
     * sections as they are (comments are not kept). Atomic: a reader sees the old file or the new one.
     */
    @Override
    public synchronized Path saveConfig() throws IOException {
        if (configFile == null) {
            throw new IllegalStateException("started without a configuration file: nothing to save to");
        }
        YAMLMapper mapper = new YAMLMapper();
        JsonNode tree = mapper.readTree(configFile.toFile());
        if (!(tree instanceof ObjectNode)) {
            throw new IOException(configFile + ": not a YAML mapping any more");
        }
        ArrayNode backends = mapper.createArrayNode();
        for (Backend b : lb.backends()) {
            if (b.state() == BackendState.DRAINING) {
                continue; // on its way out
            }
            ObjectNode n = backends.addObject();
            n.put("id", b.id());
            n.put("address", hostPort(b.address()));
            if (b.weight() != BackendSpec.DEFAULT_WEIGHT) {
                n.put("weight", b.weight());
            }
        }
        ((ObjectNode) tree).set("backends", backends);
        Path tmp = configFile.resolveSibling(configFile.getFileName() + ".tmp");
        mapper.writeValue(tmp.toFile(), tree);
        Files.move(tmp, configFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        log.info("saved {} backends to {}", backends.size(), configFile);
        return configFile;
    }

    /** {@code http://host:port} to {@code host:port}, the form the configuration file uses. */
    static String hostPort(String address) {
        URI uri = URI.create(address);
        return Objects.requireNonNullElse(uri.getRawAuthority(), address);
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
        int sum = 0;
        for (Backend b : lb.backends()) {
            sum += b.inFlight();
        }
        return sum;
    }

    /** Closes at once: proxies, then the extras (admin, demo backends), then the load balancer. Idempotent. */
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
        lb.close();
    }
}
