package org.reverl.health.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import org.reverl.gateway.api.ProbeResult;

/**
 * One probe's exchange on its own connection: writes the request when connected, reads the response head, and, when
 * a body text is expected, the body up to {@link HttpProbeSettings#MAX_BODY_BYTES}. Completes {@code result} once;
 * the probe closes the connection when it is complete. Runs on the connection's event loop only.
 */
final class ProbeExchangeHandler extends ChannelInboundHandlerAdapter {

    /** Turns a failure into a probe reason. */
    @FunctionalInterface
    interface Reasons {
        String of(Throwable failure);
    }

    private final HttpProbeSettings settings;
    private final FullHttpRequest request;
    private final CompletableFuture<ProbeResult> result;
    private final Reasons reasons;

    private int status;
    private ByteBuf body;

    ProbeExchangeHandler(
            HttpProbeSettings settings,
            FullHttpRequest request,
            CompletableFuture<ProbeResult> result,
            Reasons reasons) {
        this.settings = settings;
        this.request = request;
        this.result = result;
        this.reasons = reasons;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        // Over TLS the SslHandler holds the request until the handshake is done.
        ctx.writeAndFlush(request).addListener(f -> {
            if (!f.isSuccess()) {
                result.complete(ProbeResult.down(reasons.of(f.cause())));
            }
        });
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (result.isDone()) {
                return;
            }
            if (msg instanceof HttpResponse) {
                HttpResponse response = (HttpResponse) msg;
                if (response.decoderResult().isFailure()) {
                    result.complete(ProbeResult.down("http probe: bad response from " + settings.path() + ": "
                            + response.decoderResult().cause().getMessage()));
                    return;
                }
                status = response.status().code();
                if (!settings.expectStatus().contains(status)) {
                    result.complete(ProbeResult.down("http probe: " + status + " from " + settings.path()));
                    return;
                }
                if (settings.expectBody() == null) {
                    result.complete(ProbeResult.up());
                    return;
                }
                body = ctx.alloc().buffer(256, HttpProbeSettings.MAX_BODY_BYTES);
            }
            if (msg instanceof HttpContent && body != null) {
                ByteBuf chunk = ((HttpContent) msg).content();
                body.writeBytes(chunk, chunk.readerIndex(), Math.min(chunk.readableBytes(), body.maxWritableBytes()));
                if (contains(body, settings.expectBody())) {
                    result.complete(ProbeResult.up());
                } else if (msg instanceof LastHttpContent || body.maxWritableBytes() == 0) {
                    result.complete(ProbeResult.down("http probe: " + status + " from " + settings.path() + " without '"
                            + settings.expectBody() + "' in its body"));
                }
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private static boolean contains(ByteBuf haystack, String needle) {
        ByteBuf n = Unpooled.wrappedBuffer(needle.getBytes(StandardCharsets.UTF_8));
        return ByteBufUtil.indexOf(n, haystack) >= 0;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof SslHandshakeCompletionEvent && !((SslHandshakeCompletionEvent) evt).isSuccess()) {
            result.complete(ProbeResult.down(reasons.of(((SslHandshakeCompletionEvent) evt).cause())));
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        result.complete(ProbeResult.down(reasons.of(cause)));
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        result.complete(ProbeResult.down("http probe: connection closed before a "
                + (status == 0 ? "response" : "complete body") + " from " + settings.path()));
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (body != null) {
            body.release();
            body = null;
        }
        // never written when the connection failed; released here so a refused probe leaks nothing
        if (request.refCnt() > 0) {
            ReferenceCountUtil.release(request);
        }
    }
}
