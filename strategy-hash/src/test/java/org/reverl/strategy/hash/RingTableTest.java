package org.reverl.strategy.hash;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.reverl.gateway.api.Backend;
import org.reverl.gateway.testing.FakeBackend;

class RingTableTest {

    /** The slot a plain scan finds: the first position at or after the key's, else slot 0. */
    private static int reference(RingTable ring, long hash) {
        long key = hash & ~((1L << 20) - 1);
        for (int slot = 0; slot < ring.owners.length; slot++) {
            if (ring.position(slot) >= key) {
                return slot;
            }
        }
        return 0;
    }

    @Test
    void bucketedLookup_findsTheSameSlotAsAScan_forAnyRingSize() {
        SplittableRandom random = new SplittableRandom(3);
        for (int n : new int[] {1, 2, 3, 7, 50}) {
            Backend[] backends = new Backend[n];
            int[] weights = new int[n];
            for (int i = 0; i < n; i++) {
                backends[i] = FakeBackend.of("b" + i);
                weights[i] = 1 + random.nextInt(5);
            }
            for (int points : new int[] {1, 3, 16, 100}) {
                RingTable ring = RingTable.build(backends, weights, points);
                for (int k = 0; k < 2000; k++) {
                    long hash = random.nextLong();
                    assertThat(ring.slotOf(hash))
                            .as("n=%d points=%d", n, points)
                            .isEqualTo(reference(ring, hash));
                }
                // the ends of the circle
                assertThat(ring.slotOf(Long.MIN_VALUE)).isEqualTo(reference(ring, Long.MIN_VALUE));
                assertThat(ring.slotOf(Long.MAX_VALUE)).isEqualTo(reference(ring, Long.MAX_VALUE));
                assertThat(ring.slotOf(ring.position(ring.owners.length - 1))).isEqualTo(ring.owners.length - 1);
            }
        }
    }
}
