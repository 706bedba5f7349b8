package org.reverl.gateway.api;

import static java.util.Objects.requireNonNull;

import java.util.Arrays;
import java.util.Collection;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where a backend lives, parsed once: a scheme and either a network location (host and port) or, for the schemes that
 * name something on this machine, a value.
 *
 * <table>
 *   <caption>Forms</caption>
 *   <tr><th>text</th><th>scheme</th><th>parts</th></tr>
 *   <tr><td>{@code http://10.0.0.5:8080} (an optional trailing {@code /})</td><td>{@code http}</td><td>host, port</td></tr>
 *   <tr><td>{@code https://web.example:8443}</td><td>{@code https}</td><td>host, port</td></tr>
 *   <tr><td>{@code tcp://[::1]:9000}</td><td>{@code tcp}</td><td>host (without brackets), port</td></tr>
 *   <tr><td>{@code 10.0.0.5:8080}</td><td>the caller's default</td><td>host, port</td></tr>
 *   <tr><td>{@code local:b1}</td><td>{@code local}</td><td>value {@code b1}: an in-process backend</td></tr>
 *   <tr><td>{@code pid:1234}</td><td>{@code pid}</td><td>value {@code 1234}: an OS process</td></tr>
 *   <tr><td>{@code pidfile:/run/app.pid}</td><td>{@code pidfile}</td><td>value: the path of a pid file</td></tr>
 * </table>
 *
 * <p>A host is a DNS name ({@code [A-Za-z0-9_]} labels with inner {@code -}, dot-separated), an IPv4 literal or an IPv6
 * literal, which is written in brackets and kept without them. Ports are 1-65535; no user info, path, query or fragment.
 * {@link #toString()} gives the canonical text ({@code http://[::1]:8080}), which {@link #parse} reads back to an equal
 * value.
 *
 * <p>Errors name the text, what was wrong and the accepted forms, in {@link Checks}' format, e.g. {@code address:
 * '10.0.0.1:99999' (expected: port 1-65535)}.
 *
 * <p>Immutable and thread-safe.
 *
 * @since 0.2
 */
public final class BackendAddress {

    /** How a backend is reached, or what identifies it. */
    public enum Scheme {
        /** HTTP/1.1 over TCP. */
        HTTP("http", true),
        /** HTTP/1.1 over TLS. */
        HTTPS("https", true),
        /** A plain TCP service. */
        TCP("tcp", true),
        /** An in-process backend, by id. */
        LOCAL("local", false),
        /** An OS process, by pid. */
        PID("pid", false),
        /** An OS process, by the pid its pid file holds. */
        PIDFILE("pidfile", false);

        private final String text;
        private final boolean network;

        Scheme(String text, boolean network) {
            this.text = text;
            this.network = network;
        }

        /** The scheme as written, e.g. {@code http}. */
        public String text() {
            return text;
        }

        /** Whether addresses of this scheme have a host and a port. */
        public boolean isNetwork() {
            return network;
        }

        /** The scheme written {@code text}, or {@code null}. */
        static Scheme of(String text) {
            for (Scheme s : values()) {
                if (s.text.equals(text)) {
                    return s;
                }
            }
            return null;
        }
    }

    /** The accepted forms, for error messages. */
    public static final String FORMS =
            "host:port, http://host:port, https://host:port, tcp://host:port, local:<id>, pid:<pid> or pidfile:<path>";

    private static final Pattern NETWORK = Pattern.compile("(?:([a-z]+)://)?(\\[[^\\]]*\\]|[^:/\\[\\]]*):([0-9]*)(/?)");
    private static final Pattern DNS_NAME =
            Pattern.compile("[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?(?:\\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}"
                    + "[A-Za-z0-9_])?)*\\.?");
    private static final Pattern IPV4 = Pattern.compile(
            "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");
    private static final Pattern LOCAL_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,63}");

    private final Scheme scheme;
    private final String host;
    private final int port;
    private final String value;

    private BackendAddress(Scheme scheme, String host, int port, String value) {
        this.scheme = scheme;
        this.host = host;
        this.port = port;
        this.value = value;
    }

    /**
     * A network address.
     *
     * @throws IllegalArgumentException if {@code scheme} is not a network scheme, the host is not a DNS name or IP
     *     literal, or the port is not 1-65535
     */
    public static BackendAddress of(Scheme scheme, String host, int port) {
        requireNonNull(scheme, "scheme");
        requireNonNull(host, "host");
        if (!scheme.isNetwork()) {
            throw new IllegalArgumentException(
                    Checks.message("scheme", scheme.text(), "a network scheme: http, https or tcp"));
        }
        String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        String why = hostProblem(h);
        if (why != null) {
            throw new IllegalArgumentException(Checks.message("host", "'" + host + "'", why));
        }
        Checks.inRange("port", port, 1, 65535);
        return new BackendAddress(scheme, h, port, null);
    }

    /** Parses {@code text}; a bare {@code host:port} is {@code http}. */
    public static BackendAddress parse(String text) {
        return parse(text, Scheme.HTTP);
    }

    /**
     * Parses {@code text}; a bare {@code host:port} gets {@code defaultScheme}.
     *
     * @throws InvalidAddressException naming the text, what is wrong with it and the accepted forms
     */
    public static BackendAddress parse(String text, Scheme defaultScheme) {
        requireNonNull(text, "address");
        requireNonNull(defaultScheme, "defaultScheme");
        if (!defaultScheme.isNetwork()) {
            throw new IllegalArgumentException(
                    Checks.message("default scheme", defaultScheme.text(), "a network scheme: http, https or tcp"));
        }
        String t = text.strip();
        int colon = t.indexOf(':');
        if (colon > 0 && !t.startsWith("[") && !t.regionMatches(colon, "://", 0, 3)) {
            Scheme s = Scheme.of(t.substring(0, colon).toLowerCase(Locale.ROOT));
            if (s != null && !s.isNetwork()) {
                return opaque(text, s, t.substring(colon + 1));
            }
        }
        Matcher m = NETWORK.matcher(t);
        if (!m.matches()) {
            throw bad(text, FORMS);
        }
        Scheme scheme = defaultScheme;
        if (m.group(1) != null) {
            scheme = Scheme.of(m.group(1));
            if (scheme == null || !scheme.isNetwork()) {
                throw bad(text, "a scheme of http, https or tcp before ://");
            }
        }
        if (!m.group(4).isEmpty() && scheme == Scheme.TCP) {
            throw bad(text, "no path after a tcp address");
        }
        String host = m.group(2);
        if (host.startsWith("[")) {
            host = host.substring(1, host.length() - 1);
            if (!IPV6.matcher(host).matches()) {
                throw bad(text, "an IPv6 literal between the brackets");
            }
        } else {
            String why = hostProblem(host);
            if (why != null) {
                throw bad(text, why);
            }
        }
        String digits = m.group(3);
        if (digits.isEmpty()
                || digits.length() > 5
                || Integer.parseInt(digits) < 1
                || Integer.parseInt(digits) > 65535) {
            throw bad(text, "port 1-65535");
        }
        return new BackendAddress(scheme, host, Integer.parseInt(digits), null);
    }

    private static BackendAddress opaque(String text, Scheme scheme, String value) {
        switch (scheme) {
            case LOCAL:
                if (!LOCAL_ID.matcher(value).matches()) {
                    throw bad(text, "local:<id> with an id of 1-64 characters of [A-Za-z0-9._:-]");
                }
                break;
            case PID:
                if (!value.matches("[1-9][0-9]{0,17}")) {
                    throw bad(text, "pid:<pid> with a positive decimal pid");
                }
                break;
            default: // PIDFILE
                if (value.isBlank() || value.indexOf('\0') >= 0) {
                    throw bad(text, "pidfile:<path> with a path");
                }
                break;
        }
        return new BackendAddress(scheme, null, -1, value);
    }

    /** Why {@code host} is not a DNS name or IP literal, or {@code null} if it is one. */
    private static String hostProblem(String host) {
        if (host.isEmpty()) {
            return "a host before the port";
        }
        if (host.indexOf(':') >= 0) {
            return IPV6.matcher(host).matches() ? null : "an IPv6 literal";
        }
        if (host.chars().allMatch(c -> c == '.' || (c >= '0' && c <= '9'))) {
            return IPV4.matcher(host).matches() ? null : "an IPv4 literal of four numbers 0-255";
        }
        return host.length() <= 253 && DNS_NAME.matcher(host).matches()
                ? null
                : "a host name of letters, digits, '-', '_' and '.', an IPv4 literal or a bracketed IPv6 literal";
    }

    private static InvalidAddressException bad(String text, String expected) {
        return new InvalidAddressException(text, expected);
    }

    /**
     * A text that is not a backend address: {@code address: '<text>' (expected: <rule>)}, with the text and the rule
     * available apart so that callers can name the field they came from.
     */
    public static final class InvalidAddressException extends IllegalArgumentException {

        private static final long serialVersionUID = 1L;

        private final String text;
        private final String expected;

        InvalidAddressException(String text, String expected) {
            super(Checks.message("address", "'" + abbreviate(text) + "'", expected));
            this.text = text;
            this.expected = expected;
        }

        private static String abbreviate(String text) {
            return text.length() <= 200 ? text : text.substring(0, 197) + "...";
        }

        /** The text that was given. */
        public String text() {
            return text;
        }

        /** What was expected instead, e.g. {@code port 1-65535}. */
        public String expected() {
            return expected;
        }
    }

    /** The scheme. */
    public Scheme scheme() {
        return scheme;
    }

    /** Whether this is a network address (host and port). */
    public boolean isNetwork() {
        return scheme.isNetwork();
    }

    /**
     * The host, without IPv6 brackets.
     *
     * @throws IllegalStateException if this is not a network address
     */
    public String host() {
        requireNetwork();
        return host;
    }

    /**
     * The port, 1-65535.
     *
     * @throws IllegalStateException if this is not a network address
     */
    public int port() {
        requireNetwork();
        return port;
    }

    /**
     * The value of a {@code local:}, {@code pid:} or {@code pidfile:} address (the id, the pid, the path).
     *
     * @throws IllegalStateException if this is a network address
     */
    public String value() {
        if (isNetwork()) {
            throw new IllegalStateException("address " + this + " is a network address: it has a host and a port");
        }
        return value;
    }

    /** Whether the host is an IP literal, which needs no DNS lookup. */
    public boolean isIpLiteral() {
        requireNetwork();
        return host.indexOf(':') >= 0 || IPV4.matcher(host).matches();
    }

    /** {@code host:port}, IPv6 in brackets: the authority. */
    public String hostPort() {
        requireNetwork();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ':' + port;
    }

    /** The same host and port with another network scheme. */
    public BackendAddress withScheme(Scheme other) {
        requireNetwork();
        return other == scheme ? this : of(other, host, port);
    }

    /**
     * Throws unless the scheme is one of {@code allowed}: {@code <what>: '<address>' (expected: one of [...])}.
     *
     * @return this
     */
    public BackendAddress requireScheme(String what, Collection<Scheme> allowed) {
        if (!allowed.contains(scheme)) {
            StringBuilder forms = new StringBuilder();
            for (Scheme s : allowed) {
                forms.append(forms.length() == 0 ? "" : ", ")
                        .append(s.text())
                        .append(s.isNetwork() ? "://host:port" : ":...");
            }
            throw new IllegalArgumentException(Checks.message(what, "'" + this + "'", "an address " + forms));
        }
        return this;
    }

    /** {@link #requireScheme(String, Collection)} with an array. */
    public BackendAddress requireScheme(String what, Scheme... allowed) {
        return requireScheme(what, Arrays.asList(allowed));
    }

    private void requireNetwork() {
        if (!isNetwork()) {
            throw new IllegalStateException("address " + this + " has no host and port (scheme " + scheme.text() + ")");
        }
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof BackendAddress)) {
            return false;
        }
        BackendAddress a = (BackendAddress) o;
        return scheme == a.scheme
                && port == a.port
                && java.util.Objects.equals(
                        host == null ? null : host.toLowerCase(Locale.ROOT),
                        a.host == null ? null : a.host.toLowerCase(Locale.ROOT))
                && java.util.Objects.equals(value, a.value);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(scheme, host == null ? null : host.toLowerCase(Locale.ROOT), port, value);
    }

    /** The canonical text: {@code http://host:port}, {@code tcp://[::1]:9000}, {@code local:b1}, {@code pid:1234}. */
    @Override
    public String toString() {
        return isNetwork() ? scheme.text() + "://" + hostPort() : scheme.text() + ':' + value;
    }
}
