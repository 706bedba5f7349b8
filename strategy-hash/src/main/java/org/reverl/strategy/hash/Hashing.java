package org.reverl.strategy.hash;

import java.nio.charset.StandardCharsets;

/** The 64-bit hash functions of this module. Stable across versions and JVMs: gateways must agree on placements. */
final class Hashing {

    private Hashing() {}

    /** MurmurHash3's 64-bit finalizer: every input bit affects every output bit. */
    static long mix(long h) {
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }

    /** FNV-1a over the UTF-8 bytes of {@code s}, then mixed: the position of a backend id, the same everywhere. */
    static long of(String s) {
        long h = 0xcbf29ce484222325L;
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        return mix(h);
    }

    /** The {@code i}-th independent hash derived from {@code seed} (SplitMix64's step). */
    static long derive(long seed, long i) {
        return mix(seed + (i + 1) * 0x9E3779B97F4A7C15L);
    }
}
