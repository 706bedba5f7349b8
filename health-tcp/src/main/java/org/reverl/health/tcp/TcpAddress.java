package org.reverl.health.tcp;

import static java.util.Objects.requireNonNull;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.reverl.gateway.api.Checks;

/**
 * Where the {@code tcp} probe connects: parsed strictly from a backend address, {@code tcp://host:port}, {@code
 * http://host:port} (an optional trailing {@code /}) or {@code host:port}. {@code host} is a DNS name, an IPv4 literal
 * or a bracketed IPv6 literal ({@code [::1]:8080}); the port is required. Immutable.
 */
record TcpAddress(String host, int port) {

    static final String EXPECTED = "tcp://host:port, http://host:port or host:port";

    private static final Pattern ADDRESS = Pattern.compile(
            "(?:(tcp|http)://)?(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?):([0-9]{1,5})(/?)");
    private static final Pattern IPV4 = Pattern.compile(
            "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}");

    TcpAddress {
        requireNonNull(host, "host");
        Checks.inRange("port", port, 1, 65535);
    }

    /** Parses {@code address}, or throws {@link IllegalArgumentException} naming it and the accepted forms. */
    static TcpAddress parse(String address) {
        Matcher m = ADDRESS.matcher(requireNonNull(address, "address"));
        if (!m.matches() || (!m.group(4).isEmpty() && !"http".equals(m.group(1)))) {
            throw new IllegalArgumentException(Checks.message("address", "'" + address + "'", EXPECTED));
        }
        String host = m.group(2);
        if (host.startsWith("[")) {
            host = host.substring(1, host.length() - 1);
        }
        int port = Integer.parseInt(m.group(3));
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException(
                    Checks.message("address", "'" + address + "'", EXPECTED + " with port 1-65535"));
        }
        return new TcpAddress(host, port);
    }

    /** Whether {@code host} is an IP literal, which needs no DNS lookup. */
    boolean isLiteral() {
        return host.indexOf(':') >= 0 || IPV4.matcher(host).matches();
    }

    @Override
    public String toString() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
