package org.reverl.gateway.http.internal;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection: reads what the client sends and hands it to the connection's {@link Exchange} in order,
 * holds what the client pipelined while an exchange runs, turns reading on and off for flow control, and keeps the
 * client's clocks (idle, request head, request body, and response send timeouts). Confined to its event loop: no field
 * is shared with another thread.
 *
 * <h2>Flow control</h2>
 * Reading is left on ({@code AUTO_READ}) in the steady state and turned off only while the proxy must not read: while
 * pipelined messages wait in {@link #inbound} (so one socket read bounds it), and while a request body streams to a
 * backend connection that is not writable. With epoll, each explicit read with {@code AUTO_READ} off costs two {@code
 * epoll_ctl} calls, so it is not toggled per request.
 *
 * <h2>Timeouts</h2>
 * One lazily rescheduled timer serves every client-side timeout: it fires at the earliest deadline armed, then works
 * out from the state which one passed, if any, through the {@link Ticker}. The request head timeout starts with the
 * first byte of a head; the body timeout counts only while the proxy reads the body (a backend slow to take it is not
 * the client's fault); the send timeout counts while the client leaves its connection unwritable during a response.
 */
final class ClientConnection extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(ClientConnection.class);
    private static final long NOT_SET = Long.MIN_VALUE;

    private final ProxySettings settings;
    private final FrontendCodec codec;
    private final Exchange exchange;
    private final Runnable timeoutTask = this::onTimer;

    private ChannelHandlerContext ctx;
    private String clientIp = "unknown";
    private boolean trustedPeer;
    private long affinityHash;
    /** Messages read and not handled yet, because the exchange cannot take them now; lazily created. */
    private ArrayDeque<Object> inbound;

    private boolean draining;
    private boolean closed;
    /** Whether the channel reads by itself; turned off only while the proxy must not read. */
    private boolean autoReading = true;

    private boolean firstRequest = true;
    /** When the connection became idle between requests, or {@link #NOT_SET} while an exchange runs. */
    private long idleSince = NOT_SET;
    /** When the first byte of the next request head arrived, or {@link #NOT_SET}. */
    private long headSince = NOT_SET;
    /** When the request body last made progress while being read, or {@link #NOT_SET} if no body is due. */
    private long bodySince = NOT_SET;
    /** When the client stopped taking the response, or {@link #NOT_SET} while it takes it. */
    private long stalledSince = NOT_SET;

    private ScheduledFuture<?> timer;
    private long timerAt;

    ClientConnection(ProxySettings settings, FrontendCodec codec) {
        this.settings = settings;
        this.codec = codec;
        this.exchange = new Exchange(this, settings);
    }

    ChannelHandlerContext ctx() {
        return ctx;
    }

    String clientIp() {
        return clientIp;
    }

    /** The HTTP/1.1 codec, or {@code null} on an HTTP/2 stream (whose codec is the connection's). */
    FrontendCodec codec() {
        return codec;
    }

    /**
     * HTTP/1.1 parsing goes on after an upgrade request that opens no tunnel.
     *
     * @return whether bytes were received meanwhile that are lost to HTTP: the connection must end with the response
     */
    boolean resumeHttp() {
        return codec != null && codec.resumeHttp();
    }

    /**
     * The connection becomes a {@link Tunnel}: this handler is about to leave its pipeline. Its clocks stop, and the
     * messages it holds (bytes the client sent ahead of the 101) are handed over.
     *
     * @return the held messages, or {@code null}
     */
    ArrayDeque<Object> handOver() {
        closed = true;
        cancelTimer();
        idleSince = NOT_SET;
        headSince = NOT_SET;
        bodySince = NOT_SET;
        stalledSince = NOT_SET;
        ArrayDeque<Object> held = inbound;
        inbound = null;
        return held;
    }

    boolean trustedPeer() {
        return trustedPeer;
    }

    long affinityHash() {
        return affinityHash;
    }

    // ---------------------------------------------------------------- channel events

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        SocketAddress remote = ctx.channel().remoteAddress();
        if (remote instanceof InetSocketAddress) {
            InetSocketAddress isa = (InetSocketAddress) remote;
            if (isa.getAddress() != null) {
                clientIp = isa.getAddress().getHostAddress();
                trustedPeer = settings.trustedProxies.contains(isa.getAddress());
                affinityHash = isa.getAddress().hashCode() * 0x9E3779B97F4A7C15L;
            }
        }
        enterIdle();
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (closed) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (inbound != null && !inbound.isEmpty()) {
            inbound.add(msg);
            pauseReading();
            drainInbound();
            return;
        }
        if (exchange.accepts(msg)) {
            exchange.handle(msg);
        } else {
            if (inbound == null) {
                inbound = new ArrayDeque<>(4);
            }
            inbound.add(msg);
            pauseReading();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        exchange.flushBackend();
        if (idleSince != NOT_SET && headSince == NOT_SET && (codec != null && codec.hasPartialHead())) {
            // part of a head came: from now on the (shorter) head timeout applies
            headSince = settings.ticker.nanoTime();
            armTimer();
        }
        maybeRead();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        exchange.relay().onClientWritabilityChanged(ctx.channel().isWritable());
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closed = true;
        cancelTimer();
        releaseInbound();
        exchange.onClientClosed();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (log.isDebugEnabled()) {
            log.debug("client {}: {}", clientIp, cause.toString());
        }
        ctx.close();
    }

    // ---------------------------------------------------------------- reading

    /** Hands queued messages to the exchange for as long as it takes them, then flushes to the backend. */
    void drainInbound() {
        if (draining) {
            return;
        }
        draining = true;
        try {
            Object msg;
            while (inbound != null && (msg = inbound.peek()) != null) {
                if (closed) {
                    releaseInbound();
                    break;
                }
                if (!exchange.accepts(msg)) {
                    break;
                }
                inbound.poll();
                exchange.handle(msg);
            }
        } finally {
            draining = false;
        }
        exchange.flushBackend();
    }

    private void releaseInbound() {
        if (inbound != null) {
            Object msg;
            while ((msg = inbound.poll()) != null) {
                ReferenceCountUtil.release(msg);
            }
        }
    }

    /** Reads on while the proxy can take what comes, and stops otherwise. */
    void maybeRead() {
        if ((inbound != null && !inbound.isEmpty()) || exchange.holdsClientReads()) {
            pauseReading();
        } else if (!closed) {
            resumeReading();
        }
    }

    void pauseReading() {
        if (autoReading) {
            autoReading = false;
            ctx.channel().config().setAutoRead(false);
        }
    }

    private void resumeReading() {
        if (!autoReading) {
            autoReading = true;
            ctx.channel().config().setAutoRead(true);
            if (bodySince != NOT_SET) {
                // time spent not reading was not the client's
                bodySince = settings.ticker.nanoTime();
            }
        }
    }

    // ---------------------------------------------------------------- exchanges begin and end

    /** A request head arrived: the connection is no longer idle. */
    void onRequestStarted() {
        firstRequest = false;
        idleSince = NOT_SET;
        headSince = NOT_SET;
    }

    /** The exchange now waits for the request body from the client. */
    void awaitBody() {
        bodySince = settings.ticker.nanoTime();
        armTimer();
    }

    /** Part of the request body arrived. */
    void onBodyProgress() {
        bodySince = settings.ticker.nanoTime();
    }

    /** The request body is all read (or no longer wanted). */
    void bodyDone() {
        bodySince = NOT_SET;
    }

    /**
     * The exchange ended: the next request is read, or the connection closes.
     *
     * @param close whether the connection ends with this exchange
     */
    void endExchange(boolean close) {
        bodySince = NOT_SET;
        stalledSince = NOT_SET;
        if (close) {
            closeClient();
            return;
        }
        enterIdle();
        drainInbound();
        maybeRead();
    }

    /** Answers with {@code status} and closes: a request the proxy refuses, or one it cannot go on with. */
    void reject(HttpResponseStatus status) {
        settings.observer.onRejected(status.code());
        ctx.writeAndFlush(ErrorResponses.of(status, true), ctx.voidPromise());
        closeClient();
    }

    /** Closes after what was written is flushed. */
    void closeClient() {
        if (closed) {
            return;
        }
        closed = true;
        releaseInbound();
        ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    /** Closes at once, dropping what was not flushed: the client must see that a response is incomplete. */
    void abortClient() {
        closed = true;
        releaseInbound();
        ctx.close();
    }

    boolean isClosed() {
        return closed;
    }

    // ---------------------------------------------------------------- the client takes the response, or not

    /** The client stopped taking the response: its connection is not writable while a response is relayed. */
    void onSendStalled() {
        if (stalledSince == NOT_SET) {
            stalledSince = settings.ticker.nanoTime();
            armTimer();
        }
    }

    /** The client takes the response again. */
    void onSendResumed() {
        stalledSince = NOT_SET;
    }

    // ---------------------------------------------------------------- timeouts

    private void enterIdle() {
        idleSince = settings.ticker.nanoTime();
        headSince = NOT_SET;
        armTimer();
    }

    /**
     * The earliest deadline now armed, or {@link Long#MAX_VALUE} for none. Deadlines compare by difference, as {@link
     * System#nanoTime()} values must.
     */
    private long nextDeadline() {
        long deadline = Long.MAX_VALUE;
        boolean any = false;
        if (idleSince != NOT_SET) {
            deadline = idleSince + (firstRequest ? settings.requestHeadTimeoutNanos : settings.idleTimeoutNanos);
            any = true;
            if (headSince != NOT_SET) {
                deadline = earlier(deadline, headSince + settings.requestHeadTimeoutNanos);
            }
        }
        if (bodySince != NOT_SET) {
            long d = bodySince + settings.bodyTimeoutNanos;
            deadline = any ? earlier(deadline, d) : d;
            any = true;
        }
        if (stalledSince != NOT_SET) {
            long d = stalledSince + settings.sendTimeoutNanos;
            deadline = any ? earlier(deadline, d) : d;
            any = true;
        }
        return any ? deadline : Long.MAX_VALUE;
    }

    private static long earlier(long a, long b) {
        return a - b <= 0 ? a : b;
    }

    /** Makes sure the timer fires no later than the earliest deadline; most calls find it armed early enough. */
    private void armTimer() {
        long deadline = nextDeadline();
        if (deadline == Long.MAX_VALUE || closed) {
            return;
        }
        if (timer != null) {
            if (timerAt - deadline <= 0) {
                return;
            }
            timer.cancel(false);
        }
        timerAt = deadline;
        long delay = Math.max(0, deadline - settings.ticker.nanoTime());
        timer = ctx.executor().schedule(timeoutTask, delay, TimeUnit.NANOSECONDS);
    }

    private void onTimer() {
        timer = null;
        if (closed) {
            return;
        }
        long now = settings.ticker.nanoTime();
        if (bodySince != NOT_SET && !autoReading) {
            bodySince = now; // not reading: the client is not late
        }
        if (stalledSince != NOT_SET && now - (stalledSince + settings.sendTimeoutNanos) >= 0) {
            log.debug(
                    "client {} took no response bytes for {} ms: closed",
                    clientIp,
                    settings.sendTimeoutNanos / 1_000_000);
            exchange.onClientGone();
            abortClient();
            return;
        }
        if (bodySince != NOT_SET && now - (bodySince + settings.bodyTimeoutNanos) >= 0) {
            exchange.onBodyTimeout();
            return;
        }
        if (idleSince != NOT_SET) {
            if (headSince != NOT_SET && now - (headSince + settings.requestHeadTimeoutNanos) >= 0) {
                // a slow client: part of a head arrived, not all of it
                reject(HttpResponseStatus.REQUEST_TIMEOUT);
                return;
            }
            long limit = firstRequest ? settings.requestHeadTimeoutNanos : settings.idleTimeoutNanos;
            if (now - (idleSince + limit) >= 0) {
                if (headSince != NOT_SET || firstRequest && (codec != null && codec.hasPartialHead())) {
                    reject(HttpResponseStatus.REQUEST_TIMEOUT);
                } else {
                    abortClient();
                }
                return;
            }
        }
        armTimer();
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }
}
