package org.reverl.gateway.http.internal;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The last string made from a range of bytes, given again while the next range holds the same bytes. A client sends
 * the same {@code Host} on every request of its connection, and often the same target: one per connection and value,
 * this makes those strings once instead of per request. Keeps a copy of the value's bytes, not the array they came
 * from, so an idle connection holds no more than its last values. Confined to one thread.
 */
final class RecentString {

    private byte[] bytes;
    private String value;

    /** The ISO-8859-1 string of {@code a[from, to)}: the last one if its bytes were the same. */
    String of(byte[] a, int from, int to) {
        if (value != null && Arrays.equals(a, from, to, bytes, 0, bytes.length)) {
            return value;
        }
        bytes = Arrays.copyOfRange(a, from, to);
        value = new String(bytes, StandardCharsets.ISO_8859_1);
        return value;
    }
}
