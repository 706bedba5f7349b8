package org.reverl.server.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.CompletionStage;
import org.reverl.gateway.api.Backend;
import org.reverl.gateway.api.BackendState;
import org.reverl.gateway.api.LoadBalancer;
import org.reverl.gateway.core.DiscoveryStatus;
import org.reverl.server.ServerControl;
import org.reverl.server.metrics.BackendHistory;
import org.reverl.server.metrics.BackendStats;
import org.reverl.server.metrics.ServerMetrics;

/**
 * The JSON views the admin API returns: one backend with its state, weights, load, counts and latency; a pool; where
 * the server stands for {@code /readyz}; and the short history the status page charts. Also remembers drains asked
 * through the API, so a listing can say whether one finished.
 *
 * <p>Thread-safe.
 */
final class AdminViews {

    private final ObjectMapper mapper;
    private final ServerControl control;
    private final ServerMetrics metrics;
    /** Drains asked through this API, by backend object (weakly: removed backends are forgotten). */
    private final Map<Backend, CompletionStage<?>> drains = Collections.synchronizedMap(new WeakHashMap<>());

    AdminViews(ObjectMapper mapper, ServerControl control, ServerMetrics metrics) {
        this.mapper = mapper;
        this.control = control;
        this.metrics = metrics;
    }

    /**
     * Whether the server is ready, and where discovery stands: for the default pool and every pool with a source,
     * whether it is in sync and how many backends it found, no more. This answers anyone without a token, so it names
     * no registry address and no error text; {@link #pool} has the source and the last error.
     */
    ObjectNode readiness(boolean ready) {
        ObjectNode body = mapper.createObjectNode().put("ready", ready);
        control.discovery().ifPresent(d -> discoverySummary(body.putObject("discovery"), d));
        ObjectNode byPool = mapper.createObjectNode();
        for (String pool : control.pools().keySet()) {
            control.discovery(pool).ifPresent(d -> discoverySummary(byPool.putObject(pool), d));
        }
        if (!byPool.isEmpty()) {
            body.set("pools", byPool);
        }
        return body;
    }

    private static void discoverySummary(ObjectNode n, DiscoveryStatus d) {
        n.put("synced", d.synced()).put("backends", d.backends());
    }

    /** Every pool, without its members, and which is the default one. */
    ObjectNode pools() {
        ArrayNode arr = mapper.createArrayNode();
        control.pools().forEach((name, lb) -> arr.add(pool(name, lb, false)));
        ObjectNode n = mapper.createObjectNode();
        n.put("defaultPool", control.defaultPoolName());
        n.set("pools", arr);
        return n;
    }

    /**
     * A pool: its name, whether it is the default one, counts by state, where its discovery stands (with a source),
     * and with {@code detail} its backends.
     */
    ObjectNode pool(String name, LoadBalancer lb, boolean detail) {
        ObjectNode n = mapper.createObjectNode();
        n.put("name", name);
        n.put("default", name.equals(control.defaultPoolName()));
        int up = 0;
        List<Backend> members = lb.backends();
        for (Backend b : members) {
            up += b.state() == BackendState.UP ? 1 : 0;
        }
        n.put("backends", members.size());
        n.put("up", up);
        control.discovery(name).ifPresent(d -> discovery(n.putObject("discovery"), d));
        if (detail) {
            ArrayNode arr = n.putArray("members");
            for (Backend b : members) {
                arr.add(backend(b));
            }
        }
        return n;
    }

    /** Where discovery stands: the registry's health is reported, never a reason to stop serving the last good set. */
    private static void discovery(ObjectNode n, DiscoveryStatus d) {
        n.put("source", d.source());
        n.put("synced", d.synced());
        n.put("backends", d.backends());
        n.put("lastSync", d.lastSync() == null ? null : d.lastSync().toString());
        n.put("lastError", d.lastError());
        n.put("snapshots", d.snapshots());
        n.put("failures", d.failures());
        n.put("skipped", d.skipped());
    }

    void drainStarted(Backend b, CompletionStage<?> stage) {
        drains.put(b, stage);
    }

    ObjectNode backend(Backend b) {
        BackendStats s = metrics.stats(b);
        ObjectNode n = mapper.createObjectNode();
        n.put("id", b.id());
        n.put("address", b.address());
        if (b.spec().healthAddress() != null) {
            n.put("healthAddress", b.spec().healthAddress());
        }
        n.put("state", b.state().name());
        n.put("eligible", b.state().isEligible());
        CompletionStage<?> drain = drains.get(b);
        if (b.state() == BackendState.DRAINING) {
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
        n.put("ejections", s.ejections());
        ObjectNode lat = n.putObject("latencyMs");
        lat.put("mean", round(s.meanMillis()));
        lat.put("p50", round(s.p50Millis()));
        lat.put("p99", round(s.p99Millis()));
        lat.put("max", round(s.maxMillis()));
        n.set("tags", mapper.valueToTree(b.tags()));
        return n;
    }

    /** {@code {"intervalSeconds": 1, "backends": {"b1": {"t": [...], "rps": [...], "eps": [...], "p99": [...]}}}}. */
    ObjectNode history(Map<String, List<BackendHistory.Point>> points) {
        ObjectNode n = mapper.createObjectNode();
        n.put("intervalSeconds", 1);
        ObjectNode all = n.putObject("backends");
        points.forEach((id, list) -> {
            ObjectNode b = all.putObject(id);
            ArrayNode t = b.putArray("t");
            ArrayNode rps = b.putArray("rps");
            ArrayNode eps = b.putArray("eps");
            ArrayNode p99 = b.putArray("p99");
            for (BackendHistory.Point p : list) {
                t.add(p.timeMillis());
                rps.add(round(p.requestsPerSecond()));
                eps.add(round(p.errorsPerSecond()));
                p99.add(round(p.p99Millis()));
            }
        });
        return n;
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
