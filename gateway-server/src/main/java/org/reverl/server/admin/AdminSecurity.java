package org.reverl.server.admin;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;

/**
 * Who may do what on the admin port: exact allow-lists, no prefix matches.
 *
 * <ul>
 *   <li><b>Host</b> (against DNS rebinding): exactly the names the port is reached by. On a loopback address: {@code
 *       127.0.0.1}, {@code [::1]} and {@code localhost}; on another address: that address (every local interface's
 *       address for the wildcard); plus the names in {@code admin.hosts}. A port, when given, must be the admin
 *       port. Anything else is 403, so a web page whose own name was re-bound to 127.0.0.1 gets nothing. Not checked
 *       for {@code /healthz} and {@code /readyz} (they tell nothing, and orchestrators probe by IP) nor on a Unix
 *       socket (no browser reaches one).
 *   <li><b>Mutations</b> ({@code POST}, {@code PUT}, {@code PATCH}): {@code Content-Type: application/json} only, so
 *       a browser must ask a CORS preflight first, which this port never grants; form and text posts, which browsers
 *       send cross-site without asking, are 415. An {@code Origin}, when sent, must be this port's own
 *       ({@code http(s)://<accepted host>[:port]}), else 403.
 *   <li><b>Token</b>: {@code Authorization: Bearer <token>} when one is configured, compared in constant time.
 * </ul>
 *
 * <p>Immutable and thread-safe.
 */
final class AdminSecurity {

    private static final java.util.List<String> LOOPBACK_NAMES = java.util.List.of("127.0.0.1", "::1", "localhost");

    private final boolean unixSocket;
    private final boolean tls;
    private final int port;
    private final Set<String> names;
    private final byte[] tokenDigest;

    private AdminSecurity(boolean unixSocket, boolean tls, int port, Set<String> names, String token) {
        this.unixSocket = unixSocket;
        this.tls = tls;
        this.port = port;
        this.names = Collections.unmodifiableSet(names);
        this.tokenDigest = token == null ? null : sha256(token);
    }

    /** The rules for settings bound to {@code bound} ({@code null} for a Unix socket). */
    static AdminSecurity of(AdminSettings settings, InetSocketAddress bound) {
        Set<String> names = new LinkedHashSet<>();
        if (bound != null) {
            InetAddress a = bound.getAddress();
            if (a.isLoopbackAddress()) {
                names.addAll(LOOPBACK_NAMES);
            } else if (a.isAnyLocalAddress()) {
                names.addAll(LOOPBACK_NAMES);
                names.addAll(interfaceAddresses());
            } else {
                names.add(a.getHostAddress().toLowerCase(Locale.ROOT));
            }
        }
        names.addAll(settings.hosts());
        return new AdminSecurity(
                settings.isUnixSocket(),
                settings.tls() != null,
                bound == null ? 0 : bound.getPort(),
                names,
                settings.token());
    }

    private static Set<String> interfaceAddresses() {
        Set<String> out = new LinkedHashSet<>();
        try {
            for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                for (InetAddress a : Collections.list(nif.getInetAddresses())) {
                    String s = a.getHostAddress();
                    int zone = s.indexOf('%');
                    out.add((zone >= 0 ? s.substring(0, zone) : s).toLowerCase(Locale.ROOT));
                }
            }
        } catch (SocketException e) {
            // no interface list: only the configured names
        }
        return out;
    }

    /** The names a {@code Host} header may carry. */
    Set<String> names() {
        return names;
    }

    /** 403 unless {@code host} (the {@code Host} header) names this port exactly. */
    void checkHost(String host) {
        if (unixSocket) {
            return;
        }
        if (host == null || !accepts(host)) {
            throw new ApiError(
                    403,
                    "Host: " + (host == null ? "missing" : ApiError.abbreviate(host))
                            + " (expected: one of " + names + (port > 0 ? " with port " + port + " or none" : "")
                            + "; add other names to admin.hosts)");
        }
    }

    private boolean accepts(String hostHeader) {
        String h = hostHeader.trim().toLowerCase(Locale.ROOT);
        String name;
        String portText = null;
        if (h.startsWith("[")) {
            int end = h.indexOf(']');
            if (end < 0) {
                return false;
            }
            name = h.substring(1, end);
            String rest = h.substring(end + 1);
            if (!rest.isEmpty()) {
                if (!rest.startsWith(":")) {
                    return false;
                }
                portText = rest.substring(1);
            }
        } else {
            int colon = h.indexOf(':');
            if (colon >= 0 && h.indexOf(':', colon + 1) >= 0) {
                return false; // an IPv6 literal must be in brackets
            }
            name = colon < 0 ? h : h.substring(0, colon);
            portText = colon < 0 ? null : h.substring(colon + 1);
        }
        if (portText != null && !portText.equals(Integer.toString(port))) {
            return false;
        }
        return names.contains(name);
    }

    /** For POST, PUT and PATCH: JSON only, and no foreign {@code Origin}. */
    void checkMutation(String method, String contentType, String origin) {
        if (!(method.equals("POST") || method.equals("PUT") || method.equals("PATCH") || method.equals("DELETE"))) {
            return;
        }
        if (origin != null && !sameOrigin(origin)) {
            throw new ApiError(
                    403,
                    "Origin: " + ApiError.abbreviate(origin) + " (expected: none, or this port's own, e.g. "
                            + (tls ? "https" : "http") + "://127.0.0.1:" + port + ")");
        }
        if (method.equals("DELETE")) {
            return; // never a "simple" request: a browser always asks a preflight first
        }
        if (contentType == null
                || !contentType.toLowerCase(Locale.ROOT).strip().matches("application/json\\s*(;.*)?")) {
            throw new ApiError(
                    415,
                    "Content-Type: " + (contentType == null ? "none" : ApiError.abbreviate(contentType))
                            + " (expected: application/json, also for an empty body)");
        }
    }

    private boolean sameOrigin(String origin) {
        if (unixSocket) {
            return false; // no web page is served from a socket file
        }
        String o = origin.trim().toLowerCase(Locale.ROOT);
        String scheme = tls ? "https://" : "http://";
        return o.startsWith(scheme) && accepts(o.substring(scheme.length()));
    }

    /** 401 unless the token is configured and sent, or none is configured. */
    void authenticate(String authorization) {
        if (tokenDigest == null) {
            return;
        }
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw new ApiError(401, "missing bearer token (expected: Authorization: Bearer <token>)");
        }
        // digests of equal length, compared in constant time: neither the token nor its length leaks through timing
        if (!MessageDigest.isEqual(
                tokenDigest, sha256(authorization.substring(7).trim()))) {
            throw new ApiError(401, "wrong bearer token");
        }
    }

    boolean requiresToken() {
        return tokenDigest != null;
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e); // every JDK has SHA-256
        }
    }

    @Override
    public String toString() {
        return "AdminSecurity{names=" + names + ", port=" + port + ", token=" + (tokenDigest != null) + "}";
    }
}
