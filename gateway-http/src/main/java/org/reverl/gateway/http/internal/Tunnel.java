package org.reverl.gateway.http.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import org.reverl.gateway.api.Backend;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client connection and a backend connection joined after the backend switched protocols (a 101 to an upgrade
 * request): from then on bytes are copied as they are, both ways, with no HTTP codec on either side.
 *
 * <ul>
 *   <li><b>Backpressure</b>: a side is read only while the other side can take more (its channel is writable), so a
 *       peer that does not read stops the other one at the proxy's write buffer high-water mark.
 *   <li><b>Idle timeout</b>: when no byte moved either way for {@code tunnelIdleTimeout}, both ends are closed. A peer
 *       that stops reading stops the bytes, so it is closed by this timeout too.
 *   <li><b>End</b>: when either side closes, what was read from it is flushed to the other, which is then closed. The
 *       tunnel holds its try's lease until then, so the backend counts it in flight.
 * </ul>
 *
 * Both connections run on one event loop (a client connection borrows backend connections of its own loop); a tunnel
 * is confined to it.
 */
final class Tunnel {

    private static final Logger log = LoggerFactory.getLogger(Tunnel.class);

    private final ProxySettings settings;
    private final Dispatch dispatch;
    private final Backend backend;
    private final long handshakeNanos;
    private final long openedAt;
    private final Side clientSide = new Side("client");
    private final Side backendSide = new Side("backend");
    private final Runnable timeoutTask = this::onTimer;

    private long lastActivity;
    private ScheduledFuture<?> timer;
    private boolean closed;

    private Tunnel(ProxySettings settings, Dispatch dispatch, Backend backend, long handshakeNanos) {
        this.settings = settings;
        this.dispatch = dispatch;
        this.backend = backend;
        this.handshakeNanos = handshakeNanos;
        this.openedAt = settings.ticker.nanoTime();
        this.lastActivity = openedAt;
        clientSide.peer = backendSide;
        backendSide.peer = clientSide;
    }

    /**
     * Turns both connections into a tunnel: their HTTP codecs leave the pipelines, the tunnel's handlers take the place
     * of {@link ClientConnection} and {@link BackendHandler}, and the bytes the client sent ahead of the 101 go to the
     * backend first. Bytes read and not yet decoded on either side follow, as the decoders leave.
     *
     * @param conn the client connection, which hands over and leaves its pipeline
     * @param b the backend connection, detached from its exchange, never returned to its pool
     * @param dispatch the try's lease, held until the tunnel closes
     * @param handshakeNanos from taking the backend to its 101
     */
    static Tunnel open(
            ProxySettings settings, ClientConnection conn, BackendHandler b, Dispatch dispatch, long handshakeNanos) {
        Tunnel t = new Tunnel(settings, dispatch, b.pool().backend, handshakeNanos);
        Channel client = conn.ctx().channel();
        Channel server = b.channel();
        t.clientSide.channel = client;
        t.backendSide.channel = server;

        ArrayDeque<Object> early = conn.handOver();
        client.pipeline().remove(conn.codec().encoder());
        server.pipeline().remove(b.codec().encoder());
        client.pipeline().replace(conn, "tunnel", t.clientSide);
        server.pipeline().replace(b, "tunnel", t.backendSide);
        if (early != null) {
            Object msg;
            while ((msg = early.poll()) != null) {
                if (msg instanceof ByteBuf) {
                    server.write(msg, server.voidPromise());
                } else {
                    ReferenceCountUtil.release(msg);
                }
            }
        }
        server.flush();
        // what each decoder holds goes on to the other side as it leaves
        client.pipeline().remove(conn.codec().decoder());
        server.pipeline().remove(b.codec().decoder());
        client.flush();

        client.config().setAutoRead(server.isWritable());
        server.config().setAutoRead(client.isWritable());
        t.armTimer(settings.tunnelIdleTimeoutNanos);
        return t;
    }

    /** Whether the tunnel is closed. */
    boolean isClosed() {
        return closed;
    }

    private void armTimer(long delayNanos) {
        timer = clientSide.channel.eventLoop().schedule(timeoutTask, delayNanos, TimeUnit.NANOSECONDS);
    }

    private void onTimer() {
        timer = null;
        if (closed) {
            return;
        }
        long idle = settings.ticker.nanoTime() - lastActivity;
        if (idle >= settings.tunnelIdleTimeoutNanos) {
            log.debug("tunnel to {} idle for {} ms: closed", backend.id(), idle / 1_000_000);
            close(null);
        } else {
            armTimer(settings.tunnelIdleTimeoutNanos - idle);
        }
    }

    /**
     * Ends the tunnel: the side that closed is gone; the other gets what it was sent, then closes. A side that cannot
     * take more is closed at once: it is not reading, and nothing would ever flush.
     */
    private void close(Side gone) {
        if (closed) {
            return;
        }
        closed = true;
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
        for (Side s : new Side[] {clientSide, backendSide}) {
            if (s == gone || !s.channel.isOpen()) {
                continue;
            }
            if (gone != null && s.channel.isWritable()) {
                s.channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            } else {
                s.channel.close();
            }
        }
        dispatch.tunnelClosed(handshakeNanos, settings.ticker.nanoTime() - openedAt);
    }

    /** One end of the tunnel: copies what it reads to the other end. */
    private final class Side extends ChannelInboundHandlerAdapter {
        private final String name;
        Side peer;
        Channel channel;
        private boolean pendingFlush;

        Side(String name) {
            this.name = name;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (closed || !(msg instanceof ByteBuf)) {
                ReferenceCountUtil.release(msg);
                return;
            }
            peer.channel.write(msg, peer.channel.voidPromise());
            pendingFlush = true;
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            if (pendingFlush) {
                pendingFlush = false;
                lastActivity = settings.ticker.nanoTime();
                peer.channel.flush();
            }
            if (!closed && !peer.channel.isWritable()) {
                // the other end takes no more for now: stop reading this one until it drains
                channel.config().setAutoRead(false);
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (!closed && ctx.channel().isWritable()) {
                lastActivity = settings.ticker.nanoTime();
                peer.channel.config().setAutoRead(true);
            }
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (pendingFlush) {
                pendingFlush = false;
                peer.channel.flush();
            }
            close(this);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (!closed && log.isDebugEnabled()) {
                log.debug("tunnel to {}: {} side failed: {}", backend.id(), name, cause.toString());
            }
            ctx.close();
        }
    }
}
