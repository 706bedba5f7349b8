package org.reverl.strategy.hash;

import java.util.Arrays;
import org.reverl.gateway.api.Backend;

/**
 * A Maglev lookup table (Eisenbud et al., NSDI 2016): {@code M} slots (a prime), filled by letting the backends take
 * turns claiming the next free slot of their own permutation of {@code 0..M-1}, given by {@code offset} and {@code
 * skip} hashed from their id. Weighted as Envoy does: a backend of weight {@code w} takes a turn in {@code w} of every
 * {@code maxWeight} rounds. A key's slot is its hash reduced to {@code [0, M)}. Every backend owns close to its share
 * of slots, and a membership change moves few more keys than the {@code 1/N} that must move.
 */
final class MaglevTable extends HashTable {

    private MaglevTable(Backend[] backends, int[] weights, int[] owners) {
        super(backends, weights, owners);
    }

    static MaglevTable build(Backend[] backends, int[] weights, int tableSize) {
        int n = backends.length;
        long[] offset = new long[n];
        long[] skip = new long[n];
        long[] next = new long[n];
        long[] target = new long[n];
        int maxWeight = 1;
        for (int i = 0; i < n; i++) {
            long seed = Hashing.of(backends[i].id());
            offset[i] = Long.remainderUnsigned(Hashing.derive(seed, 0), tableSize);
            skip[i] = Long.remainderUnsigned(Hashing.derive(seed, 1), tableSize - 1) + 1;
            maxWeight = Math.max(maxWeight, weights[i]);
        }
        int[] owners = new int[tableSize];
        Arrays.fill(owners, -1);
        int filled = 0;
        for (long round = 1; filled < tableSize; round++) {
            for (int i = 0; i < n && filled < tableSize; i++) {
                if (round * weights[i] < target[i]) {
                    continue; // a lighter backend sits this round out
                }
                target[i] += maxWeight;
                int slot = (int) ((offset[i] + next[i] * skip[i]) % tableSize);
                while (owners[slot] >= 0) {
                    next[i]++;
                    slot = (int) ((offset[i] + next[i] * skip[i]) % tableSize);
                }
                owners[slot] = i;
                next[i]++;
                filled++;
            }
        }
        return new MaglevTable(backends, weights, owners);
    }

    @Override
    int slotOf(long hash) {
        // multiply-shift (Lemire) on the high 32 bits: uniform in [0, M) without a division
        return (int) (((hash >>> 32) * owners.length) >>> 32);
    }
}
