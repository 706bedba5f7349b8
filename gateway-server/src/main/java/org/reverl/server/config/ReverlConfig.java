package org.reverl.server.config;

import static java.util.Objects.requireNonNull;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.reverl.gateway.api.BackendSpec;
import org.reverl.gateway.core.GatewayConfig;
import org.reverl.gateway.http.HttpProxyConfig;
import org.reverl.gateway.http.ProxyPool;
import org.reverl.gateway.http.RetryOn;
import org.reverl.gateway.http.Router;

/**
 * A validated server configuration: what {@link ConfigLoader} makes of a YAML file. Immutable.
 *
 * <p>Backends live in named pools, and the routing table sends each request to one of them. A file with one list of
 * backends (the form without {@code pools:}) is one pool named {@value ProxyPool#DEFAULT} and a default route to it;
 * {@link #backends()}, {@link #gateway()} and {@link #discovery()} are the {@linkplain #defaultPool() default pool}'s.
 *
 * @param listeners where the proxy listens, plain or with TLS; at least one
 * @param pools the pools by name, in file order; at least one
 * @param routing which pool each request goes to
 * @param proxy the data path's timeouts and limits (its listen address and TLS come from each listener; each pool has
 *     its own backend timeouts)
 * @param admin the admin API and status page
 * @param metrics whether Prometheus metrics are served on the admin port
 * @param accessLog whether each proxied request is logged
 * @param shutdownTimeout how long in-flight requests may take to finish on SIGTERM
 */
public record ReverlConfig(
        List<Listener> listeners,
        Map<String, Pool> pools,
        Routing routing,
        HttpProxyConfig proxy,
        Admin admin,
        boolean metrics,
        boolean accessLog,
        Duration shutdownTimeout) {

    /** Copies; checks that the routing table's pools exist. */
    public ReverlConfig {
        listeners = List.copyOf(listeners);
        pools = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(pools));
        if (pools.isEmpty()) {
            throw new IllegalArgumentException("pools: {} (expected: at least one pool)");
        }
        requireNonNull(routing, "routing");
        List<String> problems = Router.problems(routing.routes(), pools.keySet(), routing.defaultPool());
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(problems.get(0));
        }
        requireNonNull(proxy, "proxy");
        requireNonNull(admin, "admin");
        requireNonNull(shutdownTimeout, "shutdownTimeout");
    }

    /**
     * One pool named {@value ProxyPool#DEFAULT} with {@code backends}, {@code gateway} and {@code discovery}, the
     * backend timeouts of {@code proxy}, and a default route to it.
     */
    public ReverlConfig(
            List<Listener> listeners,
            List<BackendSpec> backends,
            GatewayConfig gateway,
            HttpProxyConfig proxy,
            Admin admin,
            boolean metrics,
            boolean accessLog,
            Duration shutdownTimeout,
            Discovery discovery) {
        this(
                listeners,
                Map.of(ProxyPool.DEFAULT, Pool.of(ProxyPool.DEFAULT, backends, gateway, discovery, proxy)),
                Routing.to(ProxyPool.DEFAULT),
                proxy,
                admin,
                metrics,
                accessLog,
                shutdownTimeout);
    }

    /** One pool without discovery, and a default route to it. */
    public ReverlConfig(
            List<Listener> listeners,
            List<BackendSpec> backends,
            GatewayConfig gateway,
            HttpProxyConfig proxy,
            Admin admin,
            boolean metrics,
            boolean accessLog,
            Duration shutdownTimeout) {
        this(listeners, backends, gateway, proxy, admin, metrics, accessLog, shutdownTimeout, null);
    }

    /**
     * The pool the admin API's {@code /backends} and the single-pool accessors speak of: the routing table's default
     * pool, or else the first one.
     */
    public Pool defaultPool() {
        String name = routing.defaultPool();
        return name != null ? pools.get(name) : pools.values().iterator().next();
    }

    /** The {@linkplain #defaultPool() default pool}'s backends. */
    public List<BackendSpec> backends() {
        return defaultPool().backends();
    }

    /** The {@linkplain #defaultPool() default pool}'s engine settings. */
    public GatewayConfig gateway() {
        return defaultPool().gateway();
    }

    /** The {@linkplain #defaultPool() default pool}'s discovery source, or {@code null}. */
    public Discovery discovery() {
        return defaultPool().discovery();
    }

    /** This configuration with {@code proxy}, {@code admin}, {@code metrics} in place of its own. */
    public ReverlConfig with(HttpProxyConfig proxy, Admin admin, boolean metrics) {
        return new ReverlConfig(listeners, pools, routing, proxy, admin, metrics, accessLog, shutdownTimeout);
    }

    /**
     * A named pool of backends: its own engine (strategy, health, breaker, retry), backends, discovery source and the
     * timeouts of its backends.
     *
     * @param name {@code [a-z0-9][a-z0-9_-]*}
     * @param backends the backends listed in the file, in order
     * @param gateway strategy, health, breaker and failover settings
     * @param discovery where more backends come from, or {@code null}
     * @param connectTimeout how long connecting to a backend may take
     * @param responseTimeout how long a backend may take to start answering
     * @param upstreamIdleTimeout how long an idle kept-alive connection to a backend is kept
     * @param retryOn the answered statuses after which an idempotent request goes to another backend ({@code retry.on})
     */
    public record Pool(
            String name,
            List<BackendSpec> backends,
            GatewayConfig gateway,
            Discovery discovery,
            Duration connectTimeout,
            Duration responseTimeout,
            Duration upstreamIdleTimeout,
            RetryOn retryOn) {

        /** Copies. */
        public Pool {
            ProxyPool.checkName(name);
            backends = List.copyOf(backends);
            requireNonNull(gateway, "gateway");
            requireNonNull(connectTimeout, "connectTimeout");
            requireNonNull(responseTimeout, "responseTimeout");
            requireNonNull(upstreamIdleTimeout, "upstreamIdleTimeout");
            requireNonNull(retryOn, "retryOn");
        }

        /** A pool with the backend timeouts and {@code retryOn} of {@code proxy}. */
        public static Pool of(
                String name,
                List<BackendSpec> backends,
                GatewayConfig gateway,
                Discovery discovery,
                HttpProxyConfig proxy) {
            return new Pool(
                    name,
                    backends,
                    gateway,
                    discovery,
                    proxy.connectTimeout(),
                    proxy.responseTimeout(),
                    proxy.upstreamIdleTimeout(),
                    proxy.retryOn());
        }

        /** The data path's view of this pool, over {@code lb}. */
        public ProxyPool proxyPool(org.reverl.gateway.api.LoadBalancer lb) {
            return new ProxyPool(
                    name, lb, connectTimeout, responseTimeout, upstreamIdleTimeout, gateway.maxAttempts(), retryOn);
        }
    }

    /**
     * Which pool each request goes to: the first route that matches, else the default pool, else the no-match status.
     *
     * @param routes in order
     * @param defaultPool the pool of the requests no route matches, or {@code null}
     * @param noMatchStatus the status of a request no route matches without a default pool
     */
    public record Routing(List<org.reverl.gateway.http.Route> routes, String defaultPool, int noMatchStatus) {

        /** Copies. */
        public Routing {
            routes = List.copyOf(routes);
        }

        /** No routes: every request goes to {@code pool}. */
        public static Routing to(String pool) {
            return new Routing(List.of(), pool, Router.DEFAULT_NO_MATCH_STATUS);
        }
    }

    /**
     * Where backends come from besides the ones listed by hand: a discovery source and its options, as given to its
     * provider.
     *
     * @param source the source's name, e.g. {@code dns} or {@code etcd}
     * @param options its options
     */
    public record Discovery(String source, Map<String, String> options) {
        /** Copies. */
        public Discovery {
            requireNonNull(source, "source");
            options = Map.copyOf(options);
        }

        @Override
        public String toString() {
            Map<String, String> shown = new java.util.TreeMap<>(options);
            shown.computeIfPresent("password", (k, v) -> "***");
            return "Discovery[source=" + source + ", options=" + shown + "]";
        }
    }

    /**
     * One listening socket of the proxy.
     *
     * @param address where to listen
     * @param tls how to terminate TLS, or {@code null} for plain HTTP
     */
    public record Listener(InetSocketAddress address, Tls tls) {}

    /**
     * TLS of a listener: exactly one source of the certificate.
     *
     * @param cert PEM certificate chain, with {@code key}
     * @param key PEM PKCS#8 private key
     * @param p12 PKCS#12 key store, instead of cert and key
     * @param p12Password its password
     * @param selfSigned generate a certificate for localhost at start (local use only)
     * @param provider {@code auto}, {@code jdk} or {@code openssl}
     * @param sni more certificates, chosen by the name the client asks for; empty for one certificate
     */
    public record Tls(
            Path cert,
            Path key,
            Path p12,
            String p12Password,
            boolean selfSigned,
            String provider,
            List<SniCertificate> sni) {

        /** Copies. */
        public Tls {
            sni = List.copyOf(sni);
        }

        /** One certificate for every client. */
        public Tls(Path cert, Path key, Path p12, String p12Password, boolean selfSigned, String provider) {
            this(cert, key, p12, p12Password, selfSigned, provider, List.of());
        }
    }

    /**
     * A certificate of a listener served to the clients that ask for one of its names by SNI ({@code
     * listeners[].tls.sni[]}); the listener's own certificate is the default for every other name.
     *
     * @param names exact DNS names ({@code api.example.com}) or wildcards for one label ({@code *.example.com}), lower
     *     case; at least one
     * @param cert PEM certificate chain, with {@code key}
     * @param key PEM PKCS#8 private key
     * @param p12 PKCS#12 key store, instead of cert and key
     * @param p12Password its password
     */
    public record SniCertificate(List<String> names, Path cert, Path key, Path p12, String p12Password) {
        /** Copies. */
        public SniCertificate {
            names = List.copyOf(names);
        }
    }

    /**
     * The admin API and status page.
     *
     * @param enabled whether they are served
     * @param address where, on TCP; loopback unless a token is set; {@code null} with {@code unixSocket}
     * @param unixSocket the Unix domain socket to listen on instead ({@code admin.address: unix:/path.sock}), or
     *     {@code null}
     * @param token the bearer token required on every request, or {@code null}; required off loopback
     * @param hosts more names the {@code Host} header may carry ({@code admin.hosts})
     * @param tls how to serve the admin port over HTTPS, or {@code null}
     * @param requestTimeout how long a client may take to send a request
     * @param idleTimeout how long a connection may stay idle between requests
     */
    public record Admin(
            boolean enabled,
            InetSocketAddress address,
            Path unixSocket,
            String token,
            List<String> hosts,
            Tls tls,
            Duration requestTimeout,
            Duration idleTimeout) {

        /** Copies. */
        public Admin {
            hosts = List.copyOf(hosts);
            requireNonNull(requestTimeout, "requestTimeout");
            requireNonNull(idleTimeout, "idleTimeout");
        }

        /** On a TCP address, plain HTTP, default timeouts, no extra host names. */
        public Admin(boolean enabled, InetSocketAddress address, String token) {
            this(enabled, address, null, token, List.of(), null, Duration.ofSeconds(10), Duration.ofSeconds(60));
        }

        @Override
        public String toString() {
            return "Admin[enabled=" + enabled + ", address=" + (unixSocket != null ? "unix:" + unixSocket : address)
                    + ", token=" + (token == null ? "none" : "***") + ", hosts=" + hosts + ", tls=" + (tls != null)
                    + "]";
        }
    }
}
