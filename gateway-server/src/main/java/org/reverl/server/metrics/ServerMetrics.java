package org.reverl.server.metrics;

import static java.util.Objects.requireNonNull;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.reverl.gateway.api.Backend;
import org.reverl.gateway.api.BackendEvent;
import org.reverl.gateway.api.BackendEventListener;
import org.reverl.gateway.api.BackendState;
import org.reverl.gateway.api.LoadBalancer;
import org.reverl.gateway.http.ProxyObserver;

/**
 * Reverl's metrics over one {@link LoadBalancer} and the proxy in front of it, in a Prometheus registry.
 *
 * <pre>{@code
 * ServerMetrics metrics = ServerMetrics.create(lb);
 * HttpProxyServer proxy = HttpProxyServer.start(lb, HttpProxyConfig.builder().observer(metrics.observer()).build());
 * String text = metrics.scrape();   // GET /metrics on the admin port
 * }</pre>
 *
 * <h2>Meters (Prometheus names)</h2>
 * Per backend, label {@code backend} (the id):
 * <ul>
 *   <li>{@code reverl_backend_responses_total{status="2xx|3xx|4xx|5xx"}}: responses relayed whole;
 *   <li>{@code reverl_backend_latency_seconds}: histogram of response times (buckets 1 ms to 60 s), with {@code _max};
 *   <li>{@code reverl_backend_errors_total{kind="5xx|connect|timeout|reset"}}: failed attempts;
 *   <li>{@code reverl_backend_retries_total}: requests retried elsewhere after it failed them;
 *   <li>{@code reverl_backend_in_flight}, {@code reverl_backend_weight}: live gauges;
 *   <li>{@code reverl_backend_state}: 0 up, 1 down, 2 ejected, 3 draining, 4 maintenance, 5 removed;
 *   <li>{@code reverl_backend_events_total{type}}: health and breaker changes ({@code ejected}/{@code restored} are
 *       the circuit breaker opening and closing), registered at the first of each type.
 * </ul>
 * For the proxy: {@code reverl_proxy_rejections_total{status}}: responses the proxy wrote itself (400, 408, 414, 431,
 * 502, 503, 504); {@code reverl_proxy_tunnels_total} and {@code reverl_proxy_tunnels_open}: upgraded connections
 * (WebSockets) opened, and open now. And the JVM's: memory, GC, threads, class loading, CPU, uptime.
 *
 * <p>A backend's meters are registered when it joins and removed when it leaves, so a scrape lists the members.
 *
 * <h2>Threading</h2>
 * Thread-safe. The {@link #observer()} runs on the proxy's event loops: one identity-hash lookup per call, no
 * allocation, no lock.
 */
public final class ServerMetrics implements AutoCloseable {

    static final String RESPONSES = "reverl.backend.responses";
    static final String LATENCY = "reverl.backend.latency";
    static final String ERRORS = "reverl.backend.errors";
    static final String RETRIES = "reverl.backend.retries";
    static final String IN_FLIGHT = "reverl.backend.in.flight";
    static final String STATE = "reverl.backend.state";
    static final String WEIGHT = "reverl.backend.weight";
    static final String EVENTS = "reverl.backend.events";
    static final String REJECTIONS = "reverl.proxy.rejections";
    static final String PROXY_ERRORS = "reverl.proxy.errors";
    static final String TUNNELS = "reverl.proxy.tunnels";
    static final String TUNNELS_OPEN = "reverl.proxy.tunnels.open";

    /** The statuses the proxy writes by itself; registered up front so they read 0 before the first. */
    private static final int[] PROXY_STATUSES = {400, 408, 414, 431, 502, 503, 504};

    private final LoadBalancer lb;
    private final PrometheusMeterRegistry registry;
    private final Map<Backend, BackendMeters> backends = new ConcurrentHashMap<>();
    private final AtomicReferenceArray<Counter> rejections = new AtomicReferenceArray<>(600);
    private final BackendEventListener listener = this::onEvent;
    private final JvmGcMetrics gcMetrics = new JvmGcMetrics();
    private final ProxyObserver observer = new Observer();
    private final Counter[] proxyErrors = new Counter[ProxyObserver.ProxyError.values().length];
    private final java.util.concurrent.atomic.AtomicInteger tunnelsOpen =
            new java.util.concurrent.atomic.AtomicInteger();
    private final Counter tunnels;

    private ServerMetrics(LoadBalancer lb, PrometheusMeterRegistry registry) {
        this.lb = lb;
        this.registry = registry;
        for (ProxyObserver.ProxyError error : ProxyObserver.ProxyError.values()) {
            proxyErrors[error.ordinal()] = Counter.builder(PROXY_ERRORS)
                    .description("Failures of the proxy's own or of clients, never counted against a backend")
                    .tag("kind", error.name().toLowerCase(Locale.ROOT))
                    .register(registry);
        }
        tunnels = Counter.builder(TUNNELS)
                .description("Upgraded connections (WebSockets and other protocols after a 101) opened")
                .register(registry);
        io.micrometer.core.instrument.Gauge.builder(
                        TUNNELS_OPEN, tunnelsOpen, java.util.concurrent.atomic.AtomicInteger::get)
                .description("Upgraded connections open now")
                .register(registry);
    }

    /** Metrics over {@code lb}, in a new Prometheus registry; follows its members from now on. */
    public static ServerMetrics create(LoadBalancer lb) {
        return create(lb, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    }

    /** Metrics over {@code lb} in {@code registry}, e.g. one that other parts of the application also use. */
    public static ServerMetrics create(LoadBalancer lb, PrometheusMeterRegistry registry) {
        ServerMetrics m = new ServerMetrics(requireNonNull(lb, "lb"), requireNonNull(registry, "registry"));
        m.start();
        return m;
    }

    private void start() {
        new JvmMemoryMetrics().bindTo(registry);
        gcMetrics.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        for (int status : PROXY_STATUSES) {
            rejection(status);
        }
        // listen first, then register the members there already: none is missed, ADDED of one of them is a no-op
        lb.addListener(listener);
        for (Backend b : lb.backends()) {
            meters(b);
        }
    }

    /** The registry, for other meters or another format. */
    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** The observer to give the proxy: {@code HttpProxyConfig.builder().observer(metrics.observer())}. */
    public ProxyObserver observer() {
        return observer;
    }

    /** All meters in the Prometheus text format (version 0.0.4). */
    public String scrape() {
        return registry.scrape();
    }

    /** What {@code backend} did since it joined; {@link BackendStats#EMPTY} if it is not (or no longer) a member. */
    public BackendStats stats(Backend backend) {
        BackendMeters m = backends.get(backend);
        return m == null ? BackendStats.EMPTY : m.stats();
    }

    /** Stops following the load balancer and releases the JVM meters; the registry keeps its last values. */
    @Override
    public void close() {
        lb.removeListener(listener);
        gcMetrics.close();
    }

    private BackendMeters meters(Backend b) {
        BackendMeters m = backends.get(b);
        if (m != null) {
            return m;
        }
        if (b.state() == BackendState.REMOVED) {
            return null; // an outcome arriving after its backend left: its meters are gone with it
        }
        return backends.computeIfAbsent(b, key -> new BackendMeters(registry, key));
    }

    private Counter rejection(int status) {
        int i = status >= 0 && status < 600 ? status : 599;
        Counter c = rejections.get(i);
        if (c == null) {
            c = Counter.builder(REJECTIONS)
                    .description("Responses the proxy wrote itself, without a backend's response")
                    .tag("status", Integer.toString(i))
                    .register(registry);
            rejections.compareAndSet(i, null, c);
        }
        return c;
    }

    /** On the control thread, one event at a time. */
    private void onEvent(BackendEvent e) {
        String type = e.type().name().toLowerCase(Locale.ROOT);
        switch (e.type()) {
            case ADDED:
                lb.backend(e.backendId()).ifPresent(this::meters);
                return;
            case REMOVED:
                removeMeters(e.backendId());
                return;
            default:
                registry.counter(EVENTS, "backend", e.backendId(), "type", type).increment();
        }
    }

    private void removeMeters(String id) {
        for (BackendMeters m : new ArrayList<>(backends.values())) {
            if (m.backend.id().equals(id) && m.backend.state() == BackendState.REMOVED) {
                backends.remove(m.backend, m);
                m.remove(registry);
            }
        }
        List<Meter> events =
                new ArrayList<>(registry.find(EVENTS).tag("backend", id).meters());
        for (Meter meter : events) {
            registry.remove(meter);
        }
    }

    private final class Observer implements ProxyObserver {
        @Override
        public void onResponse(Backend backend, int status, long nanos) {
            BackendMeters m = meters(backend);
            if (m != null) {
                m.onResponse(status, nanos);
            }
        }

        @Override
        public void onBackendFailure(Backend backend, Failure failure) {
            BackendMeters m = meters(backend);
            if (m != null) {
                m.onFailure(failure);
            }
        }

        @Override
        public void onRetry(Backend failed) {
            BackendMeters m = meters(failed);
            if (m != null) {
                m.onRetry();
            }
        }

        @Override
        public void onRejected(int status) {
            rejection(status).increment();
        }

        @Override
        public void onProxyError(Backend backend, ProxyError error) {
            proxyErrors[error.ordinal()].increment();
        }

        @Override
        public void onTunnelOpened(Backend backend, long nanos) {
            tunnels.increment();
            tunnelsOpen.incrementAndGet();
        }

        @Override
        public void onTunnelClosed(Backend backend, long nanos) {
            tunnelsOpen.decrementAndGet();
        }
    }
}
