package org.reverl.server.admin;

import static java.util.Objects.requireNonNull;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.reverl.gateway.api.BackendAddress;
import org.reverl.gateway.api.Checks;
import org.reverl.gateway.http.TlsSettings;

/**
 * Where the admin API listens, who may use it, and how long it waits for a client.
 *
 * <p>It listens on a TCP address or on a Unix domain socket ({@code admin.address: unix:/run/reverl/admin.sock}, file
 * mode 0600, like HAProxy's stats socket: the file system decides who may connect). On a loopback address the token
 * is optional: only local users can reach the port. On any other address (the wildcard {@code 0.0.0.0} included) a
 * token is required, and settings without one are refused, so the API is never open to the network by accident; TLS
 * ({@link #tls()}) keeps the token off the wire there.
 *
 * <p>Immutable. {@link #toString()} does not show the token.
 *
 * @param listen the TCP address to listen on (port 0 picks a free port), or {@code null} with {@code unixSocket}
 * @param unixSocket the path of a Unix domain socket to listen on instead, or {@code null}
 * @param token the bearer token clients must send ({@code Authorization: Bearer <token>}), or {@code null} for none;
 *     {@value #MIN_TOKEN_LENGTH} to 512 characters of {@code [A-Za-z0-9-._~+/=]}
 * @param maxBodyBytes the largest request body accepted; larger ones get 413
 * @param prometheus whether {@code GET /metrics} serves the Prometheus text format (404 otherwise)
 * @param hosts names besides the loopback ones that the {@code Host} header may carry (DNS names or IP literals,
 *     lower case); every other {@code Host} gets 403
 * @param tls the certificate to serve the admin port over HTTPS with, or {@code null} for plain HTTP
 * @param requestTimeout how long a client may take to send a whole request once it started; then the connection is
 *     closed
 * @param idleTimeout how long a connection may stay idle between requests; then it is closed
 */
public record AdminSettings(
        InetSocketAddress listen,
        Path unixSocket,
        String token,
        int maxBodyBytes,
        boolean prometheus,
        List<String> hosts,
        TlsSettings tls,
        Duration requestTimeout,
        Duration idleTimeout) {

    /** The default port: {@code 127.0.0.1:8081}. */
    public static final int DEFAULT_PORT = 8081;
    /** The shortest token accepted. */
    public static final int MIN_TOKEN_LENGTH = 16;
    /** The default {@link #maxBodyBytes()}: 64 KiB. */
    public static final int DEFAULT_MAX_BODY_BYTES = 64 * 1024;
    /** The default {@link #requestTimeout()}. */
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(10);
    /** The default {@link #idleTimeout()}. */
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(60);

    /** Validates and copies. */
    public AdminSettings {
        if ((listen == null) == (unixSocket == null)) {
            throw new IllegalArgumentException(Checks.message(
                    "admin address", listen == null ? "none" : "both", "a TCP address or a Unix socket path"));
        }
        Checks.inRange("admin max body bytes", maxBodyBytes, 1024, 16 << 20);
        List<String> names = new ArrayList<>();
        for (String h : requireNonNull(hosts, "hosts")) {
            names.add(checkHost(h));
        }
        hosts = List.copyOf(names);
        Checks.positive("admin request timeout", requestTimeout);
        Checks.positive("admin idle timeout", idleTimeout);
        if (token != null) {
            checkToken(token);
        } else if (listen != null && !isLoopback(listen)) {
            throw new IllegalArgumentException(Checks.message(
                    "admin token",
                    "none for " + hostPort(listen),
                    "a token when the admin API listens on a non-loopback address, or a loopback address such as"
                            + " 127.0.0.1"));
        }
    }

    /** {@code 127.0.0.1:8081}, no token. */
    public static AdminSettings defaults() {
        return of(new InetSocketAddress(InetAddress.getLoopbackAddress(), DEFAULT_PORT), null);
    }

    /** Listens on {@code listen}, with {@code token} ({@code null} for none). */
    public static AdminSettings of(InetSocketAddress listen, String token) {
        return new AdminSettings(
                requireNonNull(listen, "listen"),
                null,
                token,
                DEFAULT_MAX_BODY_BYTES,
                true,
                List.of(),
                null,
                DEFAULT_REQUEST_TIMEOUT,
                DEFAULT_IDLE_TIMEOUT);
    }

    /** Listens on a Unix domain socket at {@code path} (mode 0600), with {@code token} ({@code null} for none). */
    public static AdminSettings unix(Path path, String token) {
        return new AdminSettings(
                null,
                requireNonNull(path, "path"),
                token,
                DEFAULT_MAX_BODY_BYTES,
                true,
                List.of(),
                null,
                DEFAULT_REQUEST_TIMEOUT,
                DEFAULT_IDLE_TIMEOUT);
    }

    /** A copy with this body limit. */
    public AdminSettings withMaxBodyBytes(int maxBodyBytes) {
        return new AdminSettings(
                listen, unixSocket, token, maxBodyBytes, prometheus, hosts, tls, requestTimeout, idleTimeout);
    }

    /** A copy that serves (or not) the Prometheus endpoint. */
    public AdminSettings withPrometheus(boolean prometheus) {
        return new AdminSettings(
                listen, unixSocket, token, maxBodyBytes, prometheus, hosts, tls, requestTimeout, idleTimeout);
    }

    /** A copy that also accepts these {@code Host} names. */
    public AdminSettings withHosts(List<String> hosts) {
        return new AdminSettings(
                listen, unixSocket, token, maxBodyBytes, prometheus, hosts, tls, requestTimeout, idleTimeout);
    }

    /** A copy served over HTTPS with {@code tls} ({@code null}: plain HTTP). */
    public AdminSettings withTls(TlsSettings tls) {
        return new AdminSettings(
                listen, unixSocket, token, maxBodyBytes, prometheus, hosts, tls, requestTimeout, idleTimeout);
    }

    /** A copy with these client timeouts. */
    public AdminSettings withTimeouts(Duration requestTimeout, Duration idleTimeout) {
        return new AdminSettings(
                listen, unixSocket, token, maxBodyBytes, prometheus, hosts, tls, requestTimeout, idleTimeout);
    }

    /** Whether clients must send the token. */
    public boolean requiresToken() {
        return token != null;
    }

    /** Whether it listens on a Unix domain socket. */
    public boolean isUnixSocket() {
        return unixSocket != null;
    }

    static boolean isLoopback(InetSocketAddress a) {
        return !a.isUnresolved() && a.getAddress().isLoopbackAddress();
    }

    static String hostPort(InetSocketAddress a) {
        String host = a.isUnresolved() ? a.getHostString() : a.getAddress().getHostAddress();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    /** Checks one {@code admin.hosts} entry: a DNS name or an IP literal (IPv6 with or without brackets). */
    public static String checkHost(String host) {
        requireNonNull(host, "host");
        try {
            BackendAddress a = BackendAddress.of(BackendAddress.Scheme.TCP, host.trim(), 1);
            return a.host().toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    Checks.message("admin host", "'" + host + "'", "a DNS name or an IP literal, without a port"), e);
        }
    }

    /** Checks a token: {@value #MIN_TOKEN_LENGTH} to 512 characters of {@code [A-Za-z0-9-._~+/=]}; the message never shows it. */
    public static void checkToken(String token) {
        boolean ok = token.length() >= MIN_TOKEN_LENGTH && token.length() <= 512;
        for (int i = 0; ok && i < token.length(); i++) {
            char c = token.charAt(i);
            ok = (c >= 'A' && c <= 'Z')
                    || (c >= 'a' && c <= 'z')
                    || (c >= '0' && c <= '9')
                    || "-._~+/=".indexOf(c) >= 0;
        }
        if (!ok) {
            // never echo the token itself
            throw new IllegalArgumentException(Checks.message(
                    "admin token",
                    "<" + token.length() + " characters, hidden>",
                    MIN_TOKEN_LENGTH + "-512 characters of [A-Za-z0-9-._~+/=]"));
        }
    }

    @Override
    public String toString() {
        return "AdminSettings[listen=" + (listen != null ? hostPort(listen) : "unix:" + unixSocket) + ", token="
                + (token == null ? "none" : "<hidden>") + ", maxBodyBytes=" + maxBodyBytes
                + (tls != null ? ", tls" : "") + (hosts.isEmpty() ? "" : ", hosts=" + hosts) + "]";
    }
}
