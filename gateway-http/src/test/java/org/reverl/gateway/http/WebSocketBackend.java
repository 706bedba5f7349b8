package org.reverl.gateway.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A WebSocket backend on 127.0.0.1 built on Netty's WebSocket codec, at {@code /ws}. A text message is echoed with the
 * backend's name in front; {@code bye} is answered with a close frame (1000) and the connection is closed; {@code
 * flood} sends 64 KiB binary frames for as long as the connection is writable, up to 256 MiB, counting what was
 * written.
 */
final class WebSocketBackend implements AutoCloseable {

    static final int FLOOD_FRAME = 64 * 1024;
    static final long FLOOD_LIMIT = 256L << 20;

    final String name;
    final AtomicInteger open = new AtomicInteger();
    final AtomicInteger closed = new AtomicInteger();
    final AtomicLong flooded = new AtomicLong();
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel server;

    WebSocketBackend(String name) {
        this.name = name;
        server = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        open.incrementAndGet();
                        ch.closeFuture().addListener(f -> closed.incrementAndGet());
                        ch.pipeline()
                                .addLast(new HttpServerCodec())
                                .addLast(new HttpObjectAggregator(1 << 20))
                                .addLast(new WebSocketServerProtocolHandler("/ws", null, false, 1 << 20))
                                .addLast(new WebSocketFrameAggregator(1 << 20))
                                .addLast(new Echo());
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0))
                .syncUninterruptibly()
                .channel();
    }

    String address() {
        return "127.0.0.1:" + ((InetSocketAddress) server.localAddress()).getPort();
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }

    private final class Echo extends SimpleChannelInboundHandler<TextWebSocketFrame> {
        private boolean flooding;

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, TextWebSocketFrame frame) {
            String text = frame.text();
            switch (text) {
                case "bye":
                    ctx.writeAndFlush(new CloseWebSocketFrame(1000, "bye")).addListener(ChannelFutureListener.CLOSE);
                    break;
                case "flood":
                    flooding = true;
                    flood(ctx);
                    break;
                default:
                    ctx.writeAndFlush(new TextWebSocketFrame(name + ": " + text));
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            flood(ctx);
            ctx.fireChannelWritabilityChanged();
        }

        private void flood(ChannelHandlerContext ctx) {
            while (flooding && ctx.channel().isWritable() && flooded.get() < FLOOD_LIMIT) {
                ctx.writeAndFlush(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(new byte[FLOOD_FRAME])))
                        .addListener(f -> {
                            if (f.isSuccess()) {
                                flooded.addAndGet(FLOOD_FRAME);
                            }
                        });
                if (flooded.get() >= FLOOD_LIMIT) {
                    break;
                }
            }
        }
    }
}
