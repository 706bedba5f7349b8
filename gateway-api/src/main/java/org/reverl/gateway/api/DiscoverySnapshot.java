package org.reverl.gateway.api;

import static java.util.Objects.requireNonNull;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The whole set of backends a {@link DiscoverySource} read from its registry at one point, and the entries it skipped.
 *
 * <p>Immutable.
 *
 * @param backends the backends, each id once, in the source's order
 * @param skipped one line per registry entry that could not be used, naming the entry (record, key) and why, e.g.
 *     {@code SRV _http._tcp.web.example -> b.example:0: port 0 (expected: 1-65535)}
 * @param version the registry's version of this set where it has one (an etcd revision), else 0; for logs
 */
public record DiscoverySnapshot(List<BackendSpec> backends, List<String> skipped, long version) {

    /** Copies; rejects two backends with one id. */
    public DiscoverySnapshot {
        backends = List.copyOf(backends);
        skipped = List.copyOf(skipped);
        Set<String> ids = new HashSet<>();
        for (BackendSpec b : backends) {
            if (!ids.add(b.id())) {
                throw new IllegalArgumentException(
                        Checks.message("discovery snapshot: backend id", "'" + b.id() + "'", "each id once"));
            }
        }
    }

    /** A snapshot of {@code backends} with nothing skipped. */
    public static DiscoverySnapshot of(List<BackendSpec> backends) {
        return new DiscoverySnapshot(requireNonNull(backends, "backends"), List.of(), 0);
    }
}
