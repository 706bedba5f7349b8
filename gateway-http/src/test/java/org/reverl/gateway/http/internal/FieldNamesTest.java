package org.reverl.gateway.http.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FieldNamesTest {

    private static AsciiString find(FieldNames table, String line, String name) {
        byte[] bytes = line.getBytes(StandardCharsets.ISO_8859_1);
        return table.find(bytes, line.indexOf(name), name.length());
    }

    @Test
    void exactName_sharedInstance_anywhereInTheLine() {
        AsciiString a = find(FieldNames.RESPONSE, "xxContent-Length: 5", "Content-Length");
        AsciiString b = find(FieldNames.RESPONSE, "Content-Length: 7", "Content-Length");
        assertThat((Object) a).isNotNull().isSameAs(b);
        assertThat(a.toString()).isEqualTo("Content-Length");
    }

    @Test
    void otherCaseOrLength_notFound_soTheDecoderCopiesItAsSent() {
        assertThat((Object) find(FieldNames.RESPONSE, "CONTENT-LENGTH: 5", "CONTENT-LENGTH"))
                .isNull();
        assertThat((Object) find(FieldNames.RESPONSE, "Content-Lengths: 5", "Content-Lengths"))
                .isNull();
        assertThat((Object) find(FieldNames.RESPONSE, "Content-Lengt: 5", "Content-Lengt"))
                .isNull();
        assertThat((Object) find(FieldNames.REQUEST, "X-Custom: 1", "X-Custom")).isNull();
    }

    @Test
    void requestDecoder_usesTheSharedName_andKeepsOthersAsSent() {
        FrontendCodec codec = new FrontendCodec(8192, 16384, 65536);
        EmbeddedChannel ch = new EmbeddedChannel(codec.decoder());
        ch.writeInbound(Unpooled.copiedBuffer(
                "GET / HTTP/1.1\r\nHost: a\r\nUser-Agent: t\r\nUSER-AGENT: u\r\nX-Mine: 1\r\n\r\n",
                StandardCharsets.ISO_8859_1));
        HttpRequest req = ch.readInbound();
        Object shared = null;
        StringBuilder names = new StringBuilder();
        Iterator<Map.Entry<CharSequence, CharSequence>> it = req.headers().iteratorCharSequence();
        while (it.hasNext()) {
            CharSequence name = it.next().getKey();
            names.append(name).append(',');
            if (name.toString().equals("User-Agent")) {
                shared = name;
            }
        }
        assertThat(names.toString()).isEqualTo("Host,User-Agent,USER-AGENT,X-Mine,");
        assertThat(shared).isSameAs(find(FieldNames.REQUEST, "User-Agent", "User-Agent"));
        ReferenceCountUtil.release(req);
        ch.finishAndReleaseAll();
    }
}
