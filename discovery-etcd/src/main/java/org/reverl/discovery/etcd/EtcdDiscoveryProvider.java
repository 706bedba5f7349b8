package org.reverl.discovery.etcd;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.reverl.gateway.api.DiscoverySource;
import org.reverl.gateway.api.DiscoverySourceProvider;
import org.reverl.gateway.api.PluginOptions;

/**
 * Provides {@value #NAME}: backends from the keys under a prefix in etcd v3, one key per backend, followed with a
 * watch. The key's last part (after the prefix) is the backend's id; the value is JSON:
 * <pre>{@code {"address": "10.0.0.5:8080", "weight": 2, "tags": {"zone": "eu-1"}}}</pre>
 * {@code address} is {@code host:port} (then {@code http://}) or {@code http(s)://host:port}; {@code weight} and
 * {@code tags} are optional; other fields are ignored, so registrars may store more. A key written with a lease goes
 * away, and its backend with it, when the lease expires.
 *
 * <p>Options:
 * <ul>
 *   <li>{@code endpoints} (required): comma-separated {@code http://host:port} or {@code https://host:port}.
 *   <li>{@code prefix} (required): e.g. {@code /reverl/pools/web/}; must end with {@code /}, so that {@code
 *       /reverl/pools/web} never also takes {@code /reverl/pools/web2/...}.
 *   <li>{@code user}, {@code password}: etcd authentication, both or neither.
 *   <li>{@code tls_ca}: PEM file of the CA that signed etcd's certificate (with {@code https} endpoints); {@code
 *       tls_cert} and {@code tls_key}: a client certificate and its PKCS#8 key, for etcd's client-certificate auth.
 *   <li>{@code request_timeout}: how long a read may take before it counts as failed, default 5s.
 *   <li>{@code retry_initial}, {@code retry_max}: back-off after a failure, doubling from the first to the second,
 *       default 500ms and 30s.
 * </ul>
 *
 * <p>Thread-safe and stateless. Public only because {@link java.util.ServiceLoader} requires it: configure {@code
 * etcd}, never this class.
 */
public final class EtcdDiscoveryProvider implements DiscoverySourceProvider {

    /** The source's name. */
    public static final String NAME = "etcd";

    private static final Set<String> OPTIONS = Set.of(
            "endpoints",
            "prefix",
            "user",
            "password",
            "tls_ca",
            "tls_cert",
            "tls_key",
            "request_timeout",
            "retry_initial",
            "retry_max");

    private static final Set<String> FILE_OPTIONS = Set.of("tls_ca", "tls_cert", "tls_key");

    @Override
    public String name() {
        return NAME;
    }

    /** {@code tls_ca}, {@code tls_cert} and {@code tls_key}. */
    @Override
    public Set<String> fileOptions() {
        return FILE_OPTIONS;
    }

    @Override
    public DiscoverySource create(Map<String, String> options) {
        return new EtcdDiscoverySource(parse(options));
    }

    static EtcdOptions parse(Map<String, String> options) {
        PluginOptions o = PluginOptions.of("discovery '" + NAME + "'", options, OPTIONS);
        o.required("endpoints", "comma-separated http://host:port");
        List<URI> endpoints = new ArrayList<>();
        for (String e : o.list("endpoints")) {
            URI uri;
            try {
                uri = URI.create(e);
            } catch (IllegalArgumentException bad) {
                throw o.invalid("endpoints", "comma-separated http://host:port or https://host:port");
            }
            if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
                    || uri.getHost() == null
                    || uri.getPort() < 1
                    || !(uri.getRawPath() == null || uri.getRawPath().isEmpty())) {
                throw o.invalid("endpoints", "comma-separated http://host:port or https://host:port");
            }
            endpoints.add(uri);
        }
        String prefix = o.required("prefix", "a key prefix ending with /, such as /reverl/pools/web/");
        if (!prefix.endsWith("/") || prefix.length() < 2) {
            throw o.invalid("prefix", "a key prefix ending with /, such as /reverl/pools/web/");
        }
        String user = o.string("user", null);
        String password = o.string("password", null);
        if ((user == null) != (password == null)) {
            throw o.invalid(user == null ? "user" : "password", "user and password together");
        }
        Path ca = file(o, "tls_ca");
        Path cert = file(o, "tls_cert");
        Path key = file(o, "tls_key");
        if ((cert == null) != (key == null)) {
            throw o.invalid(cert == null ? "tls_cert" : "tls_key", "tls_cert and tls_key together");
        }
        boolean tls = endpoints.stream().anyMatch(u -> u.getScheme().equals("https"));
        if (tls && endpoints.stream().anyMatch(u -> u.getScheme().equals("http"))) {
            throw o.invalid("endpoints", "all http or all https");
        }
        if (!tls && (ca != null || cert != null)) {
            throw o.invalid(ca != null ? "tls_ca" : "tls_cert", "https endpoints with TLS options");
        }
        Duration requestTimeout = o.duration("request_timeout", Duration.ofSeconds(5));
        Duration retryInitial = o.duration("retry_initial", Duration.ofMillis(500));
        Duration retryMax = o.duration("retry_max", Duration.ofSeconds(30));
        if (retryMax.compareTo(retryInitial) < 0) {
            throw o.invalid("retry_max", ">= retry_initial (" + retryInitial + ")");
        }
        return new EtcdOptions(
                endpoints, prefix, user, password, tls, ca, cert, key, requestTimeout, retryInitial, retryMax);
    }

    private static Path file(PluginOptions o, String option) {
        String name = o.string(option, null);
        if (name == null) {
            return null;
        }
        Path p = Path.of(name);
        if (!Files.isRegularFile(p) || !Files.isReadable(p)) {
            throw o.invalid(option, "a readable PEM file");
        }
        return p;
    }

    /**
     * The parsed options.
     *
     * @param endpoints etcd's client URLs
     * @param prefix the key prefix, ending with {@code /}
     * @param user the user, or {@code null}
     * @param password the password, or {@code null}
     * @param tls whether the endpoints are https
     * @param ca the CA's PEM file, or {@code null} for the JDK's trust store
     * @param cert the client certificate's PEM file, or {@code null}
     * @param key the client key's PEM file, or {@code null}
     * @param requestTimeout one read's timeout
     * @param retryInitial the first wait after a failure
     * @param retryMax the longest wait
     */
    record EtcdOptions(
            List<URI> endpoints,
            String prefix,
            String user,
            String password,
            boolean tls,
            Path ca,
            Path cert,
            Path key,
            Duration requestTimeout,
            Duration retryInitial,
            Duration retryMax) {

        EtcdOptions {
            endpoints = List.copyOf(endpoints);
        }

        /** The wait before the next try after {@code failures} failures in a row (1 or more). */
        Duration retryAfter(int failures) {
            Duration d = retryInitial;
            for (int i = 1; i < failures && d.compareTo(retryMax) < 0; i++) {
                d = d.multipliedBy(2);
            }
            return d.compareTo(retryMax) > 0 ? retryMax : d;
        }

        @Override
        public String toString() {
            return "EtcdOptions[endpoints=" + endpoints + ", prefix=" + prefix + ", user=" + user + ", password="
                    + (password == null ? "none" : "***") + "]";
        }
    }
}
