package org.reverl.gateway.http.internal;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;

/**
 * The backend side of an exchange's current try: gets a connection to the chosen backend (an idle one from its pool,
 * a new one, or one it waits for in the backend's queue when its connections are limited) and writes the request onto
 * it: whole in one message when the request is at hand, or as a head followed by a streamed body. The exchange hears
 * back through {@link Exchange#onUpstreamReady}, {@link Failover#onConnectFailed} and {@link
 * Failover#onQueueRefused}. One per connection, reused by each try; confined to its event loop.
 */
final class Upstream {

    private final Exchange exchange;
    private final ProxySettings settings;
    private final ChannelFutureListener connectListener = this::onConnected;

    private ChannelFuture connectFuture;
    /** The pool whose queue this try waits in, and until when. */
    private BackendPools.Pool queuedIn;

    private long queuedUntil;
    private BackendHandler backend;
    /**
     * The request head is not written yet: held until the next piece of the request, so that a request whose end came
     * with it goes out as one message; written before any other content, and at the latest when the connection is
     * flushed.
     */
    private boolean headHeld;

    private boolean pendingFlush;

    Upstream(Exchange exchange, ProxySettings settings) {
        this.exchange = exchange;
        this.settings = settings;
    }

    /** The connection the request goes on, or {@code null} before it has one. */
    BackendHandler backend() {
        return backend;
    }

    /** Whether the request's connection can take more now. */
    boolean writable() {
        return backend != null && backend.channel().isWritable();
    }

    // ---------------------------------------------------------------- getting a connection

    /**
     * Gets a connection of {@code pool}: idle, new, or after waiting in the backend's queue.
     *
     * @param connectTimeoutMillis for a new connection
     * @param fresh a new connection, not an idle one: for an upgrade, which would not return the connection to the pool
     *     anyway, and which could not be sent again if a kept-alive connection turned out dead under it
     */
    void open(BackendPools.Pool pool, int connectTimeoutMillis, boolean fresh) {
        BackendHandler idle = fresh ? null : pool.poll();
        if (idle != null) {
            ready(idle, true);
            return;
        }
        if (pool.tryOpen()) {
            connect(pool, connectTimeoutMillis);
            return;
        }
        long until = settings.ticker.nanoTime() + settings.queueTimeoutNanos;
        if (pool.enqueue(this, until)) {
            queuedIn = pool;
            queuedUntil = until;
        } else {
            exchange.failover().onQueueRefused("queue full");
        }
    }

    private void connect(BackendPools.Pool pool, int connectTimeoutMillis) {
        ChannelFuture f = pool.connect(connectTimeoutMillis);
        connectFuture = f;
        f.addListener(connectListener);
    }

    private void onConnected(ChannelFuture f) {
        if (f != connectFuture) {
            // stale: the client went away or the exchange ended meanwhile
            if (f.isSuccess()) {
                f.channel().close();
            }
            return;
        }
        connectFuture = null;
        if (f.isSuccess()) {
            ready((BackendHandler) f.channel().pipeline().get("backend"), false);
        } else {
            exchange.failover().onConnectFailed(f.cause());
        }
    }

    long queuedUntil() {
        return queuedUntil;
    }

    /** Queued: a connection of the backend became free on this event loop. */
    void onConnectionAvailable(BackendHandler b) {
        queuedIn = null;
        ready(b, true);
    }

    /** Queued: room for a new connection to the backend. */
    void onConnectAllowed(BackendPools.Pool pool) {
        queuedIn = null;
        connect(pool, pool.connectTimeoutMillis());
    }

    /** Queued past the queue timeout. */
    void onQueueTimeout() {
        queuedIn = null;
        exchange.failover().onQueueRefused("queue timeout");
    }

    private void ready(BackendHandler b, boolean fromPool) {
        backend = b;
        headHeld = false;
        pendingFlush = false;
        exchange.onUpstreamReady(b, fromPool);
    }

    // ---------------------------------------------------------------- writing the request

    /**
     * Writes a request that is all at hand as one message (one buffer, one pass through the pipeline).
     *
     * @param content the body (a new reference, released by the write)
     */
    void sendWhole(
            HttpRequest head, io.netty.buffer.ByteBuf content, io.netty.handler.codec.http.HttpHeaders trailers) {
        Channel ch = backend.channel();
        backend.codec().spliceNextResponse(exchange.spliceable());
        if (head instanceof SplicedRequest) {
            // bodiless: the content is empty
            content.release();
            SplicedRequest spliced = (SplicedRequest) head;
            backend.codec().writeSpliced(ch, exchange.forwardedBytes(spliced, ch.alloc()), spliced.method());
        } else {
            ch.writeAndFlush(
                    new DefaultFullHttpRequest(
                            head.protocolVersion(), head.method(), head.uri(), content, head.headers(), trailers),
                    ch.voidPromise());
        }
        backend.awaitResponse();
    }

    /**
     * Starts a request whose body is still coming: the head is held until the next piece of the body or the next
     * flush.
     *
     * @param first body bytes received before the connection was ready, or {@code null}
     */
    void startStreaming(HttpRequest head, HttpContent first) {
        headHeld = true;
        pendingFlush = true;
        if (first != null) {
            Channel ch = backend.channel();
            writeHeldHead(ch, head);
            ch.write(first, ch.voidPromise());
        }
    }

    /**
     * Writes a piece of a streamed body; the last one ends the request and starts the response timeout.
     *
     * @return whether the connection can take more now
     */
    boolean stream(HttpRequest head, HttpContent content) {
        Channel ch = backend.channel();
        if (content instanceof LastHttpContent) {
            if (headHeld) {
                headHeld = false;
                LastHttpContent end = (LastHttpContent) content;
                // takes over the body's buffer; the head object stays as it is
                ch.writeAndFlush(
                        new DefaultFullHttpRequest(
                                head.protocolVersion(),
                                head.method(),
                                head.uri(),
                                end.content(),
                                head.headers(),
                                end.trailingHeaders()),
                        ch.voidPromise());
            } else {
                ch.writeAndFlush(content, ch.voidPromise());
            }
            pendingFlush = false;
            backend.awaitResponse();
            return true;
        }
        writeHeldHead(ch, head);
        ch.write(content, ch.voidPromise());
        pendingFlush = true;
        return ch.isWritable();
    }

    /** Flushes what was written since the last flush (the held head first). */
    void flush(HttpRequest head) {
        if (pendingFlush) {
            pendingFlush = false;
            if (backend != null) {
                Channel ch = backend.channel();
                writeHeldHead(ch, head);
                ch.flush();
            }
        }
    }

    private void writeHeldHead(Channel ch, HttpRequest head) {
        if (headHeld) {
            headHeld = false;
            ch.write(head, ch.voidPromise());
        }
    }

    // ---------------------------------------------------------------- leaving

    /**
     * Leaves the connection: nothing more of it reaches the exchange. A head held is never sent (it owns no buffer:
     * the request is sent whole again on a retry).
     *
     * @return the connection left, for the caller to pool or close; {@code null} if there was none
     */
    BackendHandler detach() {
        BackendHandler b = backend;
        if (b != null) {
            b.detach();
            backend = null;
        }
        headHeld = false;
        pendingFlush = false;
        return b;
    }

    /** Gives up the try: a connection being opened or used is closed, and a place in a queue is left. */
    void abandon() {
        if (queuedIn != null) {
            queuedIn.dequeue(this);
            queuedIn = null;
        }
        if (connectFuture != null) {
            ChannelFuture f = connectFuture;
            connectFuture = null;
            f.channel().close();
        }
        BackendHandler b = detach();
        if (b != null) {
            b.close();
        }
    }
}
