package org.reverl.gateway.http.internal;

import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;

/**
 * Refuses with {@code RST_STREAM PROTOCOL_ERROR} an HTTP/2 request whose pseudo-header fields could not make an
 * HTTP/1.1 request line (RFC 9113, section 8.3.1, read with RFC 9112's request line): a {@code :method} that is not a
 * token; a {@code :path} that is empty, not origin-form ({@code *} for {@code OPTIONS} aside), or holds a byte other
 * than visible ASCII, or a {@code #}; an {@code :authority} that no {@code Host} could hold. HTTP/2 carries these as
 * lengths and bytes, so a space or CRLF in them would be a second request line for the backend if it got there.
 *
 * <p>Checked on the stream's HEADERS frame, before {@code Http2StreamFrameToHttpObjectCodec}: Netty's translation
 * allocates the request's body buffer before it checks the request line and leaks the buffer when the check throws,
 * one per such request. {@code CONNECT} (no {@code :path}) goes on to the exchange, which refuses it as for HTTP/1.1.
 */
@Sharable
final class Http2RequestGuard extends ChannelInboundHandlerAdapter {

    static final Http2RequestGuard INSTANCE = new Http2RequestGuard();

    private Http2RequestGuard() {}

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof Http2HeadersFrame && !valid(((Http2HeadersFrame) msg).headers())) {
            ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.PROTOCOL_ERROR));
            return; // a headers frame holds no buffer; the reset closes the stream, and its frames after it go nowhere
        }
        ctx.fireChannelRead(msg);
    }

    /** Whether the request line's parts are what an HTTP/1.1 request line may hold; trailers pass. */
    static boolean valid(Http2Headers h) {
        CharSequence method = h.method();
        if (method == null) {
            return true; // trailers; a request without :method is the codec's to refuse
        }
        if (method.length() == 0 || !HeadScanner.isToken(method, 0, method.length())) {
            return false;
        }
        CharSequence authority = h.authority();
        if (authority != null && !HeaderRules.validHost(authority)) {
            return false;
        }
        CharSequence path = h.path();
        if (path == null) {
            return HttpMethod.CONNECT.asciiName().contentEquals(method);
        }
        if (path.length() == 1 && path.charAt(0) == '*') {
            return HttpMethod.OPTIONS.asciiName().contentEquals(method);
        }
        if (path.length() == 0 || path.charAt(0) != '/') {
            return false;
        }
        for (int i = 0, n = path.length(); i < n; i++) {
            char c = path.charAt(i);
            if (c <= ' ' || c >= 0x7f || c == '#') {
                return false;
            }
        }
        return true;
    }
}
