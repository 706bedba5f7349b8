package org.reverl.gateway.http.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class AccessLogHandlerTest {

    private final List<String> lines = new ArrayList<>();
    private final EmbeddedChannel ch = new EmbeddedChannel(new AccessLogHandler(lines::add));

    private void request(HttpMethod method, String uri) {
        ch.writeInbound(new DefaultHttpRequest(HttpVersion.HTTP_1_1, method, uri));
        ch.readInbound();
    }

    private void respond(HttpResponseStatus status, String... chunks) {
        ch.write(new DefaultHttpResponse(HttpVersion.HTTP_1_1, status));
        for (String c : chunks) {
            ch.write(new DefaultHttpContent(Unpooled.copiedBuffer(c, StandardCharsets.US_ASCII)));
        }
        ch.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
    }

    @Test
    void pipelinedRequests_oneLineEachInOrder_withStatusAndBodyBytes() {
        try {
            request(HttpMethod.GET, "/a");
            request(HttpMethod.POST, "/b?x=1");
            respond(HttpResponseStatus.OK, "hello", " world");
            respond(HttpResponseStatus.CREATED);

            assertThat(lines).hasSize(2);
            assertThat(lines.get(0)).matches("- \"GET /a HTTP/1.1\" 200 11 [0-9]+\\.[0-9]{2}ms");
            assertThat(lines.get(1)).matches("- \"POST /b\\?x=1 HTTP/1.1\" 201 0 [0-9]+\\.[0-9]{2}ms");
        } finally {
            ch.finishAndReleaseAll();
        }
    }

    @Test
    void splicedResponse_oneLine_withItsStatusAndBodyLength_bytesPassedOn() {
        try {
            request(HttpMethod.GET, "/s");
            String bytes = "HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\nvia: 1.1 reverl\r\n\r\nnop";
            ch.writeAndFlush(new SplicedResponse()
                    .set(Unpooled.copiedBuffer(bytes, StandardCharsets.US_ASCII), 404, true, bytes.length() - 5, 3));

            assertThat(lines).hasSize(1);
            assertThat(lines.get(0)).matches("- \"GET /s HTTP/1.1\" 404 3 [0-9]+\\.[0-9]{2}ms");
            SplicedResponse out = ch.readOutbound();
            assertThat(out.content().toString(StandardCharsets.US_ASCII)).isEqualTo(bytes);
            out.release();
        } finally {
            ch.finishAndReleaseAll();
        }
    }

    @Test
    void interimContinue_notLogged_finalResponseIs() {
        try {
            request(HttpMethod.PUT, "/upload");
            ch.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));
            ch.write(new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NO_CONTENT));
            ch.writeAndFlush(new DefaultLastHttpContent());

            assertThat(lines).singleElement().asString().startsWith("- \"PUT /upload HTTP/1.1\" 204 0 ");
        } finally {
            ch.finishAndReleaseAll();
        }
    }

    @Test
    void responseWithoutAParsedRequest_logsADash() {
        try {
            ch.writeAndFlush(new DefaultFullHttpResponse(
                    HttpVersion.HTTP_1_1,
                    HttpResponseStatus.BAD_REQUEST,
                    Unpooled.copiedBuffer("bad request\n", StandardCharsets.US_ASCII)));

            assertThat(lines).singleElement().asString().startsWith("- \"-\" 400 12 ");
        } finally {
            ch.finishAndReleaseAll();
        }
    }

    @Test
    void connectionClosedMidResponse_saysSo() {
        request(HttpMethod.GET, "/big");
        ch.writeAndFlush(new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK));
        ch.writeAndFlush(new DefaultHttpContent(Unpooled.copiedBuffer("part", StandardCharsets.US_ASCII)));
        ch.finishAndReleaseAll();

        assertThat(lines).containsExactly("- \"GET /big HTTP/1.1\" 200 4 closed before the end");
    }
}
