package org.reverl.gateway.http.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;

/**
 * The short responses the proxy sends itself: a status, {@code text/plain} body of one line, never a stack trace.
 * Bodies are shared read-only buffers; each response is a new message with a retained slice of them.
 */
final class ErrorResponses {

    private static final AsciiString TEXT_PLAIN = AsciiString.cached("text/plain; charset=utf-8");

    private static final ByteBuf[] BODIES = new ByteBuf[600];

    static {
        body(HttpResponseStatus.BAD_REQUEST, "bad request");
        body(HttpResponseStatus.METHOD_NOT_ALLOWED, "method not allowed");
        body(HttpResponseStatus.REQUEST_TIMEOUT, "request timeout");
        body(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "request body too large");
        body(HttpResponseStatus.REQUEST_URI_TOO_LONG, "uri too long");
        body(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "request header fields too large");
        body(HttpResponseStatus.NOT_IMPLEMENTED, "not implemented");
        body(HttpResponseStatus.BAD_GATEWAY, "bad gateway");
        body(HttpResponseStatus.SERVICE_UNAVAILABLE, "no backend available");
        body(HttpResponseStatus.GATEWAY_TIMEOUT, "gateway timeout");
        body(HttpResponseStatus.HTTP_VERSION_NOT_SUPPORTED, "http version not supported");
        // any other error status (a router's no-match status) answers its reason phrase
        for (int code = 400; code < 600; code++) {
            if (BODIES[code] == null) {
                HttpResponseStatus status = HttpResponseStatus.valueOf(code);
                body(status, status.reasonPhrase().toLowerCase(java.util.Locale.ROOT));
            }
        }
    }

    private ErrorResponses() {}

    private static void body(HttpResponseStatus status, String text) {
        byte[] bytes = (text + "\n").getBytes(StandardCharsets.UTF_8);
        BODIES[status.code()] = Unpooled.unreleasableBuffer(
                Unpooled.directBuffer(bytes.length).writeBytes(bytes).asReadOnly());
    }

    /**
     * A complete response with a short body.
     *
     * @param close whether to send {@code Connection: close}
     */
    static FullHttpResponse of(HttpResponseStatus status, boolean close) {
        ByteBuf body = BODIES[status.code()];
        if (body == null) {
            throw new IllegalArgumentException("status: " + status + " (expected: one with a canned body)");
        }
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body.duplicate(), false);
        HttpHeaders headers = response.headers();
        headers.set(HttpHeaderNames.CONTENT_TYPE, TEXT_PLAIN);
        headers.setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        if (close) {
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        return response;
    }
}
