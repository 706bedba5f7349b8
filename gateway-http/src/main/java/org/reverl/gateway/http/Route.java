package org.reverl.gateway.http;

import static java.util.Objects.requireNonNull;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.Locale;
import java.util.regex.Pattern;
import org.reverl.gateway.api.Checks;

/**
 * One rule of a {@link Router}: which requests go to which pool. A request matches when every matcher the route has
 * matches; a route without matchers matches every request.
 *
 * <ul>
 *   <li>{@code host}: the request's {@code Host} (for HTTP/2 its {@code :authority}), without its port and a trailing
 *       dot, compared case-insensitively. Exact ({@code www.example.com}), or a suffix wildcard
 *       ({@code *.example.com}) that matches any name ending in {@code .example.com} with at least one character
 *       before it, but not {@code example.com} itself.
 *   <li>{@code path}: a prefix of the request's path, segment-aware and case-sensitive: {@code /api} matches
 *       {@code /api}, {@code /api/}, {@code /api/users} and {@code /api?q=1}, but not {@code /apis}; a prefix ending
 *       in {@code /} ({@code /api/}) matches what starts with it. {@code /} matches every path. The path is compared
 *       as received (no percent-decoding, no dot-segment removal).
 *   <li>{@code method}: the request method, exactly ({@code GET}).
 *   <li>{@code header}: a field whose name (case-insensitive) has exactly this value (case-sensitive); any one of
 *       the field's lines may carry it.
 * </ul>
 *
 * <p>Immutable and thread-safe. Matching allocates nothing.
 *
 * @since 0.3
 */
public final class Route {

    private static final Pattern HOST_NAME =
            Pattern.compile("[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*|\\[[0-9a-f:.]+\\]");
    private static final Pattern METHOD = Pattern.compile("[A-Z][A-Z0-9_-]*");
    private static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
    private static final Pattern PATH = Pattern.compile("/[\\x21-\\x7e&&[^?#]]*");

    private final String host;
    /** {@code host} is {@code *.suffix}: then {@link #hostTail} is {@code .suffix}. */
    private final boolean wildcard;

    private final String hostTail;
    private final String path;
    private final String method;
    private final AsciiString headerName;
    private final String headerValue;
    private final String pool;

    private Route(Builder b) {
        this.host = b.host;
        this.wildcard = b.host != null && b.host.startsWith("*.");
        this.hostTail = wildcard ? b.host.substring(1) : b.host;
        this.path = b.path;
        this.method = b.method;
        this.headerName = b.headerName == null ? null : AsciiString.cached(b.headerName.toLowerCase(Locale.ROOT));
        this.headerValue = b.headerValue;
        this.pool = b.pool;
    }

    /** A new builder; {@link Builder#pool} is required. */
    public static Builder builder() {
        return new Builder();
    }

    /** The host matcher in lower case ({@code www.example.com} or {@code *.example.com}), or {@code null}. */
    public String host() {
        return host;
    }

    /** The path prefix, or {@code null}. */
    public String path() {
        return path;
    }

    /** The method, or {@code null}. */
    public String method() {
        return method;
    }

    /** The header name in lower case, or {@code null}. */
    public String headerName() {
        return headerName == null ? null : headerName.toString();
    }

    /** The header value, or {@code null}. */
    public String headerValue() {
        return headerValue;
    }

    /** The pool the matching requests go to. */
    public String pool() {
        return pool;
    }

    /** Whether the route has no matcher: it matches every request. */
    public boolean matchesAll() {
        return host == null && path == null && method == null && headerName == null;
    }

    /**
     * Whether a request matches.
     *
     * @param method the request method
     * @param authority the {@code Host} field value, with or without a port; {@code null} when the request has none
     * @param uri the request target in origin form ({@code /path?query})
     * @param headers the request's fields
     */
    public boolean matches(String method, CharSequence authority, String uri, HttpHeaders headers) {
        return matches(method, authority, authority == null ? 0 : hostEnd(authority), uri, headers);
    }

    /** As above, with where the host ends in {@code authority} found once for every route ({@link #hostEnd}). */
    boolean matches(String method, CharSequence authority, int hostEnd, String uri, HttpHeaders headers) {
        return (this.method == null || this.method.equals(method))
                && (host == null || authority != null && hostMatches(authority, hostEnd))
                && (path == null || pathMatches(path, uri))
                && (headerName == null || headers.contains(headerName, headerValue, false));
    }

    private boolean hostMatches(CharSequence authority, int end) {
        int tail = hostTail.length();
        if (wildcard ? end <= tail : end != tail) {
            return false;
        }
        int offset = end - tail;
        for (int i = 0; i < tail; i++) {
            char c = authority.charAt(offset + i);
            if (c >= 'A' && c <= 'Z') {
                c = (char) (c + ('a' - 'A'));
            }
            if (c != hostTail.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** Where the host ends in {@code authority}: before the port, and before a trailing dot. */
    static int hostEnd(CharSequence authority) {
        int n = authority.length();
        int end = n;
        if (n > 0 && authority.charAt(0) == '[') {
            for (int i = 1; i < n; i++) {
                if (authority.charAt(i) == ']') {
                    return i + 1;
                }
            }
            return n;
        }
        for (int i = 0; i < n; i++) {
            if (authority.charAt(i) == ':') {
                end = i;
                break;
            }
        }
        if (end > 0 && authority.charAt(end - 1) == '.') {
            end--;
        }
        return end;
    }

    /** The segment-aware prefix rule of {@code prefix} against {@code uri} (a path, with or without a query). */
    static boolean pathMatches(String prefix, String uri) {
        if (!uri.startsWith(prefix)) {
            return false;
        }
        int n = prefix.length();
        if (n == uri.length() || prefix.charAt(n - 1) == '/') {
            return true;
        }
        char next = uri.charAt(n);
        return next == '/' || next == '?';
    }

    /**
     * Whether every request that {@code later} matches is matched by this route too: placed after this one, {@code
     * later} could never match.
     */
    public boolean covers(Route later) {
        return (method == null || method.equals(later.method))
                && (headerName == null
                        || headerName.contentEqualsIgnoreCase(later.headerName)
                                && headerValue.equals(later.headerValue))
                && (path == null || later.path != null && pathMatches(path, later.path))
                && (host == null || later.host != null && hostCovers(later));
    }

    private boolean hostCovers(Route later) {
        if (!wildcard) {
            return !later.wildcard && host.equals(later.host);
        }
        // *.example.com covers www.example.com, *.eu.example.com and *.example.com
        return later.host.endsWith(hostTail) && later.host.length() > hostTail.length();
    }

    /** The matchers as configured, e.g. {@code host *.example.com, path /api}; {@code any request} without one. */
    public String describe() {
        StringBuilder s = new StringBuilder();
        if (host != null) {
            s.append("host ").append(host);
        }
        if (path != null) {
            s.append(s.length() > 0 ? ", " : "").append("path ").append(path);
        }
        if (method != null) {
            s.append(s.length() > 0 ? ", " : "").append("method ").append(method);
        }
        if (headerName != null) {
            s.append(s.length() > 0 ? ", " : "")
                    .append("header ")
                    .append(headerName)
                    .append(": ")
                    .append(headerValue);
        }
        return s.length() == 0 ? "any request" : s.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Route && toString().equals(o.toString());
    }

    @Override
    public int hashCode() {
        return toString().hashCode();
    }

    @Override
    public String toString() {
        return describe() + " -> " + pool;
    }

    /** Builds a {@link Route}; each setter checks its value. Not thread-safe. */
    public static final class Builder {
        private String host;
        private String path;
        private String method;
        private String headerName;
        private String headerValue;
        private String pool;

        private Builder() {}

        /**
         * Matches the {@code Host}: a name or an IP literal ({@code [::1]} for IPv6), or {@code *.} and a name.
         *
         * @throws IllegalArgumentException naming the value and what was expected
         */
        public Builder host(String host) {
            requireNonNull(host, "host");
            String h = host.toLowerCase(Locale.ROOT);
            String name = h.startsWith("*.") ? h.substring(2) : h;
            if (!HOST_NAME.matcher(name).matches() || name.startsWith("[") && h.startsWith("*.")) {
                throw new IllegalArgumentException(Checks.message(
                        "host",
                        '"' + host + '"',
                        "a host name such as www.example.com, a suffix wildcard such as *.example.com, or an IP"
                                + " literal; without a port"));
            }
            this.host = h;
            return this;
        }

        /**
         * Matches a path prefix: starts with {@code /}, no query, no spaces.
         *
         * @throws IllegalArgumentException naming the value and what was expected
         */
        public Builder path(String prefix) {
            requireNonNull(prefix, "path");
            if (!PATH.matcher(prefix).matches()) {
                throw new IllegalArgumentException(Checks.message(
                        "path", '"' + prefix + '"', "a path prefix starting with /, without ? or #, such as /api"));
            }
            this.path = prefix;
            return this;
        }

        /**
         * Matches a method, e.g. {@code GET}.
         *
         * @throws IllegalArgumentException naming the value and what was expected
         */
        public Builder method(String method) {
            requireNonNull(method, "method");
            if (!METHOD.matcher(method).matches()) {
                throw new IllegalArgumentException(
                        Checks.message("method", '"' + method + '"', "a method in upper case, such as GET"));
            }
            this.method = method;
            return this;
        }

        /**
         * Matches a field with exactly this value.
         *
         * @throws IllegalArgumentException naming the value and what was expected
         */
        public Builder header(String name, String value) {
            requireNonNull(name, "name");
            requireNonNull(value, "value");
            if (!HEADER_NAME.matcher(name).matches()) {
                throw new IllegalArgumentException(
                        Checks.message("header.name", '"' + name + '"', "a field name such as X-Canary"));
            }
            this.headerName = name;
            this.headerValue = value;
            return this;
        }

        /** The pool the matching requests go to. */
        public Builder pool(String pool) {
            this.pool = Checks.notBlank("pool", requireNonNull(pool, "pool"));
            return this;
        }

        /**
         * Builds the route.
         *
         * @throws IllegalStateException if no pool was set
         */
        public Route build() {
            if (pool == null) {
                throw new IllegalStateException("pool: missing (expected: the name of a pool)");
            }
            return new Route(this);
        }
    }
}
