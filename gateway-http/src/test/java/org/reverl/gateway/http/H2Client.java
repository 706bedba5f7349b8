package org.reverl.gateway.http;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrame;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/** A plain-text HTTP/2 client with prior knowledge (h2c) on Netty's HTTP/2 codec, for tests. */
final class H2Client implements AutoCloseable {

    /** A response: its status and body. */
    record Reply(int status, String body) {}

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    final Channel channel;
    /** The GOAWAY the server sent, if any. */
    final AtomicReference<Http2GoAwayFrame> goAway = new AtomicReference<>();

    H2Client(InetSocketAddress server) {
        channel = new Bootstrap()
                .group(group)
                .channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline()
                                .addLast(Http2FrameCodecBuilder.forClient().build())
                                .addLast(new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()))
                                .addLast(new ChannelInboundHandlerAdapter() {
                                    @Override
                                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                        if (msg instanceof Http2GoAwayFrame) {
                                            goAway.set(((Http2GoAwayFrame) msg).retain());
                                        }
                                        io.netty.util.ReferenceCountUtil.release(msg);
                                    }
                                });
                    }
                })
                .connect(server)
                .syncUninterruptibly()
                .channel();
    }

    static Http2Headers get(String path) {
        return new DefaultHttp2Headers()
                .method("GET")
                .scheme("http")
                .authority("h2.test")
                .path(path);
    }

    /** Sends a GET on a new stream; completes with the whole response. */
    CompletableFuture<Reply> send(String path) {
        return send(get(path));
    }

    /** Sends a request without a body on a new stream; completes with the whole response. */
    CompletableFuture<Reply> send(Http2Headers headers) {
        CompletableFuture<Reply> reply = new CompletableFuture<>();
        StringBuilder body = new StringBuilder();
        int[] status = {0};
        new Http2StreamChannelBootstrap(channel)
                .handler(new SimpleChannelInboundHandler<Http2StreamFrame>() {
                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, Http2StreamFrame frame) {
                        boolean end = false;
                        if (frame instanceof Http2HeadersFrame) {
                            Http2HeadersFrame h = (Http2HeadersFrame) frame;
                            if (h.headers().status() != null) {
                                status[0] =
                                        Integer.parseInt(h.headers().status().toString());
                            }
                            end = h.isEndStream();
                        } else if (frame instanceof Http2DataFrame) {
                            Http2DataFrame d = (Http2DataFrame) frame;
                            body.append(d.content().toString(StandardCharsets.UTF_8));
                            end = d.isEndStream();
                        }
                        if (end) {
                            reply.complete(new Reply(status[0], body.toString()));
                        }
                    }

                    @Override
                    public void channelInactive(ChannelHandlerContext ctx) {
                        reply.completeExceptionally(new IllegalStateException("stream closed"));
                    }
                })
                .open()
                .addListener(f -> {
                    if (!f.isSuccess()) {
                        reply.completeExceptionally(f.cause());
                        return;
                    }
                    Http2StreamChannel s = (Http2StreamChannel) f.getNow();
                    s.writeAndFlush(new DefaultHttp2HeadersFrame(headers, true));
                });
        return reply;
    }

    /**
     * Opens a stream with a GET and resets it at once, as the rapid reset attack does.
     *
     * @return false if the connection is closed already
     */
    boolean openAndReset(String path) throws Exception {
        io.netty.util.concurrent.Future<Http2StreamChannel> open = new Http2StreamChannelBootstrap(channel)
                .handler(new ChannelInboundHandlerAdapter())
                .open()
                .await();
        if (!open.await(5, TimeUnit.SECONDS) || !open.isSuccess()) {
            return false;
        }
        Http2StreamChannel s = open.getNow();
        s.write(new DefaultHttp2HeadersFrame(get(path), true));
        s.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.CANCEL));
        return true;
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        Http2GoAwayFrame g = goAway.getAndSet(null);
        if (g != null) {
            g.release();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
