package org.reverl.gateway.http.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The splicer alone: which responses it forwards as bytes, what it writes, and what it leaves to the decoder. */
class ResponseSplicerTest {

    private final ResponseSplicer splicer = new ResponseSplicer(AsciiString.of("1.1 reverl"));

    private static ByteBuf bytes(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.ISO_8859_1);
    }

    private int verdict(String response) {
        ByteBuf in = bytes(response);
        try {
            int v = splicer.scan(in);
            assertThat(in.readerIndex()).as("a scan reads nothing").isZero();
            return v;
        } finally {
            in.release();
        }
    }

    private String spliced(String response) {
        ByteBuf in = bytes(response);
        try {
            assertThat(splicer.scan(in)).isEqualTo(ResponseSplicer.SPLICE);
            SplicedResponse r = splicer.splice(in, UnpooledByteBufAllocator.DEFAULT);
            try {
                return r.content().toString(StandardCharsets.ISO_8859_1);
            } finally {
                r.release();
            }
        } finally {
            in.release();
        }
    }

    @Test
    void aWebServersAnswer_hopByHopLeftOut_viaAdded_bodyCopied() {
        String response = "HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n"
                + "Connection: keep-alive\r\nKeep-Alive: timeout=5\r\nX-Backend: b1\r\n\r\nhello";
        assertThat(spliced(response))
                .isEqualTo("HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n"
                        + "X-Backend: b1\r\nvia: 1.1 reverl\r\n\r\nhello");
    }

    @Test
    void valuesWithoutTheWhitespaceAroundThem_asTheEncoderWritesThem() {
        assertThat(spliced("HTTP/1.1 201 Created\r\nA:x\r\nB: \t y z \t\r\nContent-Length:  0 \r\n\r\n"))
                .isEqualTo("HTTP/1.1 201 Created\r\nA: x\r\nB: y z\r\nContent-Length: 0\r\nvia: 1.1 reverl\r\n\r\n");
    }

    @Test
    void everyHopByHopField_leftOut() {
        assertThat(
                        spliced(
                                "HTTP/1.1 200 OK\r\nTE: trailers\r\nTrailer: X\r\nUpgrade: h2c\r\nProxy-Authenticate: x\r\n"
                                        + "PROXY-CONNECTION: y\r\nkeep-alive: 1\r\nConnection: Keep-Alive, close\r\nContent-Length: 0\r\n\r\n"))
                .isEqualTo("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nvia: 1.1 reverl\r\n\r\n");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 3, 4, 5, 7})
    void hopByHopFieldsAnywhere_leftOut_asManyAsThereAre(int dropped) {
        // kept and left-out lines alternate, starting and ending with a left-out one: the copy between them, up to
        // MAX_DROPPED, and the lines read again past it, must write the same bytes
        String[] hop = {
            "Connection: keep-alive",
            "Keep-Alive: timeout=5",
            "Proxy-Authenticate: x",
            "TE: trailers",
            "Upgrade: h2c",
            "Trailer: X",
            "Proxy-Foo: y"
        };
        StringBuilder response = new StringBuilder("HTTP/1.1 200 OK\r\n");
        StringBuilder expected = new StringBuilder("HTTP/1.1 200 OK\r\n");
        for (int i = 0; i < dropped; i++) {
            response.append(hop[i]).append("\r\n");
            if (i < dropped - 1) {
                response.append("X-").append(i).append(": v\r\n");
                expected.append("X-").append(i).append(": v\r\n");
            }
        }
        response.append("Content-Length: 2\r\n\r\nok");
        expected.append("Content-Length: 2\r\nvia: 1.1 reverl\r\n\r\nok");
        assertThat(ResponseSplicer.MAX_DROPPED).isBetween(1, 6);
        assertThat(spliced(response.toString())).isEqualTo(expected.toString());
        // the next response through the same splicer drops nothing
        assertThat(spliced("HTTP/1.1 200 OK\r\nA: b\r\nContent-Length: 0\r\n\r\n"))
                .isEqualTo("HTTP/1.1 200 OK\r\nA: b\r\nContent-Length: 0\r\nvia: 1.1 reverl\r\n\r\n");
    }

    @Test
    void aLineToRewrite_andOnesLeftOut_theLinesReadAgain() {
        assertThat(spliced("HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nA:x\r\nTE: y\r\nContent-Length: 0\r\n\r\n"))
                .isEqualTo("HTTP/1.1 200 OK\r\nA: x\r\nContent-Length: 0\r\nvia: 1.1 reverl\r\n\r\n");
    }

    @Test
    void anHttp10Answer_goesOutAsHttp11_keptAliveOnlyWhenItSaysSo() {
        assertThat(spliced("HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx"))
                .isEqualTo("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nvia: 1.1 reverl\r\n\r\nx");
        ByteBuf in = bytes("HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx");
        splicer.scan(in);
        SplicedResponse closing = splicer.splice(in, UnpooledByteBufAllocator.DEFAULT);
        assertThat(closing.backendKeepAlive()).isFalse();
        closing.release();
        in.release();
        in = bytes("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\nx");
        splicer.scan(in);
        SplicedResponse kept = splicer.splice(in, UnpooledByteBufAllocator.DEFAULT);
        assertThat(kept.backendKeepAlive()).isTrue();
        kept.release();
        in.release();
    }

    @Test
    void connectionClose_theBackendEndsItsConnection() {
        ByteBuf in = bytes("HTTP/1.1 500 Oops\r\nConnection: close\r\nContent-Length: 2\r\n\r\nno");
        assertThat(splicer.scan(in)).isEqualTo(ResponseSplicer.SPLICE);
        SplicedResponse r = splicer.splice(in, UnpooledByteBufAllocator.DEFAULT);
        assertThat(r.status()).isEqualTo(500);
        assertThat(r.backendKeepAlive()).isFalse();
        assertThat(r.bodyLength()).isEqualTo(2);
        ByteBuf old = r.content();
        SplicedResponse closing = r.withConnectionClose(UnpooledByteBufAllocator.DEFAULT);
        assertThat(old.refCnt()).isZero();
        assertThat(closing.content().toString(StandardCharsets.ISO_8859_1))
                .isEqualTo("HTTP/1.1 500 Oops\r\nContent-Length: 2\r\nvia: 1.1 reverl\r\nconnection: close\r\n\r\nno");
        closing.release();
        in.release();
    }

    @Test
    void takesExactlyOneResponse_theNextStaysInTheBuffer() {
        ByteBuf in = bytes("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\n");
        assertThat(splicer.scan(in)).isEqualTo(ResponseSplicer.SPLICE);
        splicer.splice(in, UnpooledByteBufAllocator.DEFAULT).release();
        assertThat(in.toString(StandardCharsets.ISO_8859_1)).isEqualTo("HTTP/1.1 200 OK\r\n");
        in.release();
    }

    @Test
    void obsTextInAValue_forwardedAsReceived() {
        String value = "attachment; filename=\"caf\u00e9.txt\"";
        assertThat(spliced("HTTP/1.1 200 OK\r\nContent-Disposition: " + value + "\r\nContent-Length: 0\r\n\r\n"))
                .contains("Content-Disposition: " + value + "\r\n");
    }

    @Test
    void aHeadNotAllHereYet_waits_thenAnOverlongOne_isTheDecoders() {
        assertThat(verdict("HTTP/1.1 200 OK\r\nContent-Le")).isEqualTo(ResponseSplicer.NEED_MORE);
        assertThat(verdict("HTTP/1.1 20")).isEqualTo(ResponseSplicer.NEED_MORE);
        assertThat(verdict("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r")).isEqualTo(ResponseSplicer.NEED_MORE);
        String longHead = "HTTP/1.1 200 OK\r\nX: " + "a".repeat(ResponseSplicer.MAX_HEAD) + "\r\n";
        assertThat(verdict(longHead)).isEqualTo(ResponseSplicer.DECODE);
    }

    @Test
    void aHeadLongerThanTheFirstCopy_isReadWhole() {
        String cookie = "Set-Cookie: " + "c".repeat(ResponseSplicer.FIRST_COPY) + "\r\n";
        String head = "HTTP/1.1 200 OK\r\n" + cookie + "Connection: keep-alive\r\nContent-Length: 2\r\n\r\n";
        assertThat(spliced(head + "ok"))
                .isEqualTo("HTTP/1.1 200 OK\r\n" + cookie + "Content-Length: 2\r\nvia: 1.1 reverl\r\n\r\nok");
        // its end not here yet: the rest first, even past the first copy
        assertThat(verdict(head.substring(0, ResponseSplicer.FIRST_COPY + 40))).isEqualTo(ResponseSplicer.NEED_MORE);
        // and a short one after it still works from the same splicer
        assertThat(spliced("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx"))
                .isEqualTo("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nvia: 1.1 reverl\r\n\r\nx");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                // framing the splicer leaves to the decoder
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n",
                "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the close",
                "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok",
                "HTTP/1.1 200 OK\r\nContent-Length: +2\r\n\r\nok",
                "HTTP/1.1 200 OK\r\nContent-Length: 2 2\r\n\r\nok",
                "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nok", // the rest of the body is not here yet
                // statuses without a body, or interim
                "HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n",
                "HTTP/1.1 205 Reset Content\r\nContent-Length: 0\r\n\r\n",
                "HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n",
                "HTTP/1.1 100 Continue\r\n\r\n",
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n",
                // status lines the decoder reads leniently, or that the encoder would not write back the same
                "HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n",
                "HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n",
                "HTTP/1.1 200  OK\r\nContent-Length: 0\r\n\r\n",
                "HTTP/1.1 200 OK \r\nContent-Length: 0\r\n\r\n",
                "HTTP/1.1 200 D\u00e9j\u00e0\r\nContent-Length: 0\r\n\r\n",
                "HTTP/1.1  200 OK\r\nContent-Length: 0\r\n\r\n",
                "HTTP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n",
                "HTTP/1.2 200 OK\r\nContent-Length: 0\r\n\r\n",
                "http/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
                "\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
                "HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n",
                "HTTP/1.1 600 Odd\r\nContent-Length: 0\r\n\r\n",
                // lines that are not clean field lines
                "HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n",
                "HTTP/1.1 200 OK\r\nContent-Length: 0\n\r\n",
                "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\n",
                "HTTP/1.1 200 OK\r\nX: a\rb\r\nContent-Length: 0\r\n\r\n",
                "HTTP/1.1 200 OK\r\nX: a\u0000b\r\nContent-Length: 0\r\n\r\n",
                "HTTP/1.1 200 OK\r\nX: a\u007fb\r\nContent-Length: 0\r\n\r\n",
                "HTTP/1.1 200 OK\r\nX : a\r\nContent-Length: 0\r\n\r\n",
                "HTTP/1.1 200 OK\r\n: a\r\nContent-Length: 0\r\n\r\n",
                "HTTP/1.1 200 OK\r\nX(y): a\r\nContent-Length: 0\r\n\r\n",
                "HTTP/1.1 200 OK\r\nX: a\r\n folded\r\nContent-Length: 0\r\n\r\n",
                "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nNo colon\r\n\r\n",
                // fields the decoded path combines or removes by name
                "HTTP/1.1 200 OK\r\nVia: 1.1 other\r\nContent-Length: 0\r\n\r\n",
                "HTTP/1.1 200 OK\r\nConnection: X-Secret\r\nX-Secret: 1\r\nContent-Length: 0\r\n\r\n",
                "HTTP/1.1 200 OK\r\nClose: 1\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
            })
    void leftToTheDecoder(String response) {
        assertThat(verdict(response)).isEqualTo(ResponseSplicer.DECODE);
    }

    @Test
    void aBodyOverTheCopyLimit_isStreamedByTheDecoder() {
        String body = "x".repeat(ResponseSplicer.MAX_BODY + 1);
        assertThat(verdict("HTTP/1.1 200 OK\r\nContent-Length: " + body.length() + "\r\n\r\n" + body))
                .isEqualTo(ResponseSplicer.DECODE);
        String fits = "x".repeat(ResponseSplicer.MAX_BODY);
        assertThat(verdict("HTTP/1.1 200 OK\r\nContent-Length: " + fits.length() + "\r\n\r\n" + fits))
                .isEqualTo(ResponseSplicer.SPLICE);
    }
}
