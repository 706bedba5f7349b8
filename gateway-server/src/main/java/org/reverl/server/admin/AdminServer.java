package org.reverl.server.admin;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.WeakHashMap;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.reverl.gateway.api.Backend;
import org.reverl.gateway.api.BackendSpec;
import org.reverl.gateway.api.GatewayClosedException;
import org.reverl.gateway.api.LoadBalancer;
import org.reverl.server.ServerControl;
import org.reverl.server.metrics.BackendStats;
import org.reverl.server.metrics.ServerMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin port: a JSON API over a running server, its Prometheus metrics, and a status page.
 *
 * <pre>{@code
 * ServerMetrics metrics = ServerMetrics.create(lb);
 * try (AdminServer admin = AdminServer.start(AdminSettings.defaults(), control, metrics)) {
 *     System.out.println("admin on http://" + admin.address());
 * }
 * }</pre>
 *
 * <h2>Endpoints</h2>
 * <table>
 *   <caption>Admin endpoints</caption>
 *   <tr><td>{@code GET /}</td><td>the status page (no token needed; the page sends the token from its URL fragment
 *       {@code #token=...})</td></tr>
 *   <tr><td>{@code GET /healthz}</td><td>200 while the process runs (no token needed)</td></tr>
 *   <tr><td>{@code GET /readyz}</td><td>200 when {@link ServerControl#ready()}, else 503 (no token needed)</td></tr>
 *   <tr><td>{@code GET /metrics}</td><td>Prometheus text format</td></tr>
 *   <tr><td>{@code GET /backends}</td><td>every backend with state, weights, load, counts and latency</td></tr>
 *   <tr><td>{@code POST /backends}</td><td>add: {@code {"id", "address", "weight", "tags"}}; 201</td></tr>
 *   <tr><td>{@code GET /backends/{id}}</td><td>one backend</td></tr>
 *   <tr><td>{@code DELETE /backends/{id}}</td><td>remove now (in-flight requests finish); with {@code ?drain=true}
 *       drain first and remove once nothing is in flight (202)</td></tr>
 *   <tr><td>{@code POST /backends/{id}/drain}</td><td>202; {@code "drained": true} once nothing is in flight</td></tr>
 *   <tr><td>{@code POST /backends/{id}/maintenance}</td><td>out of rotation until enabled</td></tr>
 *   <tr><td>{@code POST /backends/{id}/enable}</td><td>ends a drain or maintenance</td></tr>
 *   <tr><td>{@code POST /reload}</td><td>{@link ServerControl#reload()}; 422 when the file was refused</td></tr>
 *   <tr><td>{@code POST /config/save}</td><td>{@link ServerControl#saveConfig()}</td></tr>
 * </table>
 *
 * <p>Errors are JSON, {@code {"error": "...", "field": ..., "value": ..., "expected": ...}}: 400 bad input, 401
 * missing or wrong token (with {@code WWW-Authenticate: Bearer}), 403 a cross-site request or (on loopback) a foreign
 * {@code Host}, 404 unknown path or id, 405 wrong method (with {@code Allow}), 409 a conflict (duplicate id), 413 a
 * body over {@link AdminSettings#maxBodyBytes()}, 415 a body that is not {@code application/json}.
 *
 * <p>Served by the JDK's HTTP server on two threads of its own; it never forwards anything to a backend.
 *
 * <p>Thread-safe. {@link #close()} stops listening and returns once the threads are stopped.
 */
public final class AdminServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AdminServer.class);

    private static final String JSON = "application/json; charset=utf-8";
    private static final List<String> PATHS = List.of(
            "/",
            "/healthz",
            "/readyz",
            "/metrics",
            "/backends",
            "/backends/{id}",
            "/backends/{id}/drain",
            "/backends/{id}/maintenance",
            "/backends/{id}/enable",
            "/reload",
            "/config/save");

    private final AdminSettings settings;
    private final ServerControl control;
    private final ServerMetrics metrics;
    private final HttpServer server;
    private final ExecutorService executor;
    private final ObjectReader reader;
    private final ObjectWriter writer;
    private final ObjectMapper mapper;
    private final byte[] tokenDigest;
    private final StatusPage page = StatusPage.load();
    /** Drains asked through this API, by backend object, so a listing can say whether one finished. */
    private final Map<Backend, CompletionStage<Void>> drains = Collections.synchronizedMap(new WeakHashMap<>());

    private AdminServer(
            AdminSettings settings,
            ServerControl control,
            ServerMetrics metrics,
            HttpServer server,
            ExecutorService ex) {
        this.settings = settings;
        this.control = control;
        this.metrics = metrics;
        this.server = server;
        this.executor = ex;
        this.mapper = JsonMapper.builder()
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .build();
        this.reader = mapper.reader();
        this.writer = mapper.writerWithDefaultPrettyPrinter();
        this.tokenDigest = settings.token() == null ? null : sha256(settings.token());
    }

    /**
     * Starts listening.
     *
     * @throws IllegalStateException if the address cannot be bound
     */
    public static AdminServer start(AdminSettings settings, ServerControl control, ServerMetrics metrics) {
        requireNonNull(settings, "settings");
        requireNonNull(control, "control");
        requireNonNull(metrics, "metrics");
        HttpServer http;
        try {
            http = HttpServer.create(settings.listen(), 64);
        } catch (IOException e) {
            throw new IllegalStateException(
                    "admin: cannot listen on " + AdminSettings.hostPort(settings.listen()) + ": " + e.getMessage(), e);
        }
        AtomicInteger n = new AtomicInteger();
        ExecutorService ex = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "reverl-admin-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        AdminServer admin = new AdminServer(settings, control, metrics, http, ex);
        http.setExecutor(ex);
        http.createContext("/", admin::handle);
        http.start();
        log.info(
                "admin API and status page on http://{}/{}",
                AdminSettings.hostPort(admin.address()),
                settings.requiresToken() ? " (bearer token required)" : "");
        return admin;
    }

    /** The bound address; its port is the real one when port 0 was configured. */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    /** Stops listening, at once; requests being answered are cut. Idempotent. */
    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---------------------------------------------------------------- HTTP

    /** A response: status, content type, body and extra headers. */
    private record Reply(int status, String contentType, byte[] body, Map<String, String> headers) {
        Reply(int status, String contentType, byte[] body) {
            this(status, contentType, body, Map.of());
        }
    }

    private void handle(HttpExchange ex) throws IOException {
        Reply reply;
        try {
            reply = route(ex);
        } catch (ApiError e) {
            reply = error(e);
        } catch (NoSuchElementException e) {
            reply = error(new ApiError(404, e.getMessage()));
        } catch (GatewayClosedException e) {
            reply = error(new ApiError(503, "stopping: " + e.getMessage()));
        } catch (RuntimeException e) {
            log.warn(
                    "admin: {} {} failed",
                    ex.getRequestMethod(),
                    ex.getRequestURI().getRawPath(),
                    e);
            reply = error(new ApiError(500, "internal error: " + e));
        }
        try {
            Headers h = ex.getResponseHeaders();
            h.set("Content-Type", reply.contentType());
            h.set("Cache-Control", "no-store");
            h.set("X-Content-Type-Options", "nosniff");
            h.set("Referrer-Policy", "no-referrer");
            h.set(
                    "Content-Security-Policy",
                    "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action"
                            + " 'none'");
            reply.headers().forEach(h::set);
            boolean head = "HEAD".equals(ex.getRequestMethod());
            ex.sendResponseHeaders(reply.status(), head ? -1 : reply.body().length == 0 ? -1 : reply.body().length);
            if (!head && reply.body().length > 0) {
                try (OutputStream out = ex.getResponseBody()) {
                    out.write(reply.body());
                }
            }
        } finally {
            ex.close();
        }
    }

    private Reply route(HttpExchange ex) throws IOException {
        String method = ex.getRequestMethod().toUpperCase(Locale.ROOT);
        String path = ex.getRequestURI().getRawPath();
        if (path == null || path.isEmpty()) {
            path = "/";
        }
        if (path.length() > 1 && path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        checkHost(ex);
        String[] seg = path.substring(1).split("/", -1);

        // public: the status page (it holds no data) and the probes
        switch (path) {
            case "/":
            case "/status":
                allow(method, "GET");
                return new Reply(200, "text/html; charset=utf-8", page.html());
            case "/status.js":
                allow(method, "GET");
                return new Reply(200, "text/javascript; charset=utf-8", page.script());
            case "/status.css":
                allow(method, "GET");
                return new Reply(200, "text/css; charset=utf-8", page.style());
            case "/healthz":
                allow(method, "GET");
                return json(200, obj().put("status", "alive"));
            case "/readyz": {
                allow(method, "GET");
                boolean ready = control.ready();
                return json(ready ? 200 : 503, obj().put("ready", ready));
            }
            default:
                break;
        }

        authenticate(ex);
        if (method.equals("POST") || method.equals("DELETE")) {
            checkOrigin(ex);
        }
        if (path.equals("/metrics") && settings.prometheus()) {
            allow(method, "GET");
            return new Reply(
                    200,
                    "text/plain; version=0.0.4; charset=utf-8",
                    metrics.scrape().getBytes(StandardCharsets.UTF_8));
        }
        if (path.equals("/reload")) {
            allow(method, "POST");
            return reload(ex);
        }
        if (path.equals("/config/save")) {
            allow(method, "POST");
            return save(ex);
        }
        if (seg[0].equals("backends")) {
            if (seg.length == 1) {
                allow(method, "GET", "POST");
                return method.equals("GET") ? list() : add(ex);
            }
            String id = seg[1];
            if (seg.length == 2) {
                allow(method, "GET", "DELETE");
                return method.equals("GET") ? json(200, backendJson(find(id))) : delete(ex, id);
            }
            if (seg.length == 3) {
                switch (seg[2]) {
                    case "drain":
                        allow(method, "POST");
                        return drain(ex, id);
                    case "maintenance":
                        allow(method, "POST");
                        find(id);
                        audit(ex, "maintenance " + id);
                        control.loadBalancer().maintenance(id);
                        return json(200, backendJson(find(id)));
                    case "enable":
                        allow(method, "POST");
                        find(id);
                        audit(ex, "enable " + id);
                        control.loadBalancer().enable(id);
                        return json(200, backendJson(find(id)));
                    default:
                        break;
                }
            }
        }
        throw new ApiError(404, "no such endpoint: " + ApiError.abbreviate(path) + " (expected: one of " + PATHS + ")");
    }

    private Reply error(ApiError e) {
        ObjectNode n = obj().put("error", e.getMessage());
        if (e.field != null) {
            n.put("field", e.field);
        }
        if (e.value != null) {
            n.set("value", e.value);
        }
        if (e.expected != null) {
            n.put("expected", e.expected);
        }
        Map<String, String> headers = Map.of();
        if (e.status == 401) {
            headers = Map.of(
                    "WWW-Authenticate",
                    e.getMessage().startsWith("wrong")
                            ? "Bearer realm=\"reverl-admin\", error=\"invalid_token\""
                            : "Bearer realm=\"reverl-admin\"");
        } else if (e.status == 405 && e.expected != null) {
            headers = Map.of("Allow", e.expected);
        } else if (e.status == 413) {
            headers = Map.of("Connection", "close");
        }
        return new Reply(e.status, JSON, bytes(n), headers);
    }

    private static void allow(String method, String... allowed) {
        for (String a : allowed) {
            if (a.equals(method) || (a.equals("GET") && method.equals("HEAD"))) {
                return;
            }
        }
        String list = String.join(", ", allowed);
        throw new ApiError(
                405, "method: " + ApiError.abbreviate(method) + " (expected: " + list + ")", null, null, list);
    }

    /** With no token configured, everyone who reaches the port is allowed: it is on loopback. */
    private void authenticate(HttpExchange ex) {
        if (tokenDigest == null) {
            return;
        }
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        if (auth == null || !auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw new ApiError(401, "missing bearer token (expected: Authorization: Bearer <token>)");
        }
        // digests of equal length, compared in constant time: neither the token nor its length leaks through timing
        if (!MessageDigest.isEqual(tokenDigest, sha256(auth.substring(7).trim()))) {
            throw new ApiError(401, "wrong bearer token");
        }
    }

    /**
     * On loopback, only loopback host names are served: a web page cannot make a browser talk to the API through a
     * DNS name re-bound to 127.0.0.1.
     */
    private void checkHost(HttpExchange ex) {
        if (!AdminSettings.isLoopback(settings.listen())) {
            return;
        }
        String host = ex.getRequestHeaders().getFirst("Host");
        if (host == null) {
            return; // HTTP/1.0 without Host: no browser sends that
        }
        String name = host;
        if (name.startsWith("[")) {
            int end = name.indexOf(']');
            name = end > 0 ? name.substring(1, end) : name;
        } else if (name.indexOf(':') >= 0) {
            name = name.substring(0, name.indexOf(':'));
        }
        name = name.toLowerCase(Locale.ROOT);
        if (!(name.equals("localhost") || name.startsWith("127.") || name.equals("::1"))) {
            throw new ApiError(
                    403,
                    "Host: " + ApiError.abbreviate(host) + " (expected: localhost or a loopback address, e.g. "
                            + AdminSettings.hostPort(address()) + ")");
        }
    }

    /** A browser sends {@code Origin} with a cross-site POST: refused, so no web page can change anything here. */
    private static void checkOrigin(HttpExchange ex) {
        String origin = ex.getRequestHeaders().getFirst("Origin");
        String host = ex.getRequestHeaders().getFirst("Host");
        if (origin != null && !(origin.equals("http://" + host) || origin.equals("https://" + host))) {
            throw new ApiError(
                    403,
                    "Origin: " + ApiError.abbreviate(origin) + " (expected: none, or this API's own, http://" + host
                            + ")");
        }
    }

    private byte[] readBody(HttpExchange ex, boolean json) throws IOException {
        String length = ex.getRequestHeaders().getFirst("Content-Length");
        int max = settings.maxBodyBytes();
        if (length != null) {
            long n;
            try {
                n = Long.parseLong(length.trim());
            } catch (NumberFormatException e) {
                throw new ApiError(400, "Content-Length: " + ApiError.abbreviate(length) + " (expected: a number)");
            }
            if (n > max) {
                throw new ApiError(413, "body: " + n + " bytes (expected: at most " + max + ")");
            }
        }
        byte[] body;
        try (InputStream in = ex.getRequestBody()) {
            body = in.readNBytes(max + 1);
        }
        if (body.length > max) {
            throw new ApiError(413, "body: more than " + max + " bytes (expected: at most " + max + ")");
        }
        if (json && body.length > 0) {
            String type = ex.getRequestHeaders().getFirst("Content-Type");
            if (type == null || !type.toLowerCase(Locale.ROOT).trim().startsWith("application/json")) {
                throw new ApiError(
                        415,
                        "Content-Type: " + (type == null ? "none" : ApiError.abbreviate(type))
                                + " (expected: application/json)");
            }
        }
        return body;
    }

    // ---------------------------------------------------------------- endpoints

    private Reply list() {
        ArrayNode arr = mapper.createArrayNode();
        for (Backend b : control.loadBalancer().backends()) {
            arr.add(backendJson(b));
        }
        ObjectNode n = obj();
        n.put("version", control.version());
        n.put("ready", control.ready());
        n.set("backends", arr);
        return json(200, n);
    }

    private Reply add(HttpExchange ex) throws IOException {
        BackendSpec spec = BackendInput.parse(reader, readBody(ex, true));
        LoadBalancer lb = control.loadBalancer();
        if (lb.backend(spec.id()).isPresent()) {
            throw new ApiError(
                    409,
                    "backend '" + spec.id() + "': already a member (expected: a new id; members: " + ids(lb) + ")",
                    "id",
                    mapper.getNodeFactory().textNode(spec.id()),
                    "a new id");
        }
        audit(ex, "add " + spec.id() + " at " + spec.address() + ", weight " + spec.weight());
        Backend b;
        try {
            b = lb.add(spec);
        } catch (IllegalArgumentException e) {
            throw new ApiError(409, e.getMessage(), "id", null, "a new id");
        }
        return new Reply(201, JSON, bytes(backendJson(b)), Map.of("Location", "/backends/" + spec.id()));
    }

    private Reply drain(HttpExchange ex, String id) throws IOException {
        readBody(ex, false);
        find(id);
        audit(ex, "drain " + id);
        LoadBalancer lb = control.loadBalancer();
        CompletionStage<Void> stage = lb.drain(id);
        Backend b = find(id);
        drains.put(b, stage);
        return json(202, backendJson(b));
    }

    private Reply delete(HttpExchange ex, String id) {
        LoadBalancer lb = control.loadBalancer();
        Backend b = find(id);
        String drain = query(ex, "drain");
        if (drain != null && !drain.equals("true") && !drain.equals("false")) {
            throw ApiError.field("drain", mapper.getNodeFactory().textNode(drain), "true or false");
        }
        if ("true".equals(drain)) {
            audit(ex, "drain and remove " + id);
            CompletionStage<Void> stage = lb.drain(id);
            drains.put(b, stage);
            stage.thenRun(() -> {
                // only the backend that was drained: not a new one that took its id meanwhile
                if (lb.backend(id).filter(x -> x == b).isPresent()) {
                    lb.remove(id);
                }
            });
            ObjectNode n = obj();
            n.put("removal", "after drain");
            n.set("backend", backendJson(b));
            return json(202, n);
        }
        audit(ex, "remove " + id);
        lb.remove(id);
        ObjectNode n = obj();
        n.put("removed", id);
        n.set("backend", backendJson(b));
        return json(200, n);
    }

    private Reply reload(HttpExchange ex) throws IOException {
        readBody(ex, false);
        audit(ex, "reload");
        ServerControl.ReloadResult r;
        try {
            r = control.reload();
        } catch (IllegalStateException e) {
            throw new ApiError(409, "reload: " + e.getMessage());
        }
        ObjectNode n = obj();
        n.put("applied", r.applied());
        n.set("changes", mapper.valueToTree(r.changes()));
        n.set("errors", mapper.valueToTree(r.errors()));
        if (!r.applied()) {
            n.put(
                    "error",
                    "reload refused, the running configuration is unchanged: "
                            + (r.errors().isEmpty() ? "no reason given" : String.join("; ", r.errors())));
            return json(422, n);
        }
        return json(200, n);
    }

    private Reply save(HttpExchange ex) throws IOException {
        readBody(ex, false);
        audit(ex, "save configuration");
        Path p;
        try {
            p = control.saveConfig();
        } catch (IllegalStateException e) {
            throw new ApiError(409, "save: " + e.getMessage());
        } catch (IOException | UncheckedIOException e) {
            throw new ApiError(500, "save: " + e.getMessage());
        }
        return json(200, obj().put("saved", p.toString()));
    }

    // ---------------------------------------------------------------- JSON

    private Backend find(String id) {
        LoadBalancer lb = control.loadBalancer();
        Optional<Backend> b = lb.backend(id);
        if (b.isEmpty()) {
            throw new ApiError(
                    404,
                    "backend '" + ApiError.abbreviate(id) + "': no such backend (expected: one of " + ids(lb) + ")",
                    "id",
                    mapper.getNodeFactory().textNode(id),
                    "one of " + ids(lb));
        }
        return b.get();
    }

    private static List<String> ids(LoadBalancer lb) {
        List<String> ids = new ArrayList<>();
        for (Backend b : lb.backends()) {
            ids.add(b.id());
        }
        return ids;
    }

    private ObjectNode backendJson(Backend b) {
        BackendStats s = metrics.stats(b);
        ObjectNode n = obj();
        n.put("id", b.id());
        n.put("address", b.address());
        n.put("state", b.state().name());
        n.put("eligible", b.state().isEligible());
        CompletionStage<Void> drain = drains.get(b);
        if (b.state() == org.reverl.gateway.api.BackendState.DRAINING) {
            n.put("drained", drain != null ? drain.toCompletableFuture().isDone() : b.inFlight() == 0);
        }
        n.put("weight", b.weight());
        n.put("effectiveWeight", b.effectiveWeight());
        n.put("inFlight", b.inFlight());
        n.put("requests", s.requests());
        n.put("errors", s.errors());
        ObjectNode kinds = n.putObject("errorsByKind");
        kinds.put("5xx", s.serverErrors());
        kinds.put("connect", s.connectFailures());
        kinds.put("timeout", s.timeouts());
        kinds.put("reset", s.resets());
        n.put("retries", s.retries());
        ObjectNode lat = n.putObject("latencyMs");
        lat.put("mean", round(s.meanMillis()));
        lat.put("p50", round(s.p50Millis()));
        lat.put("p99", round(s.p99Millis()));
        lat.put("max", round(s.maxMillis()));
        n.set("tags", mapper.valueToTree(b.tags()));
        return n;
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    private ObjectNode obj() {
        return mapper.createObjectNode();
    }

    private Reply json(int status, JsonNode n) {
        return new Reply(status, JSON, bytes(n));
    }

    private byte[] bytes(JsonNode n) {
        try {
            byte[] b = writer.writeValueAsBytes(n);
            byte[] withNewline = java.util.Arrays.copyOf(b, b.length + 1);
            withNewline[b.length] = '\n';
            return withNewline;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String query(HttpExchange ex, String name) {
        String q = ex.getRequestURI().getRawQuery();
        if (q == null) {
            return null;
        }
        for (String part : q.split("&")) {
            int eq = part.indexOf('=');
            String k = eq < 0 ? part : part.substring(0, eq);
            if (k.equals(name)) {
                return eq < 0 ? "" : part.substring(eq + 1);
            }
        }
        return null;
    }

    private static void audit(HttpExchange ex, String what) {
        log.info("admin: {} (from {})", what, ex.getRemoteAddress().getAddress().getHostAddress());
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e); // every JDK has SHA-256
        }
    }
}
