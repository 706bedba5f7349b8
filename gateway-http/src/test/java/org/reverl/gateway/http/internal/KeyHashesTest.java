package org.reverl.gateway.http.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import org.junit.jupiter.api.Test;
import org.reverl.gateway.api.RequestContext.HashKey;

/** The hash keys a hashing strategy reads from a request. */
class KeyHashesTest {

    private static HttpRequest request(String uri, String... fields) {
        HttpRequest r = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, uri);
        for (int i = 0; i < fields.length; i += 2) {
            r.headers().add(fields[i], fields[i + 1]);
        }
        return r;
    }

    @Test
    void header_sameValueSameHash_otherValueOther_absentZero() {
        HashKey key = HashKey.parse("key", "header:x-user");
        long a = KeyHashes.of(request("/", "X-User", "alice"), key, 7);
        assertThat(KeyHashes.of(request("/other", "x-user", "alice"), key, 8)).isEqualTo(a);
        assertThat(KeyHashes.of(request("/", "X-User", "bob"), key, 7)).isNotEqualTo(a);
        assertThat(KeyHashes.of(request("/"), key, 7)).isZero();
    }

    @Test
    void cookie_foundAmongOthers_prefixOfAnotherNameIgnored() {
        HashKey key = HashKey.parse("key", "cookie:sid");
        long a = KeyHashes.of(request("/", "Cookie", "sid=abc"), key, 0);
        assertThat(KeyHashes.of(request("/", "Cookie", "theme=dark; sidx=zzz; sid=abc"), key, 0))
                .isEqualTo(a);
        assertThat(KeyHashes.of(request("/", "Cookie", "sidx=abc"), key, 0)).isZero();
        assertThat(KeyHashes.of(request("/", "Cookie", "sid=abd"), key, 0)).isNotEqualTo(a);
        assertThat(KeyHashes.of(request("/"), key, 0)).isZero();
    }

    @Test
    void path_withoutTheQuery() {
        long a = KeyHashes.of(request("/cart?x=1"), HashKey.PATH, 0);
        assertThat(KeyHashes.of(request("/cart?y=2"), HashKey.PATH, 0)).isEqualTo(a);
        assertThat(KeyHashes.of(request("/carts"), HashKey.PATH, 0)).isNotEqualTo(a);
    }

    @Test
    void clientIp_isTheConnectionsHash() {
        assertThat(KeyHashes.of(request("/"), HashKey.CLIENT_IP, 42)).isEqualTo(42);
    }
}
