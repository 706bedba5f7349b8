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
import org.reverl.server.metrics.BackendHistory;
import org.reverl.server.metrics.BackendStats;
import org.reverl.server.metrics.ServerMetrics;

/**
 * The JSON views of backends the admin API returns: one backend with its state, weights, load, counts and latency; and
 * the short history the status page charts. Also remembers drains asked through the API, so a listing can say whether
 * one finished.
 *
 * <p>Thread-safe.
 */
final class BackendViews {

    private final ObjectMapper mapper;
    private final ServerMetrics metrics;
    /** Drains asked through this API, by backend object (weakly: removed backends are forgotten). */
    private final Map<Backend, CompletionStage<?>> drains = Collections.synchronizedMap(new WeakHashMap<>());

    BackendViews(ObjectMapper mapper, ServerMetrics metrics) {
        this.mapper = mapper;
        this.metrics = metrics;
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
