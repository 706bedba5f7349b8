package org.reverl.gateway.http.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.DecoratingHttp2ConnectionDecoder;
import io.netty.handler.codec.http2.Http2ConnectionDecoder;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2Settings;
import java.util.List;

/**
 * Netty's server {@link Http2FrameCodec} whose header blocks that decode past the header list size end the connection
 * (GOAWAY {@code ENHANCE_YOUR_CALM}) instead of the stream alone (Netty answers such a stream with 431 and keeps the
 * connection): a block that inflates past the limit is an HPACK bomb, and its sender gets no second try on that
 * connection. HPACK stops storing fields past the limit while it decodes, so the bomb costs no memory before that.
 */
final class Http2ServerCodec extends Http2FrameCodecBuilder {

    Http2ServerCodec() {
        server(true);
    }

    @Override
    protected Http2FrameCodec build(
            Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder, Http2Settings initialSettings) {
        return super.build(new HeaderListLimit(decoder), encoder, initialSettings);
    }

    /** Turns a header list past its size, a stream error in Netty, into a connection error. */
    private static final class HeaderListLimit extends DecoratingHttp2ConnectionDecoder {

        HeaderListLimit(Http2ConnectionDecoder delegate) {
            super(delegate);
        }

        @Override
        public void decodeFrame(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Http2Exception {
            try {
                super.decodeFrame(ctx, in, out);
            } catch (Http2Exception.HeaderListSizeException e) {
                throw Http2Exception.connectionError(
                        Http2Error.ENHANCE_YOUR_CALM,
                        e,
                        "header list of stream %d past the header list size",
                        e.streamId());
            }
        }
    }
}
