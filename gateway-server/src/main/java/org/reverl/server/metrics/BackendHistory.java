package org.reverl.server.metrics;

import static java.util.Objects.requireNonNull;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.reverl.gateway.api.Backend;
import org.reverl.gateway.api.LoadBalancer;

/**
 * The last minutes of each backend of every pool, one point per {@link #sample()}: requests per second, errors per
 * second and the 99th-percentile latency, for the status page's charts. The server samples once a second; the clock is
 * injected, so tests sample by hand. Pools are read again at every sample, so a reload that adds, removes or replaces a
 * pool is followed; a backend is known by its pool and its own object, so two pools may each have a {@code b1}.
 *
 * <p>Thread-safe: {@link #sample()} and {@link #snapshot(String)} are synchronized (a few hundred points per backend).
 */
public final class BackendHistory {

    /** Points kept per backend: five minutes at one a second. */
    public static final int DEFAULT_POINTS = 300;

    /**
     * One point.
     *
     * @param timeMillis when it was sampled (the clock's milliseconds)
     * @param requestsPerSecond attempts that ended per second since the previous point
     * @param errorsPerSecond 5xx responses and failures per second since the previous point
     * @param p99Millis the 99th percentile of recent responses at that time; 0 without any
     */
    public record Point(long timeMillis, double requestsPerSecond, double errorsPerSecond, double p99Millis) {}

    private final Supplier<Map<String, LoadBalancer>> pools;
    private final ServerMetrics metrics;
    private final LongSupplier clockMillis;
    private final int points;
    /** By pool name, then by backend, in the order they were first seen. */
    private final Map<String, Map<Backend, Series>> series = new LinkedHashMap<>();

    private static final class Series {
        final ArrayDeque<Point> points = new ArrayDeque<>();
        long lastMillis;
        long lastRequests;
        long lastErrors;
    }

    /**
     * History of the backends of {@code pools} (each pool's engine by name, read at every sample) from {@code
     * metrics}, keeping {@code points} points each.
     */
    public BackendHistory(
            Supplier<Map<String, LoadBalancer>> pools, ServerMetrics metrics, LongSupplier clockMillis, int points) {
        this.pools = requireNonNull(pools, "pools");
        this.metrics = requireNonNull(metrics, "metrics");
        this.clockMillis = requireNonNull(clockMillis, "clockMillis");
        this.points = points;
    }

    /** Takes one point for every member of every pool; forgets backends and pools that left. */
    public synchronized void sample() {
        long now = clockMillis.getAsLong();
        Map<String, LoadBalancer> current = pools.get();
        series.keySet().retainAll(current.keySet());
        current.forEach((pool, lb) -> {
            Map<Backend, Series> members = series.computeIfAbsent(pool, p -> new LinkedHashMap<>());
            Set<Backend> live = new HashSet<>();
            for (Backend b : lb.backends()) {
                live.add(b);
                sample(members, b, now);
            }
            members.keySet().retainAll(live);
        });
    }

    private void sample(Map<Backend, Series> members, Backend b, long now) {
        BackendStats s = metrics.stats(b);
        Series series = members.get(b);
        if (series == null) {
            series = new Series();
            series.lastMillis = now;
            series.lastRequests = s.requests();
            series.lastErrors = s.errors();
            members.put(b, series);
            return; // the first sample is the baseline
        }
        double seconds = Math.max(1, now - series.lastMillis) / 1000.0;
        series.points.addLast(new Point(
                now,
                (s.requests() - series.lastRequests) / seconds,
                (s.errors() - series.lastErrors) / seconds,
                s.p99Millis()));
        while (series.points.size() > points) {
            series.points.removeFirst();
        }
        series.lastMillis = now;
        series.lastRequests = s.requests();
        series.lastErrors = s.errors();
    }

    /** The points of every member of {@code pool}, oldest first, by backend id; empty for a pool not sampled. */
    public synchronized Map<String, List<Point>> snapshot(String pool) {
        Map<String, List<Point>> out = new LinkedHashMap<>();
        series.getOrDefault(pool, Map.of()).forEach((b, s) -> out.put(b.id(), new ArrayList<>(s.points)));
        return out;
    }
}
