package org.reverl.server.admin;

import static java.util.Objects.requireNonNull;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.reverl.gateway.api.Checks;

/**
 * Where the admin API listens and the bearer token it requires.
 *
 * <p>On a loopback address the token is optional: only local users can reach the port. On any other address (the
 * wildcard {@code 0.0.0.0} included) a token is required, and settings without one are refused, so the API is never
 * open to the network by accident.
 *
 * <p>Immutable. {@link #toString()} does not show the token.
 *
 * @param listen the address to listen on; port 0 picks a free port
 * @param token the bearer token clients must send ({@code Authorization: Bearer <token>}), or {@code null} for none;
 *     {@value #MIN_TOKEN_LENGTH} to 512 characters of {@code [A-Za-z0-9-._~+/=]}
 * @param maxBodyBytes the largest request body accepted; larger ones get 413
 * @param prometheus whether {@code GET /metrics} serves the Prometheus text format (404 otherwise)
 */
public record AdminSettings(InetSocketAddress listen, String token, int maxBodyBytes, boolean prometheus) {

    /** The default port: {@code 127.0.0.1:8081}. */
    public static final int DEFAULT_PORT = 8081;
    /** The shortest token accepted. */
    public static final int MIN_TOKEN_LENGTH = 16;
    /** The default {@link #maxBodyBytes()}: 64 KiB. */
    public static final int DEFAULT_MAX_BODY_BYTES = 64 * 1024;

    /** Validates. */
    public AdminSettings {
        requireNonNull(listen, "listen");
        Checks.inRange("admin max body bytes", maxBodyBytes, 1024, 16 << 20);
        if (token != null) {
            checkToken(token);
        } else if (!isLoopback(listen)) {
            throw new IllegalArgumentException(Checks.message(
                    "admin token",
                    "none for " + hostPort(listen),
                    "a token when the admin API listens on a non-loopback address, or a loopback address such as"
                            + " 127.0.0.1"));
        }
    }

    /** {@code 127.0.0.1:8081}, no token. */
    public static AdminSettings defaults() {
        return new AdminSettings(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), DEFAULT_PORT),
                null,
                DEFAULT_MAX_BODY_BYTES,
                true);
    }

    /** Listens on {@code listen}, with {@code token} ({@code null} for none). */
    public static AdminSettings of(InetSocketAddress listen, String token) {
        return new AdminSettings(listen, token, DEFAULT_MAX_BODY_BYTES, true);
    }

    /** A copy with this body limit. */
    public AdminSettings withMaxBodyBytes(int maxBodyBytes) {
        return maxBodyBytes == this.maxBodyBytes ? this : new AdminSettings(listen, token, maxBodyBytes, prometheus);
    }

    /** A copy that serves (or not) the Prometheus endpoint. */
    public AdminSettings withPrometheus(boolean prometheus) {
        return prometheus == this.prometheus ? this : new AdminSettings(listen, token, maxBodyBytes, prometheus);
    }

    /** Whether clients must send the token. */
    public boolean requiresToken() {
        return token != null;
    }

    static boolean isLoopback(InetSocketAddress a) {
        return !a.isUnresolved() && a.getAddress().isLoopbackAddress();
    }

    static String hostPort(InetSocketAddress a) {
        String host = a.isUnresolved() ? a.getHostString() : a.getAddress().getHostAddress();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
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
        return "AdminSettings[listen=" + hostPort(listen) + ", token=" + (token == null ? "none" : "<hidden>")
                + ", maxBodyBytes=" + maxBodyBytes + "]";
    }
}
