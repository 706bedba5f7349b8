package org.reverl.benchmarks.soak;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.DecoderResultProvider;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.reverl.gateway.http.internal.Ticker;
import org.reverl.gateway.http.internal.Transports;

/**
 * Sends GETs to one HTTP/1.1 target for an open-loop load, of two {@link Kind}s: over a fixed pool of keep-alive
 * connections (one request at a time on each, no pipelining; a request that finds every connection busy waits for the
 * first one free, and that wait counts in its latency), or each on a connection of its own, with {@code Connection:
 * close}, closed once its answer has arrived.
 *
 * <p>Bounded: at most {@code maxOutstanding} requests are outstanding (waiting for a connection or sent and not yet
 * answered); one due beyond that fails at once as {@link Failure#OVER_BOUND}, so nothing queues without bound. Every
 * request ends by its timeout, counted from its intended send time; a keep-alive connection whose request timed out is
 * closed (its answer could still come) and the pool opens another when the next request needs it.
 *
 * <p>Threading: {@link #send} may be called from any thread and never blocks. Everything else runs on one event loop
 * thread (Netty's native epoll transport where available): connections, the pool and each request's state need no
 * locks, and the load takes one thread of the machine's cores, not a thread per connection. Netty rather than the
 * JDK's {@code HttpClient}: the pool's size and the per-request connection are exact, the request heads are written
 * as prepared bytes, and a request costs a few small objects, so the load's own allocation stays small.
 */
final class HttpLoadClient implements AutoCloseable {

    private final EventLoopGroup group;
    private final EventLoop loop;
    private final Bootstrap pooledBootstrap;
    private final Bootstrap singleBootstrap;
    private final InetSocketAddress address;
    private final Ticker ticker;
    private final long timeoutNanos;
    private final int connections;
    private final int maxOutstanding;
    private final AtomicInteger outstanding = new AtomicInteger();
    private final AtomicLong keepAliveOpened = new AtomicLong();
    private final ByteBuf keepAliveRequest;
    private final ByteBuf closeRequest;
    // the keep-alive pool; event loop only
    private final ArrayDeque<Connection> idle = new ArrayDeque<>();
    private final ArrayDeque<Exchange> waiting = new ArrayDeque<>();
    private int open;
    private boolean closing;

    /**
     * A client of {@code target} ({@code http://host:port/path}) with a pool of {@code connections} keep-alive
     * connections (opened by {@link #start()}), each request bounded by {@code timeout}, at most {@code
     * maxOutstanding} at a time; latencies are read from {@code ticker}.
     */
    HttpLoadClient(URI target, int connections, Duration timeout, int maxOutstanding, Ticker ticker) {
        if (!"http".equals(target.getScheme()) || target.getHost() == null || target.getPort() < 1) {
            throw new IllegalArgumentException(
                    "target: " + target + " (expected: http://host:port/path, with the port)");
        }
        if (connections < 1 || maxOutstanding < 1 || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("connections: " + connections + ", maxOutstanding: " + maxOutstanding
                    + ", timeout: " + timeout + " (expected: >= 1, >= 1, > 0)");
        }
        this.address = new InetSocketAddress(target.getHost(), target.getPort());
        this.connections = connections;
        this.timeoutNanos = timeout.toNanos();
        this.maxOutstanding = maxOutstanding;
        this.ticker = ticker;
        String path = target.getRawPath() == null || target.getRawPath().isEmpty() ? "/" : target.getRawPath();
        if (target.getRawQuery() != null) {
            path += "?" + target.getRawQuery();
        }
        String head = "GET " + path + " HTTP/1.1\r\nHost: " + target.getHost() + ":" + target.getPort()
                + "\r\nUser-Agent: reverl-soak\r\n";
        this.keepAliveRequest = ascii(head + "\r\n");
        this.closeRequest = ascii(head + "Connection: close\r\n\r\n");
        Transports transport = Transports.best();
        this.group = transport.newGroup(1, "load");
        this.loop = group.next();
        Bootstrap base = new Bootstrap()
                .group(loop)
                .channel(transport.clientChannel())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, timeout.toMillis()));
        this.pooledBootstrap = base.clone().handler(initializer(true));
        this.singleBootstrap = base.clone().handler(initializer(false));
    }

    private static ByteBuf ascii(String s) {
        byte[] bytes = s.getBytes(StandardCharsets.US_ASCII);
        return Unpooled.directBuffer(bytes.length).writeBytes(bytes);
    }

    private ChannelInitializer<Channel> initializer(boolean pooled) {
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(new HttpResponseDecoder(), new Connection(ch, pooled));
            }
        };
    }

    /**
     * Opens the keep-alive pool and waits until every connection is open.
     *
     * @throws IllegalStateException if one cannot be opened within the timeout
     */
    void start() throws InterruptedException {
        List<ChannelFuture> opening = new ArrayList<>();
        try {
            loop.submit(() -> {
                        for (int i = 0; i < connections; i++) {
                            opening.add(openPooled());
                        }
                    })
                    .get();
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
        for (ChannelFuture f : opening) {
            if (!f.await(timeoutNanos, TimeUnit.NANOSECONDS) || !f.isSuccess()) {
                throw new IllegalStateException("cannot connect to " + address + ": "
                        + (f.cause() == null ? "no connection within the timeout" : f.cause()));
            }
        }
    }

    /**
     * Sends a request of {@code kind} due at {@code intendedNanos} (on this client's ticker) and reports its end to
     * {@code outcomes}; fails it at once as {@link Failure#OVER_BOUND} if {@code maxOutstanding} are outstanding.
     */
    void send(Kind kind, long intendedNanos, Outcomes outcomes) {
        if (outstanding.incrementAndGet() > maxOutstanding) {
            outstanding.decrementAndGet();
            outcomes.failed(kind, Failure.OVER_BOUND);
            return;
        }
        Exchange e = new Exchange(kind, intendedNanos, outcomes);
        loop.execute(e::begin);
    }

    /** Keep-alive connections opened so far, the first pool included. */
    long keepAliveOpened() {
        return keepAliveOpened.get();
    }

    /** Requests sent or waiting for a connection now. */
    int outstanding() {
        return outstanding.get();
    }

    /** Closes every connection; requests still outstanding end as {@link Failure#CLOSED}. */
    @Override
    public void close() {
        try {
            loop.submit(() -> {
                        closing = true;
                        for (Connection c : new ArrayList<>(idle)) {
                            c.channel.close();
                        }
                    })
                    .syncUninterruptibly();
        } finally {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
            keepAliveRequest.release();
            closeRequest.release();
        }
    }

    private ChannelFuture openPooled() {
        open++;
        keepAliveOpened.incrementAndGet();
        return pooledBootstrap.connect(address).addListener((ChannelFutureListener) f -> {
            if (f.isSuccess()) {
                available(f.channel().pipeline().get(Connection.class));
            } else if (--open == 0) {
                // no connection left to wait for: fail who waits rather than let them time out
                Exchange e;
                while ((e = waiting.poll()) != null) {
                    e.fail(Failure.CONNECT);
                }
            }
        });
    }

    /** A pooled connection is free: it takes the longest-waiting request, or goes to the back of the idle queue. */
    private void available(Connection c) {
        if (closing) {
            c.channel.close();
            return;
        }
        Exchange next = waiting.poll();
        if (next != null) {
            c.send(next);
        } else {
            idle.addLast(c); // first in, first out: every connection of the pool keeps being used
        }
    }

    /** One request, from the moment the event loop takes it up; event loop only. */
    private final class Exchange {
        final Kind kind;
        final long intendedNanos;
        final Outcomes outcomes;
        ScheduledFuture<?> timeout;
        Channel channel; // the one it is sent on (or, for a new connection, being opened for it)
        boolean ended;

        Exchange(Kind kind, long intendedNanos, Outcomes outcomes) {
            this.kind = kind;
            this.intendedNanos = intendedNanos;
            this.outcomes = outcomes;
        }

        void begin() {
            long now = ticker.nanoTime();
            outcomes.started(now - intendedNanos);
            long left = intendedNanos + timeoutNanos - now;
            if (left <= 0) {
                fail(Failure.TIMEOUT);
                return;
            }
            timeout = loop.schedule(this::timedOut, left, TimeUnit.NANOSECONDS);
            if (kind == Kind.NEW_CONNECTION) {
                ChannelFuture connecting = singleBootstrap.connect(address);
                channel = connecting.channel();
                connecting.addListener((ChannelFutureListener) f -> {
                    if (ended) {
                        f.channel().close();
                    } else if (f.isSuccess()) {
                        f.channel().pipeline().get(Connection.class).send(this);
                    } else {
                        fail(Failure.CONNECT);
                    }
                });
                return;
            }
            Connection c = idle.pollFirst();
            if (c != null) {
                c.send(this);
            } else {
                waiting.addLast(this);
            }
            if (open < connections && !closing) {
                openPooled(); // the pool lost a connection: one more, at most one per request
            }
        }

        void timedOut() {
            if (ended) {
                return;
            }
            if (channel == null) {
                waiting.remove(this);
            }
            fail(Failure.TIMEOUT);
            if (channel != null) {
                channel.close(); // its answer may still come: the connection cannot carry another request
            }
        }

        void answered(int status) {
            if (end()) {
                outcomes.answered(kind, ticker.nanoTime() - intendedNanos, status);
            }
        }

        void fail(Failure failure) {
            if (end()) {
                outcomes.failed(kind, failure);
            }
        }

        private boolean end() {
            if (ended) {
                return false;
            }
            ended = true;
            if (timeout != null) {
                timeout.cancel(false);
            }
            outstanding.decrementAndGet();
            return true;
        }
    }

    /** One connection: sends one request at a time and reads its answer; event loop only. */
    private final class Connection extends ChannelInboundHandlerAdapter {
        final Channel channel;
        final boolean pooled;
        Exchange current;
        int status;
        boolean keepAlive;

        Connection(Channel channel, boolean pooled) {
            this.channel = channel;
            this.pooled = pooled;
        }

        void send(Exchange e) {
            current = e;
            e.channel = channel;
            channel.writeAndFlush((pooled ? keepAliveRequest : closeRequest).retainedDuplicate())
                    .addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof DecoderResultProvider d && d.decoderResult().isFailure()) {
                    end(Failure.MALFORMED);
                    ctx.close();
                    return;
                }
                if (msg instanceof HttpResponse r) {
                    status = r.status().code();
                    keepAlive = HttpUtil.isKeepAlive(r);
                }
                if (msg instanceof LastHttpContent) {
                    Exchange e = current;
                    current = null;
                    if (e == null) {
                        ctx.close(); // an answer nobody asked for
                        return;
                    }
                    e.answered(status);
                    if (pooled && keepAlive) {
                        available(this);
                    } else {
                        ctx.close();
                    }
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            end(Failure.CLOSED);
            if (pooled) {
                open--;
                idle.remove(this);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close(); // a reset or a refused write: the request on it ends as CLOSED
        }

        private void end(Failure failure) {
            Exchange e = current;
            current = null;
            if (e != null) {
                e.fail(failure);
            }
        }
    }
}
