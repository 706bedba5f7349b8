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

    /** How many high bits of a position pick its bucket: about one point per bucket. */
    private final int bucketBits;

    /**
     * {@code buckets[b]} is the first slot whose position is in bucket {@code b} or a later one, so a lookup scans
     * only its own bucket's points (one or two) instead of a binary search whose every step misses the cache.
     */
    private final int[] buckets;

    private RingTable(Backend[] backends, int[] weights, int[] owners, long[] positions) {
        super(backends, weights, owners);
        this.positions = positions;
        this.bucketBits = Math.max(1, 64 - Long.numberOfLeadingZeros(positions.length - 1L));
        this.buckets = new int[(1 << bucketBits) + 1];
        int j = 0;
        for (int b = 0; b < buckets.length; b++) {
            while (j < positions.length && bucket(positions[j]) < b) {
                j++;
            }
            buckets[b] = j;
        }
    }

    /** The bucket of a position: its high bits, shifted so that signed order is bucket order. */
    private int bucket(long position) {
        return (int) ((position >> (64 - bucketBits)) + (1L << (bucketBits - 1)));
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

    /** The position of {@code slot}'s point, for tests. */
    long position(int slot) {
        return positions[slot];
    }

    @Override
    int slotOf(long hash) {
        long key = hash & ~OWNER_MASK;
        // the first position >= key: in the key's bucket, else the first of a later bucket; past the last, slot 0
        int b = bucket(key);
        int end = buckets[b + 1];
        int slot = buckets[b];
        while (slot < end && positions[slot] < key) {
            slot++;
        }
        return slot == positions.length ? 0 : slot;
    }
}
