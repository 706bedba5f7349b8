package org.reverl.gateway.http.internal;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Bounds the client connections served at once, as HAProxy's {@code maxconn}: on the listening channel, it counts each
 * accepted connection until it closes, and stops accepting while the limit is reached (new connections then wait in the
 * kernel's accept backlog, and are refused by the kernel once that is full; one accepted in the same batch as the one
 * that reached the limit is closed at once); accepting resumes when one closes. Nothing
 * is read from a connection the proxy cannot serve, and nothing about it can crash the proxy.
 */
@ChannelHandler.Sharable
public final class ConnectionLimiter extends ChannelInboundHandlerAdapter {

    private volatile int max;
    private final AtomicInteger open = new AtomicInteger();
    private final Runnable updateTask = this::update;
    private volatile Channel server;

    /** @param max the most client connections served at once */
    public ConnectionLimiter(int max) {
        this.max = max;
    }

    /** A new limit (a reload); applies from the next accepted connection. */
    public void setMax(int max) {
        this.max = max;
    }

    /** Client connections open now. */
    public int open() {
        return open.get();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        server = ctx.channel();
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Channel child = (Channel) msg;
        int now = open.incrementAndGet();
        int max = this.max;
        if (now > max) {
            // accepted in the same read as the one that reached the limit: refused, as the backlog would
            open.decrementAndGet();
            child.unsafe().closeForcibly();
            return;
        }
        child.closeFuture().addListener((ChannelFutureListener) f -> {
            if (open.getAndDecrement() >= this.max) {
                ctx.channel().eventLoop().execute(updateTask);
            }
        });
        update();
        ctx.fireChannelRead(msg);
    }

    /**
     * On the listening channel's event loop, so that decisions apply in order and always on the latest count: accept
     * while below the limit.
     */
    private void update() {
        Channel s = server;
        if (s != null && s.isOpen()) {
            boolean accept = open.get() < max;
            if (s.config().isAutoRead() != accept) {
                s.config().setAutoRead(accept);
            }
        }
    }
}
