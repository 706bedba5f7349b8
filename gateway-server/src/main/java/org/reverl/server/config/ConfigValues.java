package org.reverl.server.config;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The value forms shared by the configuration file and the command line, parsed in one place so that a flag and a
 * key accept exactly the same text: {@code host:port} (IPv6 in brackets) and durations ({@code 500ms}, {@code 2s},
 * {@code 1m}, {@code 1h} or ISO-8601 {@code PT2S}). Stateless and thread-safe.
 */
public final class ConfigValues {

    private static final Pattern HOST_PORT = Pattern.compile("(\\[[0-9A-Fa-f:.]+\\]|[^:\\[\\]\\s]+):([0-9]+)");
    private static final Pattern DURATION = Pattern.compile("([0-9]{1,9})(ms|s|m|h)");
    private static final Pattern SIZE = Pattern.compile("([0-9]{1,12})\\s*(B|KiB|MiB|GiB)?");

    private ConfigValues() {}

    /**
     * A {@code host:port} split into its parts.
     *
     * @param host the host, without IPv6 brackets
     * @param port the port, or -1 if the digits do not fit an int; not range-checked
     */
    public record HostPort(String host, int port) {}

    /** Splits {@code host:port}; {@code null} if the text does not have that form. */
    public static HostPort hostPort(String text) {
        Matcher m = HOST_PORT.matcher(text.trim());
        if (!m.matches()) {
            return null;
        }
        int port;
        try {
            port = Integer.parseInt(m.group(2));
        } catch (NumberFormatException e) {
            port = -1;
        }
        String host = m.group(1);
        if (host.startsWith("[")) {
            host = host.substring(1, host.length() - 1);
        }
        return new HostPort(host, port);
    }

    /** {@code host:port} as written in the configuration (IPv6 in brackets), from an address's host string. */
    public static String format(InetSocketAddress a) {
        String host = a.getHostString();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ':' + a.getPort();
    }

    /** A duration such as {@code 500ms}, {@code 2s}, {@code 1m}, {@code 1h} or {@code PT2S}; {@code null} if not one. */
    /**
     * A byte count: a number of bytes ({@code 65536}), or one with a binary unit ({@code 64KiB}, {@code 10MiB}, {@code
     * 1GiB}; {@code B} for bytes).
     *
     * @return the bytes, or -1 if {@code text} is not a byte count
     */
    public static long size(String text) {
        Matcher m = SIZE.matcher(text.trim());
        if (!m.matches()) {
            return -1;
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "B" : m.group(2);
        int shift = unit.equals("KiB") ? 10 : unit.equals("MiB") ? 20 : unit.equals("GiB") ? 30 : 0;
        return n > (Long.MAX_VALUE >> shift) ? -1 : n << shift;
    }

    public static Duration duration(String text) {
        String s = text.trim();
        Matcher m = DURATION.matcher(s);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            switch (m.group(2)) {
                case "ms":
                    return Duration.ofMillis(n);
                case "s":
                    return Duration.ofSeconds(n);
                case "m":
                    return Duration.ofMinutes(n);
                default:
                    return Duration.ofHours(n);
            }
        }
        try {
            return Duration.parse(s);
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
