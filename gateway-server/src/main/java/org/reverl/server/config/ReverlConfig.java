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

/**
 * A validated server configuration: what {@link ConfigLoader} makes of a YAML file. Immutable.
 *
 * @param listeners where the proxy listens, plain or with TLS; at least one
 * @param backends the backend web servers, in order
 * @param gateway strategy, health, breaker and failover settings of the engine
 * @param proxy the data path's timeouts and limits (its listen address and TLS come from each listener)
 * @param admin the admin API and status page
 * @param metrics whether Prometheus metrics are served on the admin port
 * @param accessLog whether each proxied request is logged
 * @param shutdownTimeout how long in-flight requests may take to finish on SIGTERM
 * @param discovery where more backends come from, or {@code null} for none
 */
public record ReverlConfig(
        List<Listener> listeners,
        List<BackendSpec> backends,
        GatewayConfig gateway,
        HttpProxyConfig proxy,
        Admin admin,
        boolean metrics,
        boolean accessLog,
        Duration shutdownTimeout,
        Discovery discovery) {

    /** Copies. */
    public ReverlConfig {
        listeners = List.copyOf(listeners);
        backends = List.copyOf(backends);
        requireNonNull(gateway, "gateway");
        requireNonNull(proxy, "proxy");
        requireNonNull(admin, "admin");
        requireNonNull(shutdownTimeout, "shutdownTimeout");
    }

    /** A configuration without discovery. */
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
