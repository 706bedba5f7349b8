package org.reverl.gateway.http.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class Http2RequestGuardTest {

    /** A request's pseudo-header fields; an empty string leaves the field out. */
    private static Http2Headers request(String method, String path, String authority) {
        Http2Headers h = new DefaultHttp2Headers(false);
        if (!method.isEmpty()) {
            h.method(method);
        }
        if (!path.isEmpty()) {
            h.path(path);
        }
        if (!authority.isEmpty()) {
            h.authority(authority);
        }
        return h;
    }

    @ParameterizedTest(name = "{0} {1} @{2}: {3}")
    @CsvSource(
            delimiter = '|',
            value = {
                "GET     | /                  | a.test       | true",
                "GET     | /a?b=c%20d         | a.test:8080  | true",
                "OPTIONS | *                  | a.test       | true",
                "CONNECT | ''                 | a.test:443   | true",
                "GET     | *                  | a.test       | false",
                "GET     | ''                 | a.test       | false",
                "GET     | http://a.test/     | a.test       | false",
                "GET     | /a#frag            | a.test       | false",
                "GET     | /a b               | a.test       | false",
                "GET     | /\u00e9            | a.test       | false",
                "GET     | /a\u007f           | a.test       | false",
                "GET /x  | /                  | a.test       | false",
                "G(T     | /                  | a.test       | false",
                "GET     | /                  | a.test/x     | false",
                "GET     | /                  | u@a.test     | false",
                "GET     | /                  | a test       | false",
            })
    void requestLine_asHttp11WouldHaveIt(String method, String path, String authority, boolean valid) {
        assertThat(Http2RequestGuard.valid(request(method, path, authority))).isEqualTo(valid);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/a\r\nx: y", "/a\n", "/a\r", "/a\u0000", "/a\t"})
    void controlBytesInThePath_refused(String path) {
        assertThat(Http2RequestGuard.valid(request("GET", path, "a.test"))).isFalse();
    }

    @Test
    void trailers_withoutPseudoHeaders_pass() {
        assertThat(Http2RequestGuard.valid(new DefaultHttp2Headers(false).add("x-a", "1")))
                .isTrue();
    }
}
