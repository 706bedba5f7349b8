package org.reverl.discovery.dns;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.reverl.gateway.api.BackendSpec;
import org.reverl.gateway.api.DiscoverySource;
import org.reverl.gateway.api.DiscoverySourceProvider;
import org.reverl.gateway.api.PluginOptions;

/**
 * Provides {@value #NAME}: backends from DNS, resolved without blocking (Netty's DNS client) and re-resolved when the
 * answer's TTL runs out.
 *
 * <p>Options:
 * <ul>
 *   <li>{@code name} (required): the name to resolve, e.g. {@code web.example}, or {@code _http._tcp.web.example} for
 *       SRV; asked as written, fully qualified (no search domains).
 *   <li>{@code type}: {@code a}, {@code aaaa}, {@code a_aaaa} (both) or {@code srv}; default {@code srv} when the name
 *       starts with {@code _}, else {@code a}.
 *   <li>{@code port}: the backends' port, required for {@code a}, {@code aaaa} and {@code a_aaaa}; not allowed for
 *       {@code srv}, whose records carry the port.
 *   <li>{@code scheme}: {@code http} (default) or {@code https}; backends are {@code <scheme>://<ip>:<port>}.
 *   <li>{@code weight}: the weight of address-record backends, default 1 (SRV records carry theirs).
 *   <li>{@code servers}: name servers, comma-separated {@code ip:port} (IPv6 in brackets); default the system's
 *       ({@code /etc/resolv.conf}).
 *   <li>{@code min_ttl}, {@code max_ttl}: the answer's TTL is clamped into this range to decide when to resolve again;
 *       default {@value #DEFAULT_MIN_TTL_SECONDS}s and {@value #DEFAULT_MAX_TTL_SECONDS}s. After a failure the name is
 *       resolved again after {@code min_ttl}, doubling up to {@code max_ttl} while failures go on.
 *   <li>{@code timeout}: how long one query may take, default {@value #DEFAULT_TIMEOUT_MILLIS}ms.
 * </ul>
 *
 * <p>Backend ids are {@code <ip>:<port>}, the same in every Reverl instance that resolves the same name.
 *
 * <p>Thread-safe and stateless. Public only because {@link java.util.ServiceLoader} requires it: configure {@code
 * dns}, never this class.
 */
public final class DnsDiscoveryProvider implements DiscoverySourceProvider {

    /** The source's name. */
    public static final String NAME = "dns";

    static final long DEFAULT_MIN_TTL_SECONDS = 1;
    static final long DEFAULT_MAX_TTL_SECONDS = 60;
    static final long DEFAULT_TIMEOUT_MILLIS = 2000;

    private static final Set<String> OPTIONS =
            Set.of("name", "type", "port", "scheme", "weight", "servers", "min_ttl", "max_ttl", "timeout");

    /** Which records to ask for. */
    enum RecordType {
        A,
        AAAA,
        A_AAAA,
        SRV
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public DiscoverySource create(Map<String, String> options) {
        return new DnsDiscoverySource(parse(options));
    }

    static DnsDiscoveryOptions parse(Map<String, String> options) {
        PluginOptions o = PluginOptions.of("discovery '" + NAME + "'", options, OPTIONS);
        String name = o.required("name", "a DNS name such as web.example or _http._tcp.web.example");
        if (name.endsWith(".")) {
            name = name.substring(0, name.length() - 1);
        }
        if (!name.matches("[A-Za-z0-9_]([A-Za-z0-9_-]{0,62})(\\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,62}))*")
                || name.length() > 253) {
            throw o.invalid("name", "a DNS name such as web.example or _http._tcp.web.example");
        }
        RecordType type;
        String typeText = o.string("type", name.startsWith("_") ? "srv" : "a");
        try {
            type = RecordType.valueOf(typeText.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw o.invalid("type", "one of [a, aaaa, a_aaaa, srv]");
        }
        if (!typeText.equals(typeText.toLowerCase(Locale.ROOT))) {
            throw o.invalid("type", "one of [a, aaaa, a_aaaa, srv]");
        }
        int port = 0;
        if (type == RecordType.SRV) {
            if (o.has("port")) {
                throw o.invalid("port", "no port with type srv: the SRV records carry the ports");
            }
            if (o.has("weight")) {
                throw o.invalid("weight", "no weight with type srv: the SRV records carry the weights");
            }
        } else {
            if (!o.has("port")) {
                throw o.invalid("port", "the backends' port, 1-65535, with type " + typeText);
            }
            port = o.integer("port", 0, 1, 65535);
        }
        int weight = o.integer("weight", BackendSpec.DEFAULT_WEIGHT, BackendSpec.MIN_WEIGHT, BackendSpec.MAX_WEIGHT);
        String scheme = o.string("scheme", "http");
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw o.invalid("scheme", "http or https");
        }
        List<InetSocketAddress> servers = new ArrayList<>();
        for (String s : o.list("servers")) {
            InetSocketAddress a = ipPort(s);
            if (a == null) {
                throw o.invalid("servers", "comma-separated ip:port, e.g. 10.0.0.2:53 or [fd00::2]:53");
            }
            servers.add(a);
        }
        if (o.has("servers") && servers.isEmpty()) {
            throw o.invalid("servers", "at least one ip:port");
        }
        Duration minTtl = o.duration("min_ttl", Duration.ofSeconds(DEFAULT_MIN_TTL_SECONDS));
        Duration maxTtl = o.duration("max_ttl", Duration.ofSeconds(DEFAULT_MAX_TTL_SECONDS));
        if (maxTtl.compareTo(minTtl) < 0) {
            throw o.invalid("max_ttl", ">= min_ttl (" + minTtl + ")");
        }
        Duration timeout = o.duration("timeout", Duration.ofMillis(DEFAULT_TIMEOUT_MILLIS));
        return new DnsDiscoveryOptions(name, type, port, scheme, weight, servers, minTtl, maxTtl, timeout);
    }

    /** {@code ip:port} with an IP literal (IPv6 in brackets), or {@code null}. */
    private static InetSocketAddress ipPort(String text) {
        int colon = text.lastIndexOf(':');
        if (colon <= 0) {
            return null;
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.indexOf(':') >= 0) {
            return null;
        }
        // an IP literal, never a name (which would need a resolver to find the resolver); getByName then does no lookup
        boolean v4 = host.matches("([0-9]{1,3}\\.){3}[0-9]{1,3}");
        if (v4) {
            for (String octet : host.split("\\.")) {
                if (Integer.parseInt(octet) > 255) {
                    return null;
                }
            }
        } else if (!host.matches("[0-9A-Fa-f:.]+") || host.indexOf(':') < 0) {
            return null;
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            return null;
        }
        if (port < 1 || port > 65535) {
            return null;
        }
        try {
            return new InetSocketAddress(java.net.InetAddress.getByName(host), port);
        } catch (java.net.UnknownHostException e) {
            return null;
        }
    }

    /**
     * The parsed options.
     *
     * @param name the name, without a trailing dot
     * @param type which records
     * @param port the backends' port for address records; 0 for SRV
     * @param scheme {@code http} or {@code https}
     * @param weight the weight of address-record backends
     * @param servers name servers; empty means the system's
     * @param minTtl the shortest wait before resolving again
     * @param maxTtl the longest wait before resolving again
     * @param timeout one query's timeout
     */
    record DnsDiscoveryOptions(
            String name,
            RecordType type,
            int port,
            String scheme,
            int weight,
            List<InetSocketAddress> servers,
            Duration minTtl,
            Duration maxTtl,
            Duration timeout) {

        DnsDiscoveryOptions {
            servers = List.copyOf(servers);
        }

        /** How long to wait before resolving again after an answer whose records live {@code ttlSeconds}. */
        Duration refreshAfter(long ttlSeconds) {
            Duration ttl = Duration.ofSeconds(Math.max(0, ttlSeconds));
            if (ttl.compareTo(minTtl) < 0) {
                return minTtl;
            }
            return ttl.compareTo(maxTtl) > 0 ? maxTtl : ttl;
        }

        /** How long to wait before trying again after {@code failures} failures in a row (1 or more). */
        Duration retryAfter(int failures) {
            Duration d = minTtl;
            for (int i = 1; i < failures && d.compareTo(maxTtl) < 0; i++) {
                d = d.multipliedBy(2);
            }
            return d.compareTo(maxTtl) > 0 ? maxTtl : d;
        }
    }
}
