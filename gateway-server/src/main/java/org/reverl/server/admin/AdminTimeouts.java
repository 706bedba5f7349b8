package org.reverl.server.admin;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The admin port's client timers, first in the pipeline so that it sees raw bytes: a connection idle between requests
 * is closed after the idle timeout, and a request must arrive whole (head and body) within the request timeout of its
 * first byte, else the connection is closed. While the server works on a request no timer runs; it starts again when
 * the response is written. So slow or idle clients cost a socket each and never a thread.
 *
 * <p>Timers run on the channel's event loop ({@code ctx.executor()}), whose clock tests can advance ({@code
 * EmbeddedChannel.advanceTimeBy}). One instance per connection; not shareable.
 */
final class AdminTimeouts extends ChannelInboundHandlerAdapter {

    private enum Phase {
        IDLE,
        READING,
        BUSY
    }

    private final long requestNanos;
    private final long idleNanos;
    private Phase phase = Phase.IDLE;
    private ScheduledFuture<?> timer;
    private ChannelHandlerContext ctx;

    AdminTimeouts(long requestNanos, long idleNanos) {
        this.requestNanos = requestNanos;
        this.idleNanos = idleNanos;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        if (ctx.channel().isActive()) {
            arm(ctx, idleNanos);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        arm(ctx, idleNanos);
        super.channelActive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (phase == Phase.IDLE) {
            phase = Phase.READING;
            arm(ctx, requestNanos);
        }
        super.channelRead(ctx, msg);
    }

    /** The whole request arrived: the server works on it, no timer runs. */
    static void requestReceived(ChannelHandlerContext anyCtx) {
        AdminTimeouts t = anyCtx.pipeline().get(AdminTimeouts.class);
        if (t != null) {
            t.phase = Phase.BUSY;
            t.cancel();
        }
    }

    /** The response was written: the connection is idle until the next request starts. */
    static void responseSent(ChannelHandlerContext anyCtx) {
        AdminTimeouts t = anyCtx.pipeline().get(AdminTimeouts.class);
        if (t != null && t.ctx != null && anyCtx.channel().isActive()) {
            t.phase = Phase.IDLE;
            t.arm(t.ctx, t.idleNanos);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        cancel();
        super.channelInactive(ctx);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cancel();
    }

    private void arm(ChannelHandlerContext ctx, long nanos) {
        cancel();
        Phase armedFor = phase;
        timer = ctx.executor()
                .schedule(
                        () -> {
                            if (phase == armedFor && phase != Phase.BUSY) {
                                ctx.close();
                            }
                        },
                        nanos,
                        TimeUnit.NANOSECONDS);
    }

    private void cancel() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }
}
