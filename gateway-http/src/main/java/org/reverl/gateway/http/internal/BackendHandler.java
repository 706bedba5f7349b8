package org.reverl.gateway.http.internal;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The handler at the end of a backend connection's pipeline: hands the response pieces to the {@link FrontendHandler}
 * that borrowed the connection, watches the response timeout, and takes the connection out of its pool when the
 * backend closes it while idle. Confined to its event loop.
 */
final class BackendHandler extends ChannelInboundHandlerAdapter {

    private final BackendPools.Pool pool;
    private final long responseTimeoutNanos;
    /** Runs the lazily rescheduled response timer; one object for the connection's lifetime. */
    private final Runnable timeoutTask = this::onTimer;

    private ChannelHandlerContext ctx;
    /** The client connection using this connection, or {@code null} while it is idle in its pool. */
    private FrontendHandler owner;
    /** Whether a response is due: the backend's silence counts against the response timeout. */
    private boolean awaiting;

    private long lastActivity;
    private ScheduledFuture<?> timer;

    BackendHandler(BackendPools.Pool pool, long responseTimeoutNanos) {
        this.pool = pool;
        this.responseTimeoutNanos = responseTimeoutNanos;
    }

    BackendPools.Pool pool() {
        return pool;
    }

    Channel channel() {
        return ctx.channel();
    }

    boolean isUsable() {
        return ctx != null && ctx.channel().isActive();
    }

    void attach(FrontendHandler owner) {
        this.owner = owner;
    }

    /** Detaches the owner; nothing more is handed to it. */
    void detach() {
        owner = null;
        awaiting = false;
    }

    /** Starts (or restarts) the response timeout: a response is due. */
    void awaitResponse() {
        awaiting = true;
        lastActivity = System.nanoTime();
        if (timer == null) {
            timer = ctx.executor().schedule(timeoutTask, responseTimeoutNanos, TimeUnit.NANOSECONDS);
        }
    }

    /** Keeps reading while idle (auto-read), so that a close by the backend is seen at once and the connection leaves the pool. */
    void parkIdle() {
        owner = null;
        awaiting = false;
        ctx.channel().config().setAutoRead(true);
    }

    void close() {
        owner = null;
        awaiting = false;
        if (ctx != null) {
            ctx.close();
        }
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        FrontendHandler o = owner;
        if (o != null) {
            o.onBackendMessage(this, msg);
        } else {
            // nothing is due on an idle connection: a stray response means the connection is out of step
            ReferenceCountUtil.release(msg);
            ctx.close();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        FrontendHandler o = owner;
        if (o != null) {
            if (awaiting) {
                lastActivity = System.nanoTime();
            }
            o.onBackendReadComplete(this);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        FrontendHandler o = owner;
        if (o != null && ctx.channel().isWritable()) {
            o.onBackendWritable(this);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancelTimer();
        FrontendHandler o = owner;
        owner = null;
        if (o != null) {
            o.onBackendFailed(this, null);
        } else {
            pool.remove(this);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        FrontendHandler o = owner;
        owner = null;
        if (o != null) {
            o.onBackendFailed(this, cause);
        }
        ctx.close();
    }

    private void onTimer() {
        timer = null;
        FrontendHandler o = owner;
        if (!awaiting || o == null || !ctx.channel().isActive()) {
            return;
        }
        long idle = System.nanoTime() - lastActivity;
        if (idle >= responseTimeoutNanos) {
            awaiting = false;
            owner = null;
            o.onBackendTimeout(this);
            ctx.close();
        } else {
            timer = ctx.executor().schedule(timeoutTask, responseTimeoutNanos - idle, TimeUnit.NANOSECONDS);
        }
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }
}
