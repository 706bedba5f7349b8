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
import org.reverl.gateway.api.Backend;
import org.reverl.gateway.api.LoadBalancer;

/**
 * The last minutes of each backend, one point per {@link #sample()}: requests per second, errors per second and the
 * 99th-percentile latency, for the status page's charts. The server samples once a second; the clock is injected, so
 * tests sample by hand.
 *
 * <p>Thread-safe: {@link #sample()} and {@link #snapshot()} are synchronized (a few hundred points per backend).
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

    private final LoadBalancer lb;
    private final ServerMetrics metrics;
    private final LongSupplier clockMillis;
    private final int points;
    private final Map<Backend, Series> series = new LinkedHashMap<>();

    private static final class Series {
        final ArrayDeque<Point> points = new ArrayDeque<>();
        long lastMillis;
        long lastRequests;
        long lastErrors;
    }

    /** History of {@code lb}'s backends from {@code metrics}, keeping {@code points} points each. */
    public BackendHistory(LoadBalancer lb, ServerMetrics metrics, LongSupplier clockMillis, int points) {
        this.lb = requireNonNull(lb, "lb");
        this.metrics = requireNonNull(metrics, "metrics");
        this.clockMillis = requireNonNull(clockMillis, "clockMillis");
        this.points = points;
    }

    /** Takes one point for every member; forgets backends that left. */
    public synchronized void sample() {
        long now = clockMillis.getAsLong();
        Set<Backend> live = new HashSet<>();
        for (Backend b : lb.backends()) {
            live.add(b);
            BackendStats s = metrics.stats(b);
            Series series = this.series.get(b);
            if (series == null) {
                series = new Series();
                series.lastMillis = now;
                series.lastRequests = s.requests();
                series.lastErrors = s.errors();
                this.series.put(b, series);
                continue; // the first sample is the baseline
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
        series.keySet().retainAll(live);
    }

    /** The points of every member, oldest first, by backend id. */
    public synchronized Map<String, List<Point>> snapshot() {
        Map<String, List<Point>> out = new LinkedHashMap<>();
        series.forEach((b, s) -> out.put(b.id(), new ArrayList<>(s.points)));
        return out;
    }
}
