package org.reverl.strategy.hash;

import org.reverl.gateway.api.Backend;

/**
 * What one {@code update} of a hashing strategy publishes: the backends, their weights, and a circular sequence of
 * slots, each owned by one backend, with a map from a key's hash to its first slot. A pick starts at that slot and,
 * with bounded loads, walks on to the next slot whose backend is under its bound. Immutable once published.
 */
abstract class HashTable {

    final Backend[] backends;
    /** {@code backends[i]}'s weight, at least 1. */
    final int[] weights;

    final long totalWeight;
    /** The owner (an index into {@link #backends}) of each slot, in walk order. */
    final int[] owners;

    HashTable(Backend[] backends, int[] weights, int[] owners) {
        this.backends = backends;
        this.weights = weights;
        this.owners = owners;
        long total = 0;
        for (int w : weights) {
            total += w;
        }
        this.totalWeight = total;
    }

    /** The slot where the walk for a (mixed) key hash starts: {@code 0 <= slot < owners.length}. */
    abstract int slotOf(long hash);
}
