package org.reverl.gateway.http.internal;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import org.reverl.gateway.api.RequestContext.HashKey;

/**
 * The hash of the part of a request that a hashing strategy keeps together ({@link HashKey}): the client's address,
 * a header's first value, a cookie's value, or the path without its query. Reads the decoded request in place and
 * allocates nothing; 0 when the request has no such part, so that the strategy falls back to the client's address.
 */
final class KeyHashes {

    private static final long FNV_OFFSET = 0xcbf29ce484222325L;
    private static final long FNV_PRIME = 0x100000001b3L;

    private KeyHashes() {}

    static long of(HttpRequest request, HashKey key, long clientHash) {
        switch (key.source()) {
            case CLIENT_IP:
                return clientHash;
            case PATH: {
                String uri = request.uri();
                int q = uri.indexOf('?');
                return hash(uri, 0, q < 0 ? uri.length() : q);
            }
            case HEADER: {
                String v = request.headers().get(key.name());
                return v == null ? 0L : hash(v, 0, v.length());
            }
            case COOKIE:
                return cookie(request.headers().get(HttpHeaderNames.COOKIE), key.name());
            default:
                return 0L;
        }
    }

    /** The hash of cookie {@code name}'s value in a {@code Cookie} field ({@code a=1; b=2}), or 0. */
    static long cookie(String field, String name) {
        if (field == null) {
            return 0L;
        }
        int n = field.length();
        int i = 0;
        while (i < n) {
            while (i < n && (field.charAt(i) == ' ' || field.charAt(i) == ';')) {
                i++;
            }
            int end = field.indexOf(';', i);
            if (end < 0) {
                end = n;
            }
            int eq = field.indexOf('=', i);
            if (eq > 0 && eq < end && eq - i == name.length() && field.regionMatches(i, name, 0, name.length())) {
                return hash(field, eq + 1, end);
            }
            i = end + 1;
        }
        return 0L;
    }

    /** FNV-1a over the characters, then mixed; never 0 for a present (even empty) value. */
    static long hash(CharSequence s, int from, int to) {
        long h = FNV_OFFSET;
        for (int i = from; i < to; i++) {
            h ^= s.charAt(i);
            h *= FNV_PRIME;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        return h == 0 ? 1 : h;
    }
}
