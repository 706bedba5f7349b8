package org.reverl.server.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.reverl.gateway.api.BackendSpec;
import org.reverl.gateway.core.GatewayConfig;
import org.reverl.gateway.core.ProviderRegistry;
import org.reverl.gateway.http.HttpProxyConfig;
import org.reverl.gateway.http.ProxyPool;
import org.reverl.gateway.http.RetryOn;
import org.reverl.server.admin.AdminSettings;

/**
 * Loads and validates the YAML configuration file. Every error is reported at once, each with its path, the value
 * found and what was expected, e.g. {@code backends[2].address: "localhost:99999" (expected: port 1-65535)}; unknown
 * keys, wrong types and bad values alike. Strategy and probe names and options are checked against the plugins on the
 * class path, so a file that loads also starts.
 *
 * <p>Stateless and thread-safe.
 *
 * <pre>
 * listeners:
 *   - address: 127.0.0.1:8080
 *   - address: 127.0.0.1:8443
 *     tls: { cert: cert.pem, key: key.pem }
 * backends:
 *   - { id: web-1, address: 127.0.0.1:9001, weight: 2 }
 *   - { id: web-2, address: 127.0.0.1:9002 }
 * strategy: { name: round_robin }
 * health: { probe: tcp, interval: 2s, timeout: 1s, rise: 2, fall: 3 }
 * admin: { address: 127.0.0.1:8081 }
 * </pre>
 *
 * <p>Backends may also, or instead, come from a discovery source, whose options sit beside its name:
 * <pre>
 * discovery: { source: dns, name: _http._tcp.web.example }
 * </pre>
 *
 * <p>Several pools take the place of the top-level backends and engine sections, each read by the same section
 * readers under {@code pools.<name>}, and routes send requests to them (see {@link org.reverl.gateway.http.Route}):
 * <pre>
 * pools:
 *   web: { backends: [...], strategy: { name: least_conn } }
 *   api: { backends: [...], timeouts: { response: 5s } }
 * routes:
 *   - { host: api.example.com, pool: api }
 *   - { path: /api, pool: api }
 * defaultPool: web
 * </pre>
 */
public final class ConfigLoader {

    private final ProviderRegistry registry;

    /** A loader that checks plugin names against {@code registry}. */
    public ConfigLoader(ProviderRegistry registry) {
        this.registry = registry;
    }

    /** Loads {@code file}; relative paths inside it (certificates) are resolved against its directory. */
    public ReverlConfig load(Path file) throws ConfigException {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException(file.toString(), List.of("file not found"));
        } catch (IOException e) {
            throw new ConfigException(file.toString(), List.of("cannot be read: " + e.getMessage()));
        }
        Path dir = file.toAbsolutePath().getParent();
        return parse(text, file.toString(), dir);
    }

    /** Parses and validates YAML text; relative paths are resolved against {@code baseDir}. */
    public ReverlConfig parse(String yaml, String source, Path baseDir) throws ConfigException {
        JsonNode root;
        try {
            YAMLMapper mapper = YAMLMapper.builder()
                    .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                    .build();
            root = mapper.readTree(yaml);
        } catch (JsonProcessingException e) {
            throw new ConfigException(
                    source,
                    List.of("not valid YAML: " + e.getOriginalMessage()
                            + (e.getLocation() != null
                                    ? " (line " + e.getLocation().getLineNr() + ")"
                                    : "")));
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            throw new ConfigException(source, List.of("empty (expected: at least listeners and backends)"));
        }
        TreeReader r = new TreeReader();
        if (!root.isObject()) {
            throw new ConfigException(source, List.of(TreeReader.show(root) + " (expected: a mapping at the top)"));
        }
        TreeReader.Obj top = r.root(root);

        List<ReverlConfig.Listener> listeners = listeners(r, top, baseDir);
        HttpProxyConfig proxy = proxy(r, top, baseDir);
        boolean poolsForm = top.has("pools");
        Map<String, ReverlConfig.Pool> pools =
                poolsForm ? pools(r, top, baseDir, proxy) : singlePool(r, top, baseDir, proxy);
        ReverlConfig.Routing routing = RoutingSection.routing(r, top, pools.keySet(), poolsForm);
        ReverlConfig.Admin admin = admin(r, top, baseDir);
        TreeReader.Obj metricsObj = top.obj("metrics");
        boolean metrics = metricsObj.bool("enabled", true);
        metricsObj.rejectUnknownKeys();
        boolean accessLog = top.bool("accessLog", false);
        Duration shutdownTimeout = top.duration("shutdownTimeout", Duration.ofSeconds(10), true);
        top.rejectUnknownKeys();

        if (!r.errors().isEmpty()) {
            throw new ConfigException(source, r.errors());
        }
        return new ReverlConfig(listeners, pools, routing, proxy, admin, metrics, accessLog, shutdownTimeout);
    }

    // ---------------------------------------------------------------- pools and routes

    /** The pool sections, which sit at the top in the single-pool form and in each {@code pools.<name>} otherwise. */
    private static final List<String> POOL_KEYS =
            List.of("backends", "discovery", "strategy", "health", "breaker", "retry", "outlier");

    /** The form without {@code pools:}: the top-level backends and engine settings are the pool {@code default}. */
    private Map<String, ReverlConfig.Pool> singlePool(
            TreeReader r, TreeReader.Obj top, Path baseDir, HttpProxyConfig proxy) {
        ReverlConfig.Discovery discovery = PluginSections.discovery(registry, r, top, baseDir);
        List<BackendSpec> backends = BackendSections.backends(r, top, baseDir, top.has("discovery"));
        GatewayConfig gateway =
                TlsSections.probeWithBackendTls(EngineSections.gateway(registry, r, top, baseDir), proxy.backendTls());
        BackendSections.checkProbeAddresses(registry, r, top, gateway, backends);
        return Map.of(ProxyPool.DEFAULT, ReverlConfig.Pool.of(ProxyPool.DEFAULT, backends, gateway, discovery, proxy));
    }

    /**
     * {@code pools: { <name>: { backends, discovery, strategy, health, breaker, retry, outlier, timeouts } }}: each
     * pool is read by the same section readers as the single-pool form; its {@code timeouts} (connect, response,
     * upstreamIdle) default to the top-level ones.
     */
    private Map<String, ReverlConfig.Pool> pools(
            TreeReader r, TreeReader.Obj top, Path baseDir, HttpProxyConfig proxy) {
        for (String key : POOL_KEYS) {
            if (top.has(key)) {
                r.error(key, "not with pools", "inside a pool, e.g. pools.<name>." + key);
            }
        }
        Map<String, ReverlConfig.Pool> pools = new java.util.LinkedHashMap<>();
        Map<String, TreeReader.Obj> given = top.mappings("pools");
        if (given.isEmpty() && r.errors().stream().noneMatch(e -> e.startsWith("pools"))) {
            r.error("pools", "{}", "at least one pool, e.g. web: { backends: [...] }");
        }
        for (Map.Entry<String, TreeReader.Obj> e : given.entrySet()) {
            TreeReader.Obj p = e.getValue();
            try {
                ProxyPool.checkName(e.getKey());
            } catch (IllegalArgumentException ex) {
                r.error(p.path, '"' + e.getKey() + '"', "a pool name of 1-64 characters of [a-z0-9_-]");
                continue;
            }
            ReverlConfig.Discovery discovery = PluginSections.discovery(registry, r, p, baseDir);
            List<BackendSpec> backends = BackendSections.backends(r, p, baseDir, p.has("discovery"));
            GatewayConfig gateway = TlsSections.probeWithBackendTls(
                    EngineSections.gateway(registry, r, p, baseDir), proxy.backendTls());
            BackendSections.checkProbeAddresses(registry, r, p, gateway, backends);
            TreeReader.Obj t = p.obj("timeouts");
            Duration connect = t.duration("connect", proxy.connectTimeout(), false);
            Duration response = t.duration("response", proxy.responseTimeout(), false);
            Duration upstreamIdle = t.duration("upstreamIdle", proxy.upstreamIdleTimeout(), false);
            t.rejectUnknownKeys();
            RetryOn retryOn = EngineSections.retryOn(r, p.obj("retry"));
            p.rejectUnknownKeys();
            pools.put(
                    e.getKey(),
                    new ReverlConfig.Pool(
                            e.getKey(), backends, gateway, discovery, connect, response, upstreamIdle, retryOn));
        }
        return pools;
    }

    // ---------------------------------------------------------------- sections

    private List<ReverlConfig.Listener> listeners(TreeReader r, TreeReader.Obj top, Path baseDir) {
        List<ReverlConfig.Listener> list = new ArrayList<>();
        if (!top.has("listeners")) {
            r.error("listeners", "missing", "a list of at least one listener, e.g. - address: 127.0.0.1:8080");
        }
        List<TreeReader.Obj> items = top.objects("listeners");
        if (top.has("listeners") && items.isEmpty() && r.errors().stream().noneMatch(e -> e.startsWith("listeners"))) {
            r.error("listeners", "[]", "at least one listener");
        }
        Map<InetSocketAddress, String> seen = new HashMap<>();
        for (TreeReader.Obj l : items) {
            InetSocketAddress address = address(r, l, "address", true);
            ReverlConfig.Tls tls = null;
            if (l.has("tls")) {
                TreeReader.Obj t = l.obj("tls");
                List<ReverlConfig.SniCertificate> sni = TlsSections.sniCertificates(r, t, baseDir);
                tls = TlsSections.withSni(TlsSections.tls(r, t, baseDir), sni);
            }
            l.rejectUnknownKeys();
            if (address != null) {
                String other = seen.putIfAbsent(address, l.at("address"));
                if (other != null) {
                    r.error(
                            l.at("address"),
                            '"' + ConfigValues.format(address) + '"',
                            "an address not used by " + other);
                }
                list.add(new ReverlConfig.Listener(address, tls));
            }
        }
        return list;
    }

    private HttpProxyConfig proxy(TreeReader r, TreeReader.Obj top, Path baseDir) {
        HttpProxyConfig.Builder p = HttpProxyConfig.builder();
        TreeReader.Obj t = top.obj("timeouts");
        p.connectTimeout(t.duration("connect", HttpProxyConfig.DEFAULT_CONNECT_TIMEOUT, false));
        p.responseTimeout(t.duration("response", HttpProxyConfig.DEFAULT_RESPONSE_TIMEOUT, false));
        p.requestHeadTimeout(t.duration("requestHead", HttpProxyConfig.DEFAULT_REQUEST_HEAD_TIMEOUT, false));
        p.idleTimeout(t.duration("idle", HttpProxyConfig.DEFAULT_IDLE_TIMEOUT, false));
        p.bodyTimeout(t.duration("body", HttpProxyConfig.DEFAULT_BODY_TIMEOUT, false));
        p.sendTimeout(t.duration("send", HttpProxyConfig.DEFAULT_SEND_TIMEOUT, false));
        p.upstreamIdleTimeout(t.duration("upstreamIdle", HttpProxyConfig.DEFAULT_UPSTREAM_IDLE_TIMEOUT, false));
        p.tunnelIdleTimeout(t.duration("tunnelIdle", HttpProxyConfig.DEFAULT_TUNNEL_IDLE_TIMEOUT, false));
        t.rejectUnknownKeys();

        TreeReader.Obj l = top.obj("limits");
        p.maxInitialLineLength(
                l.integer("maxRequestLine", HttpProxyConfig.DEFAULT_MAX_INITIAL_LINE_LENGTH, 256, 1 << 20));
        p.maxHeaderSize(l.integer("maxHeaderSize", HttpProxyConfig.DEFAULT_MAX_HEADER_SIZE, 1024, 1 << 20));
        p.maxHeaderCount(l.integer("maxHeaderCount", HttpProxyConfig.DEFAULT_MAX_HEADER_COUNT, 1, 10_000));
        p.bufferedBody((int) l.size(
                "bufferedBody", HttpProxyConfig.DEFAULT_BUFFERED_BODY, 0, HttpProxyConfig.MAX_BUFFERED_BODY, -1));
        p.maxBody(l.size(
                "maxBody",
                HttpProxyConfig.UNLIMITED_BODY,
                0,
                HttpProxyConfig.UNLIMITED_BODY,
                HttpProxyConfig.UNLIMITED_BODY));
        p.maxConnections(l.integer("maxConnections", HttpProxyConfig.DEFAULT_MAX_CONNECTIONS, 1, 10_000_000));
        p.maxBackendConnections(l.integer("maxBackendConnections", 0, 0, 10_000_000));
        l.rejectUnknownKeys();

        p.retryOn(EngineSections.retryOn(r, top.obj("retry")));

        TreeReader.Obj q = top.obj("queue");
        p.queueSize(q.integer("size", HttpProxyConfig.DEFAULT_QUEUE_SIZE, 0, 10_000_000));
        p.queueTimeout(q.duration("timeout", HttpProxyConfig.DEFAULT_QUEUE_TIMEOUT, false));
        q.rejectUnknownKeys();

        String forwarded = top.string("forwarded", "x-forwarded");
        switch (forwarded) {
            case "x-forwarded":
                p.forwarded(HttpProxyConfig.Forwarded.X_FORWARDED);
                break;
            case "rfc7239":
                p.forwarded(HttpProxyConfig.Forwarded.RFC7239);
                break;
            default:
                r.error("forwarded", '"' + forwarded + '"', "one of [x-forwarded, rfc7239]");
        }

        if (top.has("ioThreads")) {
            p.ioThreads(top.integer("ioThreads", 1, 1, 1024));
        }
        List<String> trusted = top.strings("trustedProxies");
        for (int i = 0; i < trusted.size(); i++) {
            if (!trusted.get(i).matches("[0-9A-Fa-f:.]+")) {
                r.error("trustedProxies[" + i + "]", '"' + trusted.get(i) + '"', "an IP address literal");
            }
        }
        try {
            p.trustedProxies(trusted);
        } catch (IllegalArgumentException e) {
            r.error("trustedProxies", e.getMessage());
        }
        TreeReader.Obj h2 = top.obj("http2");
        p.http2(h2.bool("enabled", false));
        p.maxConcurrentStreams(
                h2.integer("maxConcurrentStreams", HttpProxyConfig.DEFAULT_MAX_CONCURRENT_STREAMS, 1, 10_000));
        h2.rejectUnknownKeys();

        if (top.has("backendTls")) {
            p.backendTls(TlsSections.backendTls(r, top.obj("backendTls"), baseDir));
        }
        // the listen address and TLS are set per listener when the server starts
        p.listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        return p.build();
    }

    private ReverlConfig.Admin admin(TreeReader r, TreeReader.Obj top, Path baseDir) {
        TreeReader.Obj a = top.obj("admin");
        boolean enabled = a.bool("enabled", true);
        InetSocketAddress address = null;
        Path unixSocket = null;
        String text = a.string("address", null);
        if (text != null && text.startsWith("unix:")) {
            String file = text.substring("unix:".length());
            if (file.isBlank()) {
                r.error(a.at("address"), '"' + text + '"', "unix:<path of the socket file>");
            } else {
                unixSocket = baseDir == null ? Path.of(file) : baseDir.resolve(file);
                Path dir = unixSocket.toAbsolutePath().getParent();
                if (dir == null || !Files.isDirectory(dir)) {
                    r.error(a.at("address"), '"' + text + '"', "a socket path in an existing directory");
                }
            }
        } else if (text != null) {
            address = address(r, a, "address", true);
        } else {
            address = new InetSocketAddress(InetAddress.getLoopbackAddress(), 8081);
        }
        String token = a.string("token", null);
        List<String> hosts = new ArrayList<>();
        List<String> given = a.strings("hosts");
        for (int i = 0; i < given.size(); i++) {
            try {
                hosts.add(AdminSettings.checkHost(given.get(i)));
            } catch (IllegalArgumentException e) {
                r.error(
                        a.at("hosts") + "[" + i + "]",
                        '"' + given.get(i) + '"',
                        "a DNS name or an IP literal, without" + " a port");
            }
        }
        ReverlConfig.Tls tls = a.has("tls") ? TlsSections.tls(r, a.obj("tls"), baseDir) : null;
        TreeReader.Obj t = a.obj("timeouts");
        Duration requestTimeout = t.duration("request", AdminSettings.DEFAULT_REQUEST_TIMEOUT, false);
        Duration idleTimeout = t.duration("idle", AdminSettings.DEFAULT_IDLE_TIMEOUT, false);
        t.rejectUnknownKeys();
        a.rejectUnknownKeys();
        if (token != null) {
            try {
                AdminSettings.checkToken(token);
            } catch (IllegalArgumentException e) {
                r.error(a.at("token"), e.getMessage().replaceFirst("^admin token: ", ""));
            }
        }
        if (enabled && address != null && !address.getAddress().isLoopbackAddress() && token == null) {
            r.error(
                    a.at("token"),
                    "missing",
                    "a token when admin.address is not loopback (" + ConfigValues.format(address) + ")");
        }
        if (address == null && unixSocket == null) {
            address = new InetSocketAddress(InetAddress.getLoopbackAddress(), 8081); // reported above
        }
        return new ReverlConfig.Admin(enabled, address, unixSocket, token, hosts, tls, requestTimeout, idleTimeout);
    }

    /** The plugins this loader checks names against. */
    public ProviderRegistry registry() {
        return registry;
    }

    // ---------------------------------------------------------------- values

    /** {@code host:port}; {@code port 0} only for listeners (any free port). */
    private InetSocketAddress address(TreeReader r, TreeReader.Obj o, String key, boolean listener) {
        String text = o.requiredString(key, "host:port");
        if (text == null) {
            return null;
        }
        ConfigValues.HostPort hp = ConfigValues.hostPort(text);
        if (hp == null) {
            r.error(o.at(key), '"' + text + '"', "host:port");
            return null;
        }
        int min = listener ? 0 : 1;
        if (hp.port() < min || hp.port() > 65535) {
            r.error(o.at(key), '"' + text + '"', "port " + min + "-65535");
            return null;
        }
        String host = hp.host();
        int port = hp.port();
        return listener ? new InetSocketAddress(host, port) : InetSocketAddress.createUnresolved(host, port);
    }
}
