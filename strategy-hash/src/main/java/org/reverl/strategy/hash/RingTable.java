package org.reverl.strategy.hash;

import java.util.Arrays;
import org.reverl.gateway.api.Backend;

/**
 * A ketama-style ring (as nginx's and HAProxy's consistent hash): each backend has points on a 64-bit circle, each at a
 * hash of the backend's id and the point's number; a key belongs to the first point at or after its hash, wrapping
 * around. A backend of the largest weight has {@code pointsPerBackend} points, a lighter one proportionally fewer (at
 * least one). A backend's points depend only on its id and its weight relative to the largest, never on how many
 * backends there are, so adding or removing a backend moves exactly the keys of the points it gains or loses: about
 * {@code 1/N} of them. (Sizing the whole ring instead, as Envoy's {@code minimum_ring_size} does, changes every
 * backend's point count on each membership change, which moved 17% of the keys instead of 10% when one of ten backends
 * was removed.) Past {@value #MAX_POINTS} points in all, every backend gets proportionally fewer.
 */
final class RingTable extends HashTable {

    /** Low bits of a packed point hold its owner; the position keeps the high 44 bits. */
    private static final int OWNER_BITS = 20;

    private static final long OWNER_MASK = (1L << OWNER_BITS) - 1;

    /** The largest backend count a ring can hold. */
    static final int MAX_BACKENDS = (int) OWNER_MASK;

    /** The points' positions, ascending (signed order), one per slot. */
    private final long[] positions;

    private RingTable(Backend[] backends, int[] weights, int[] owners, long[] positions) {
        super(backends, weights, owners);
        this.positions = positions;
    }

    /** The most points a ring holds: 8 Mi (Envoy's maximum ring size), 96 MiB. */
    static final int MAX_POINTS = 8_388_608;

    static RingTable build(Backend[] backends, int[] weights, int pointsPerBackend) {
        if (backends.length > MAX_BACKENDS) {
            throw new IllegalArgumentException(
                    "ring_hash: " + backends.length + " backends (expected: at most " + MAX_BACKENDS + ")");
        }
        int maxWeight = 1;
        long weightSum = 0;
        for (int w : weights) {
            maxWeight = Math.max(maxWeight, w);
            weightSum += w;
        }
        double perMaxWeight = Math.min(pointsPerBackend, (double) MAX_POINTS * maxWeight / weightSum);
        int[] points = new int[backends.length];
        long count = 0;
        for (int i = 0; i < backends.length; i++) {
            points[i] = (int) Math.max(1, Math.round(perMaxWeight * weights[i] / maxWeight));
            count += points[i];
        }
        long[] packed = new long[(int) count];
        int k = 0;
        for (int i = 0; i < backends.length; i++) {
            long seed = Hashing.of(backends[i].id());
            for (int p = 0; p < points[i]; p++) {
                packed[k++] = (Hashing.derive(seed, p) & ~OWNER_MASK) | i;
            }
        }
        Arrays.sort(packed);
        int[] owners = new int[packed.length];
        long[] positions = new long[packed.length];
        for (int j = 0; j < packed.length; j++) {
            owners[j] = (int) (packed[j] & OWNER_MASK);
            positions[j] = packed[j] & ~OWNER_MASK;
        }
        return new RingTable(backends, weights, owners, positions);
    }

    @Override
    int slotOf(long hash) {
        long key = hash & ~OWNER_MASK;
        // the first position >= key; past the last one, the ring wraps to slot 0
        int low = 0;
        int high = positions.length;
        while (low < high) {
            int mid = (low + high) >>> 1;
            if (positions[mid] < key) {
                low = mid + 1;
            } else {
                high = mid;
            }
        }
        return low == positions.length ? 0 : low;
    }
}
