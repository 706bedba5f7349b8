package org.reverl.strategy.hash;

import java.util.Map;
import java.util.Set;
import org.reverl.gateway.api.SelectionStrategy;
import org.reverl.gateway.api.SelectionStrategyProvider;

/**
 * Provides {@value #NAME}: consistent hashing on a ketama-style ring (as Envoy's {@code RING_HASH} and nginx's {@code
 * hash ... consistent}): requests with the same key go to the same backend while the set of backends stays the same,
 * and a backend added or removed moves only about {@code 1/N} of the keys. Weighted: a backend's share of the ring is
 * its share of the weight.
 *
 * <p>Options:
 * <ul>
 *   <li>{@code key}: {@code client_ip} (default), {@code header:<name>}, {@code cookie:<name>} or {@code path}; a
 *       request without the header or cookie is hashed by its client address;
 *   <li>{@code points_per_backend}: the ring's size, as points of a backend of the largest weight (lighter ones get
 *       proportionally fewer), {@value #MIN_POINTS}-{@value #MAX_POINTS_PER_BACKEND}, default {@value
 *       #DEFAULT_POINTS}; more points share keys more evenly (a backend's share varies by about {@code 1/sqrt(points)})
 *       and cost 12 bytes each and a few nanoseconds per doubling. It is per backend, not for the whole ring, so that a
 *       membership change leaves the other backends' points where they are;
 *   <li>{@code balance_factor}: bounded loads, {@code 0} (off, default) or a percentage 100-10000, as HAProxy's {@code
 *       hash-balance-factor}: a backend whose in-flight requests would exceed that share of the mean passes the
 *       request on along the ring.
 * </ul>
 *
 * <p>Thread-safe and stateless. Public only because {@link java.util.ServiceLoader} requires it: configure {@code
 * ring_hash}, never this class.
 */
public final class RingHashStrategyProvider implements SelectionStrategyProvider {

    /** The strategy's name. */
    public static final String NAME = "ring_hash";

    /** The default number of points of a backend of the largest weight. */
    public static final int DEFAULT_POINTS = 256;
    /** The fewest points per backend. */
    public static final int MIN_POINTS = 1;
    /** The most points per backend. */
    public static final int MAX_POINTS_PER_BACKEND = 65_536;

    private static final String POINTS = "points_per_backend";
    private static final Set<String> OPTIONS = Set.of(HashOptions.KEY, HashOptions.BALANCE_FACTOR, POINTS);

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public SelectionStrategy create(Map<String, String> options) {
        HashOptions o = new HashOptions(NAME, options, OPTIONS);
        int points = o.size(POINTS, DEFAULT_POINTS, MIN_POINTS, MAX_POINTS_PER_BACKEND, false);
        return new ConsistentHashStrategy(
                NAME, o.key(), o.balanceFactor(), (backends, weights) -> RingTable.build(backends, weights, points));
    }
}
