package org.reverl.server.admin;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.reverl.gateway.api.Backend;
import org.reverl.gateway.api.BackendSpec;
import org.reverl.gateway.api.GatewayClosedException;
import org.reverl.gateway.api.LoadBalancer;
import org.reverl.gateway.core.LoadBalancers;
import org.reverl.gateway.core.Membership;
import org.reverl.server.ServerControl;
import org.reverl.server.metrics.BackendHistory;
import org.reverl.server.metrics.ServerMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin API's endpoints: routing, the security checks of {@link AdminSecurity}, and the answers, from one {@link
 * AdminExchange} to one reply. Knows nothing of the transport.
 *
 * <p>Membership changes go through {@link Membership} (the load balancer's one serialized path): an add is an upsert
 * by source {@value #SOURCE}, a weight change is in place, and a drain-then-remove removes exactly the backend it
 * drained.
 *
 * <p>Thread-safe.
 */
final class AdminApi {

    private static final Logger log = LoggerFactory.getLogger(AdminServer.class);

    /** The membership source of backends added through this API. */
    static final String SOURCE = "admin";

    static final String JSON = "application/json; charset=utf-8";
    static final List<String> PATHS = List.of(
            "/",
            "/healthz",
            "/readyz",
            "/metrics",
            "/history",
            "/backends",
            "/backends/{id}",
            "/backends/{id}/drain",
            "/backends/{id}/maintenance",
            "/backends/{id}/enable",
            "/pools",
            "/pools/{pool}",
            "/pools/{pool}/history",
            "/pools/{pool}/backends...",
            "/reload",
            "/config/save");

    private final AdminSettings settings;
    private final AdminSecurity security;
    private final ServerControl control;
    private final ServerMetrics metrics;
    private final BackendHistory history;
    private final ObjectMapper mapper;
    private final ObjectReader reader;
    private final ObjectWriter writer;
    private final AdminViews views;
    private final StatusPage page = StatusPage.load();

    AdminApi(
            AdminSettings settings,
            AdminSecurity security,
            ServerControl control,
            ServerMetrics metrics,
            BackendHistory history) {
        this.settings = settings;
        this.security = security;
        this.control = control;
        this.metrics = metrics;
        this.history = history;
        this.mapper = JsonMapper.builder()
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .build();
        this.reader = mapper.reader();
        this.writer = mapper.writerWithDefaultPrettyPrinter();
        this.views = new AdminViews(mapper, control, metrics);
    }

    /**
     * Whether a request for {@code path} is answered at once on the I/O thread: it never waits for anything, so
     * probes and scrapes are not queued behind changes on the workers.
     */
    static boolean isQuick(String method, String path) {
        return method.equals("GET") && (path.equals("/healthz") || path.equals("/readyz") || path.equals("/metrics"));
    }

    /** Answers one request; never throws. */
    AdminExchange.Reply handle(AdminExchange ex) {
        try {
            return route(ex);
        } catch (ApiError e) {
            return error(e);
        } catch (NoSuchElementException e) {
            return error(new ApiError(404, e.getMessage()));
        } catch (GatewayClosedException e) {
            return error(new ApiError(503, "stopping: " + e.getMessage()));
        } catch (RuntimeException e) {
            log.warn("admin: {} {} failed", ex.method(), ex.path(), e);
            return error(new ApiError(500, "internal error: " + e));
        }
    }

    private AdminExchange.Reply route(AdminExchange ex) {
        String method = ex.method();
        String path = ex.path();
        // probes first: no Host check (orchestrators probe by IP), no token
        if (path.equals("/healthz")) {
            allow(method, "GET");
            return json(200, obj().put("status", "alive"));
        }
        if (path.equals("/readyz")) {
            allow(method, "GET");
            boolean ready = control.ready();
            return json(ready ? 200 : 503, views.readiness(ready));
        }
        security.checkHost(ex.host());
        switch (path) {
            case "/":
            case "/status":
                allow(method, "GET");
                return new AdminExchange.Reply(200, "text/html; charset=utf-8", page.html());
            case "/status.js":
                allow(method, "GET");
                return new AdminExchange.Reply(200, "text/javascript; charset=utf-8", page.script());
            case "/status.css":
                allow(method, "GET");
                return new AdminExchange.Reply(200, "text/css; charset=utf-8", page.style());
            default:
                break;
        }
        security.authenticate(ex.authorization());
        security.checkMutation(method, ex.contentType(), ex.origin());
        String[] seg = path.substring(1).split("/", -1);
        if (path.equals("/metrics") && settings.prometheus()) {
            allow(method, "GET");
            return new AdminExchange.Reply(
                    200,
                    "text/plain; version=0.0.4; charset=utf-8",
                    metrics.scrape().getBytes(StandardCharsets.UTF_8));
        }
        if (path.equals("/history")) {
            allow(method, "GET");
            return json(200, views.history(history.snapshot(control.defaultPoolName())));
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
            AdminExchange.Reply r = backends(ex, control.loadBalancer(), seg, 1, "/backends");
            if (r != null) {
                return r;
            }
        }
        if (seg[0].equals("pools")) {
            if (seg.length == 1) {
                allow(method, "GET");
                return json(200, views.pools());
            }
            String name = seg[1];
            LoadBalancer lb = pool(name);
            if (seg.length == 2) {
                allow(method, "GET");
                return json(200, views.pool(name, lb, true));
            }
            if (seg.length == 3 && seg[2].equals("history")) {
                allow(method, "GET");
                return json(200, views.history(history.snapshot(name)));
            }
            if (seg[2].equals("backends")) {
                AdminExchange.Reply r = backends(ex, lb, seg, 3, "/pools/" + name + "/backends");
                if (r != null) {
                    return r;
                }
            }
        }
        throw new ApiError(404, "no such endpoint: " + ApiError.abbreviate(path) + " (expected: one of " + PATHS + ")");
    }

    /**
     * The backend endpoints of one pool: {@code seg[from]} on is what follows {@code base} ({@code /backends} for the
     * default pool, {@code /pools/<name>/backends}); {@code null} when the path is none of them.
     */
    private AdminExchange.Reply backends(AdminExchange ex, LoadBalancer lb, String[] seg, int from, String base) {
        String method = ex.method();
        if (seg.length == from) {
            allow(method, "GET", "POST");
            return method.equals("GET") ? list(lb) : add(ex, lb, base);
        }
        String id = seg[from];
        if (seg.length == from + 1) {
            allow(method, "GET", "PATCH", "DELETE");
            switch (method) {
                case "PATCH":
                    return patch(ex, lb, id);
                case "DELETE":
                    return delete(ex, lb, id);
                default:
                    return json(200, views.backend(find(lb, id)));
            }
        }
        if (seg.length == from + 2) {
            switch (seg[from + 1]) {
                case "drain":
                    allow(method, "POST");
                    return drain(ex, lb, id);
                case "maintenance":
                    allow(method, "POST");
                    find(lb, id);
                    audit(ex, "maintenance " + id);
                    lb.maintenance(id);
                    return json(200, views.backend(find(lb, id)));
                case "enable":
                    allow(method, "POST");
                    find(lb, id);
                    audit(ex, "enable " + id);
                    lb.enable(id);
                    return json(200, views.backend(find(lb, id)));
                default:
                    break;
            }
        }
        return null;
    }

    AdminExchange.Reply error(ApiError e) {
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
        return new AdminExchange.Reply(e.status, JSON, bytes(n), headers);
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

    // ---------------------------------------------------------------- endpoints

    /** The load balancer of pool {@code name}. */
    private LoadBalancer pool(String name) {
        LoadBalancer lb = control.pools().get(name);
        if (lb == null) {
            List<String> names = new ArrayList<>(control.pools().keySet());
            throw new ApiError(
                    404,
                    "pool '" + ApiError.abbreviate(name) + "': no such pool (expected: one of " + names + ")",
                    "pool",
                    TextNode.valueOf(name),
                    "one of " + names);
        }
        return lb;
    }

    private static Membership membership(LoadBalancer lb) {
        return LoadBalancers.membership(lb);
    }

    private AdminExchange.Reply list(LoadBalancer lb) {
        ArrayNode arr = mapper.createArrayNode();
        for (Backend b : lb.backends()) {
            arr.add(views.backend(b));
        }
        ObjectNode n = obj();
        n.put("version", control.version());
        n.put("ready", control.ready());
        n.put("tokenRequired", security.requiresToken());
        n.set("backends", arr);
        return json(200, n);
    }

    private AdminExchange.Reply add(AdminExchange ex, LoadBalancer lb, String base) {
        BackendSpec spec = BackendInput.parse(reader, ex.body());
        if (lb.backend(spec.id()).isPresent()) {
            throw conflict(spec.id(), lb);
        }
        audit(ex, "add " + spec.id() + " at " + spec.address() + ", weight " + spec.weight());
        Backend b;
        try {
            b = membership(lb).add(SOURCE, spec);
        } catch (IllegalArgumentException e) {
            if (lb.backend(spec.id()).isPresent()) {
                throw conflict(spec.id(), lb); // added by someone else meanwhile
            }
            throw new ApiError(400, e.getMessage()); // e.g. an address the probe cannot check
        }
        return new AdminExchange.Reply(201, JSON, bytes(views.backend(b)), Map.of("Location", base + "/" + spec.id()));
    }

    private ApiError conflict(String id, LoadBalancer lb) {
        return new ApiError(
                409,
                "backend '" + id + "': already a member (expected: a new id; members: " + ids(lb) + ")",
                "id",
                TextNode.valueOf(id),
                "a new id");
    }

    private AdminExchange.Reply patch(AdminExchange ex, LoadBalancer lb, String id) {
        find(lb, id);
        int weight = BackendInput.parseWeightPatch(reader, ex.body(), id);
        audit(ex, "set weight of " + id + " to " + weight);
        return json(200, views.backend(membership(lb).setWeight(id, weight)));
    }

    private AdminExchange.Reply drain(AdminExchange ex, LoadBalancer lb, String id) {
        find(lb, id);
        audit(ex, "drain " + id);
        CompletionStage<Void> stage = lb.drain(id);
        Backend b = find(lb, id);
        views.drainStarted(b, stage);
        return json(202, views.backend(b));
    }

    private AdminExchange.Reply delete(AdminExchange ex, LoadBalancer lb, String id) {
        Backend b = find(lb, id);
        String drain = ex.queryParam("drain");
        if (drain != null && !drain.equals("true") && !drain.equals("false")) {
            throw ApiError.field("drain", TextNode.valueOf(drain), "true or false");
        }
        if ("true".equals(drain)) {
            audit(ex, "drain and remove " + id);
            // removes exactly this backend once idle: not a new one that took its id meanwhile
            views.drainStarted(b, membership(lb).drainAndRemove(b));
            ObjectNode n = obj();
            n.put("removal", "after drain");
            n.set("backend", views.backend(b));
            return json(202, n);
        }
        audit(ex, "remove " + id);
        if (!membership(lb).remove(b)) {
            throw new ApiError(409, "backend '" + id + "': changed while being removed (expected: try again)");
        }
        ObjectNode n = obj();
        n.put("removed", id);
        n.set("backend", views.backend(b));
        return json(200, n);
    }

    private AdminExchange.Reply reload(AdminExchange ex) {
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
        n.set("restartNeeded", mapper.valueToTree(r.restartNeeded()));
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

    private AdminExchange.Reply save(AdminExchange ex) {
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

    private Backend find(LoadBalancer lb, String id) {
        Optional<Backend> b = lb.backend(id);
        if (b.isEmpty()) {
            throw new ApiError(
                    404,
                    "backend '" + ApiError.abbreviate(id) + "': no such backend (expected: one of " + ids(lb) + ")",
                    "id",
                    TextNode.valueOf(id),
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

    private ObjectNode obj() {
        return mapper.createObjectNode();
    }

    private AdminExchange.Reply json(int status, JsonNode n) {
        return new AdminExchange.Reply(status, JSON, bytes(n));
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

    private static void audit(AdminExchange ex, String what) {
        log.info("admin: {} (from {})", what, ex.remote());
    }
}
