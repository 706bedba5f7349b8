package org.reverl.server.metrics;

import static java.util.Objects.requireNonNull;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
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
import org.reverl.gateway.http.ProxyPool;

/**
 * Reverl's metrics over the {@link LoadBalancer} of each pool and the proxy in front of them, in a Prometheus registry.
 *
 * <pre>{@code
 * ServerMetrics metrics = ServerMetrics.create(lb);
 * HttpProxyServer proxy = HttpProxyServer.start(lb, HttpProxyConfig.builder().observer(metrics.observer()).build());
 * String text = metrics.scrape();   // GET /metrics on the admin port
 * }</pre>
 *
 * <h2>Meters (Prometheus names)</h2>
 * Per backend, labels {@code backend} (the id) and {@code pool} (the pool's name; {@code default} for a server with
 * one list of backends):
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
 * (WebSockets) opened, and open now. And the JVM's: memory, GC (read when scraped: {@link PolledGcMetrics}),
 * threads, class loading, CPU, uptime.
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

    /** The pools followed: each load balancer's pool name and listener. */
    private final Map<LoadBalancer, Followed> pools = new ConcurrentHashMap<>();

    private final PrometheusMeterRegistry registry;
    private final Map<Backend, BackendMeters> backends = new ConcurrentHashMap<>();
    private final AtomicReferenceArray<Counter> rejections = new AtomicReferenceArray<>(600);
    private final ProxyObserver observer = new Observer();
    private final Counter[] proxyErrors = new Counter[ProxyObserver.ProxyError.values().length];
    private final java.util.concurrent.atomic.AtomicInteger tunnelsOpen =
            new java.util.concurrent.atomic.AtomicInteger();
    private final Counter tunnels;

    private ServerMetrics(PrometheusMeterRegistry registry) {
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

    /** Metrics over {@code lb}, the pool {@code default}, in a new Prometheus registry; follows its members from now on. */
    public static ServerMetrics create(LoadBalancer lb) {
        return create(lb, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    }

    /** Metrics over {@code lb} in {@code registry}, e.g. one that other parts of the application also use. */
    public static ServerMetrics create(LoadBalancer lb, PrometheusMeterRegistry registry) {
        ServerMetrics m = create(registry);
        m.follow(ProxyPool.DEFAULT, requireNonNull(lb, "lb"));
        return m;
    }

    /** Metrics of the proxy and the JVM, in {@code registry}; {@link #follow} adds the pools. */
    public static ServerMetrics create(PrometheusMeterRegistry registry) {
        ServerMetrics m = new ServerMetrics(requireNonNull(registry, "registry"));
        m.start();
        return m;
    }

    /**
     * Follows the members of the pool {@code pool}, whose load balancer is {@code lb}, from now on: their meters carry
     * {@code pool} as a label. Idempotent for the same load balancer.
     */
    public void follow(String pool, LoadBalancer lb) {
        requireNonNull(pool, "pool");
        requireNonNull(lb, "lb");
        Followed f = new Followed(pool, lb);
        if (pools.putIfAbsent(lb, f) != null) {
            return;
        }
        // listen first, then register the members there already: none is missed, ADDED of one of them is a no-op
        lb.addListener(f);
        for (Backend b : lb.backends()) {
            meters(pool, b);
        }
    }

    /** Stops following {@code lb} (its pool was removed): its members' meters are removed. */
    public void unfollow(LoadBalancer lb) {
        Followed f = pools.remove(lb);
        if (f == null) {
            return;
        }
        lb.removeListener(f);
        for (BackendMeters m : new ArrayList<>(backends.values())) {
            if (m.pool.equals(f.pool) && !isFollowed(m.backend)) {
                backends.remove(m.backend, m);
                m.remove(registry);
            }
        }
        for (Meter meter :
                new ArrayList<>(registry.find(EVENTS).tag("pool", f.pool).meters())) {
            registry.remove(meter);
        }
    }

    private boolean isFollowed(Backend b) {
        return poolOf(b) != null;
    }

    /** The pool of {@code b} among the followed ones, or {@code null}. */
    private String poolOf(Backend b) {
        for (Followed f : pools.values()) {
            if (f.lb.backend(b.id()).orElse(null) == b) {
                return f.pool;
            }
        }
        return null;
    }

    private void start() {
        new JvmMemoryMetrics().bindTo(registry);
        // read when scraped: a listener for every collection's notification cost 2% of the CPU under load
        new PolledGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        for (int status : PROXY_STATUSES) {
            rejection(status);
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

    /** Stops following the load balancers; the registry keeps its last values. */
    @Override
    public void close() {
        for (Followed f : pools.values()) {
            f.lb.removeListener(f);
        }
    }

    /** The meters of {@code b}, from the data path: registered by now, but for a backend that just joined. */
    private BackendMeters meters(Backend b) {
        BackendMeters m = backends.get(b);
        if (m != null || b.state() == BackendState.REMOVED) {
            return m; // none for an outcome arriving after its backend left: its meters are gone with it
        }
        String pool = poolOf(b);
        return pool == null ? null : meters(pool, b);
    }

    private BackendMeters meters(String pool, Backend b) {
        BackendMeters m = backends.get(b);
        if (m != null) {
            return m;
        }
        if (b.state() == BackendState.REMOVED) {
            return null;
        }
        return backends.computeIfAbsent(b, key -> new BackendMeters(registry, key, pool, System::nanoTime));
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

    /** One pool's load balancer and the listener of its events. */
    private final class Followed implements BackendEventListener {
        final String pool;
        final LoadBalancer lb;

        Followed(String pool, LoadBalancer lb) {
            this.pool = pool;
            this.lb = lb;
        }

        /** On the pool's control thread, one event at a time. */
        @Override
        public void onEvent(BackendEvent e) {
            String type = e.type().name().toLowerCase(Locale.ROOT);
            switch (e.type()) {
                case ADDED:
                    lb.backend(e.backendId()).ifPresent(b -> meters(pool, b));
                    return;
                case REMOVED:
                    removeMeters(pool, e.backendId());
                    return;
                default:
                    registry.counter(EVENTS, "backend", e.backendId(), "pool", pool, "type", type)
                            .increment();
            }
        }
    }

    private void removeMeters(String pool, String id) {
        for (BackendMeters m : new ArrayList<>(backends.values())) {
            if (m.pool.equals(pool) && m.backend.id().equals(id) && m.backend.state() == BackendState.REMOVED) {
                backends.remove(m.backend, m);
                m.remove(registry);
            }
        }
        List<Meter> events = new ArrayList<>(
                registry.find(EVENTS).tag("backend", id).tag("pool", pool).meters());
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
