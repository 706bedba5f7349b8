package org.reverl.gateway.http.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The raw request-head checks, whole and split into one-byte reads: the verdict never depends on the split. */
class HeadScannerTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "GET / HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n|0",
                "\\r\\nGET /a?b=c HTTP/1.0\\r\\n\\r\\n|0",
                "OPTIONS * HTTP/1.1\\r\\nHost: x\\r\\nX-Long: aaaaaaaaaaaaaaaaaaaa\\r\\n\\r\\n|0",
                "' GET / HTTP/1.1\\r\\n\\r\\n'|400",
                "GET /a#b HTTP/1.1\\r\\n\\r\\n|400",
                "GET / http/1.1\\r\\n\\r\\n|400",
                "GET / HTTP/1.1x\\r\\n\\r\\n|400",
                "GET / HTTP/3.0\\r\\n\\r\\n|505",
                "GET  / HTTP/1.1\\r\\n\\r\\n|400",
                "GET / HTTP/1.1\\r\\nA: b\\r\\n c\\r\\n\\r\\n|400",
                "GET / HTTP/1.1\\r\\nA: b\\r\\n\\tc\\r\\n\\r\\n|400",
            })
    void verdict_sameWholeAndByteByByte(String escaped, int status) {
        String head = escaped.replace("\\r", "\r").replace("\\n", "\n").replace("\\t", "\t");
        assertThat(scanWhole(head)).isEqualTo(status);
        assertThat(scanByteByByte(head)).isEqualTo(status);
    }

    @Test
    void stopsAtTheEndOfTheHead_theBodyIsNotScanned() {
        HeadScanner s = new HeadScanner();
        ByteBuf b = bytes("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n\u0000 \r\n\n");
        assertThat(s.scan(b)).isNull();
        assertThat(s.done()).isTrue();
        b.release();
    }

    private static int scanWhole(String head) {
        HeadScanner s = new HeadScanner();
        ByteBuf b = bytes(head);
        try {
            return verdict(s.scan(b), s);
        } finally {
            b.release();
        }
    }

    private static int scanByteByByte(String head) {
        HeadScanner s = new HeadScanner();
        ByteBuf b = Unpooled.buffer();
        try {
            for (byte x : head.getBytes(StandardCharsets.ISO_8859_1)) {
                b.writeByte(x);
                RequestRejectedException bad = s.scan(b);
                if (bad != null) {
                    return bad.status().code();
                }
            }
            return verdict(null, s);
        } finally {
            b.release();
        }
    }

    private static int verdict(RequestRejectedException bad, HeadScanner s) {
        if (bad != null) {
            return bad.status().code();
        }
        assertThat(s.done()).as("a head that passes is scanned to its end").isTrue();
        return 0;
    }

    private static ByteBuf bytes(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.ISO_8859_1);
    }
}
