package org.reverl.gateway.http.internal;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The last string made from a range of an immutable byte array, given again while the next range holds the same bytes.
 * A client sends the same {@code Host} on every request of its connection, and often the same target: one per
 * connection and value, this makes those strings once instead of per request. Holds on to the last array, which its
 * caller must never change. Confined to one thread.
 */
final class RecentString {

    private byte[] bytes;
    private int from;
    private int to;
    private String value;

    /** The ISO-8859-1 string of {@code a[from, to)}: the last one if its bytes were the same. */
    String of(byte[] a, int from, int to) {
        if (value != null && Arrays.equals(a, from, to, bytes, this.from, this.to)) {
            return value;
        }
        bytes = a;
        this.from = from;
        this.to = to;
        value = new String(a, from, to - from, StandardCharsets.ISO_8859_1);
        return value;
    }
}
