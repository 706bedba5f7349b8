package org.reverl.gateway.http.internal;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The handler at the end of a backend connection's pipeline: hands the response pieces to the {@link Exchange}
 * that borrowed the connection, watches the response timeout, and takes the connection out of its pool when the
 * backend closes it while idle. The response timeout counts the backend's silence while a response is due, and is
 * paused while the proxy itself does not read the connection (its client is not taking the response). Confined to its
 * event loop.
 */
final class BackendHandler extends ChannelInboundHandlerAdapter {

    private final BackendPools.Pool pool;
    private final BackendCodec codec;
    private final long responseTimeoutNanos;
    private final Ticker ticker;
    /** Runs the lazily rescheduled response timer; one object for the connection's lifetime. */
    private final Runnable timeoutTask = this::onTimer;

    private ChannelHandlerContext ctx;
    /** The client connection using this connection, or {@code null} while it is idle in its pool. */
    private Exchange owner;
    /** Whether a response is due: the backend's silence counts against the response timeout. */
    private boolean awaiting;

    private long lastActivity;
    private ScheduledFuture<?> timer;

    /** Whether the proxy stopped reading the connection (backpressure): its silence is not the backend's. */
    private boolean paused;

    /** Whether this connection served a request before the current one (it was taken from the pool). */
    private boolean reused;
    /** Whether anything of a response arrived for the current request. */
    private boolean answered;
    /** The pool's epoch when the connection was parked, and when: see {@link BackendPools.Pool#poll()}. */
    long parkedEpoch;

    long parkedAt;

    BackendHandler(BackendPools.Pool pool, BackendCodec codec, long responseTimeoutNanos, Ticker ticker) {
        this.pool = pool;
        this.codec = codec;
        this.responseTimeoutNanos = responseTimeoutNanos;
        this.ticker = ticker;
    }

    /**
     * Whether a failure now would be that of a stale kept-alive connection: one that served a request before and got
     * nothing of a response this time, as when the backend closed it (idle timeout, or its process died) while the
     * request was on its way.
     */
    boolean failureLooksStale() {
        return reused && !answered;
    }

    /** Whether bytes arrived that no whole response accounts for: the connection is out of step. */
    boolean hasLeftoverBytes() {
        return codec.hasLeftoverBytes();
    }

    BackendCodec codec() {
        return codec;
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

    /** The connection serves {@code owner}'s request now; {@code fromPool} if it served one before. */
    void attach(Exchange owner, boolean fromPool) {
        this.owner = owner;
        this.reused = fromPool;
        this.answered = false;
    }

    /** Detaches the owner; nothing more is handed to it. */
    void detach() {
        owner = null;
        awaiting = false;
        paused = false;
    }

    /** Starts (or restarts) the response timeout: a response is due. */
    void awaitResponse() {
        awaiting = true;
        lastActivity = ticker.nanoTime();
        if (timer == null) {
            timer = ctx.executor().schedule(timeoutTask, responseTimeoutNanos, TimeUnit.NANOSECONDS);
        }
    }

    /** The proxy stops reading this connection because its client does not take the response: the clock stops. */
    void pauseResponseTimeout() {
        paused = true;
    }

    /** Reading resumes: the backend has the whole timeout again from now. */
    void resumeResponseTimeout() {
        paused = false;
        lastActivity = ticker.nanoTime();
    }

    /** Keeps reading while idle (auto-read), so that a close by the backend is seen at once and the connection leaves the pool. */
    void parkIdle() {
        owner = null;
        awaiting = false;
        paused = false;
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

    /** The connection became a tunnel: this handler leaves it. */
    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        owner = null;
        awaiting = false;
        cancelTimer();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Exchange o = owner;
        if (o != null) {
            answered = true;
            o.onBackendMessage(this, msg);
        } else {
            // nothing is due on an idle connection: a stray response means the connection is out of step
            ReferenceCountUtil.release(msg);
            ctx.close();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        Exchange o = owner;
        if (o != null) {
            if (awaiting) {
                lastActivity = ticker.nanoTime();
            }
            o.onBackendReadComplete(this);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        Exchange o = owner;
        if (o != null && ctx.channel().isWritable()) {
            o.onBackendWritable(this);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancelTimer();
        Exchange o = owner;
        owner = null;
        if (o != null) {
            o.onBackendFailed(this, null);
        } else {
            pool.remove(this);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Exchange o = owner;
        owner = null;
        if (o != null) {
            o.onBackendFailed(this, cause);
        }
        ctx.close();
    }

    private void onTimer() {
        timer = null;
        Exchange o = owner;
        if (!awaiting || o == null || !ctx.channel().isActive()) {
            return;
        }
        long now = ticker.nanoTime();
        if (paused) {
            lastActivity = now;
        }
        long idle = now - lastActivity;
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
