package org.reverl.gateway.http;

import static java.util.Objects.requireNonNull;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import javax.net.ssl.SSLException;
import org.reverl.gateway.api.Backend;
import org.reverl.gateway.api.BackendSpec;
import org.reverl.gateway.api.LoadBalancer;
import org.reverl.gateway.http.internal.Ticker;
import org.reverl.gateway.http.internal.Transports;

/**
 * Sends connections through a throwaway listener, on loopback and in front of a throwaway backend, before the real
 * listeners open: so that the JIT compiler has compiled the code each new connection runs by the time clients arrive.
 *
 * <p>Why: requests on open connections run often enough to be compiled within the first second of load. The code that
 * accepts a connection, builds its pipeline and reads its first request runs once per connection, so after a start it
 * stays interpreted for thousands of connections, at several times the CPU of compiled code; a burst of new
 * connections then queues behind it on the event loop, and its requests wait. A warm-up of a few thousand connections
 * takes that cost before the listeners open, where nobody waits on it.
 *
 * <p>The listener has the real one's settings ({@code template}), its TLS included, so the same code is compiled; its
 * responses are not logged, and its observer counts only the failovers described below. The client opens connections
 * a few at a time, sends one GET on each and closes it. The backend answers every request with a fixed 200 and
 * {@code connection: close}, then closes: so every connection through the proxy opens a backend connection as well,
 * and the code that connects to a backend, builds its pipeline and lets it go is compiled too. A pooled backend
 * connection would take that code off the warm-up, which then left it to the first burst after the pool's idle
 * connections had timed out (a proxybench round after 30 s without load: its slowest request 33 ms).
 *
 * <p>The load balancer also gets a second backend, {@value #GONE_ID}, at a port that refuses connections: a backend
 * that has gone away. Its first request is refused and served by the other backend, it is ejected, and each trial
 * call after its ejection (as often as the load balancer's breaker allows) is refused and served elsewhere again. No
 * client sees a failure, and the code of a backend failing (a refused connect, an ejection, a trial, a request tried
 * again elsewhere) is loaded and compiled before the first real one fails. Without it, the first backend to go away
 * after a start loaded classes that the request path's compiled code had been compiled without (the breaker's open
 * and half-open states, the exception of a refused connect): that code was thrown away and compiled again under load,
 * and the first retries compiled the start of a try on their own, each time with the compiler's arenas at their
 * largest (README, "Soak").
 */
public final class Warmup {

    /** Connections per batch; the compiler catches up between batches. */
    private static final int BATCH = 1000;

    /** The pause after each batch. */
    private static final long PAUSE_MILLIS = 150;

    /** Connections open at once. */
    private static final int CONCURRENCY = 16;

    /** The length of the backend's body: a small answer, as most are. */
    private static final int BODY_LENGTH = 100;

    /** The id of the warm-up's backend that refuses connections. */
    static final String GONE_ID = "warm-up-gone";

    private static final byte[] RESPONSE = ("HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\nconnection: close\r\n"
                    + "content-length: " + BODY_LENGTH + "\r\n\r\n" + "x".repeat(BODY_LENGTH - 1) + "\n")
            .getBytes(StandardCharsets.US_ASCII);

    /**
     * What a warm-up did.
     *
     * @param connections connections that got their response
     * @param failed connections that ended without one
     * @param backendConnections connections the proxy opened to the warm-up's backend, one per request it forwarded
     * @param failovers requests the backend that refuses connections was given, each served by the other backend
     *     instead: its first, then one per trial call after its ejection
     * @param took how long it took
     */
    public record Result(int connections, int failed, int backendConnections, int failovers, Duration took) {}

    private Warmup() {}

    /**
     * Runs {@code connections} connections, one GET each, through a listener with {@code template}'s settings (its
     * address and observer aside) to a load balancer that {@code pool} makes for the backend address it is given
     * ({@code http://127.0.0.1:PORT}); returns when they are done or {@code limit} has passed, and closes what it
     * started, the load balancer included. The load balancer gets a second backend that refuses connections (see
     * above); it should fail over a refused connect (the default) and try an ejected backend again after a short
     * time, a fraction of the warm-up's second or two, so that trial calls happen too.
     *
     * @throws IllegalArgumentException if {@code connections} is negative or {@code limit} not positive
     * @throws IllegalStateException if the listener or the backend cannot start (its TLS material, a port)
     */
    public static Result run(
            HttpProxyConfig template, Function<String, LoadBalancer> pool, int connections, Duration limit) {
        return run(template, pool, connections, limit, Ticker.SYSTEM);
    }

    /** {@link #run(HttpProxyConfig, Function, int, Duration)} with the clock its limit is read from. */
    static Result run(
            HttpProxyConfig template,
            Function<String, LoadBalancer> pool,
            int connections,
            Duration limit,
            Ticker ticker) {
        requireNonNull(template, "template");
        requireNonNull(pool, "pool");
        requireNonNull(limit, "limit");
        requireNonNull(ticker, "ticker");
        if (connections < 0) {
            throw new IllegalArgumentException("connections: " + connections + " (expected: 0 or more)");
        }
        if (limit.isNegative() || limit.isZero()) {
            throw new IllegalArgumentException("limit: " + limit + " (expected: positive)");
        }
        long start = ticker.nanoTime();
        if (connections == 0) {
            return new Result(0, 0, 0, 0, Duration.ZERO);
        }
        InetAddress loopback = InetAddress.getLoopbackAddress();
        Transports transport = Transports.best();
        EventLoopGroup group = transport.newGroup(1, "reverl-warmup");
        LoadBalancer lb = null;
        HttpProxyServer proxy = null;
        SocketChannel gone = null;
        AtomicInteger backendConnections = new AtomicInteger();
        AtomicInteger failovers = new AtomicInteger();
        try {
            Channel backend = new ServerBootstrap()
                    .group(group)
                    .channel(transport.serverChannel())
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            backendConnections.incrementAndGet();
                            ch.pipeline().addLast(new FixedResponses());
                        }
                    })
                    .bind(new InetSocketAddress(loopback, 0))
                    .syncUninterruptibly()
                    .channel();
            InetSocketAddress b = (InetSocketAddress) backend.localAddress();
            lb = requireNonNull(pool.apply("http://" + b.getHostString() + ":" + b.getPort()), "pool's load balancer");
            gone = refusingPort(loopback);
            InetSocketAddress g = (InetSocketAddress) gone.socket().getLocalSocketAddress();
            lb.add(BackendSpec.of(GONE_ID, "http://" + g.getHostString() + ":" + g.getPort()));
            proxy = HttpProxyServer.startQuietly(
                    lb,
                    template.toBuilder()
                            .listen(new InetSocketAddress(loopback, 0))
                            .observer(new ProxyObserver() {
                                @Override
                                public void onRetry(Backend failed) {
                                    if (failed.id().equals(GONE_ID)) {
                                        failovers.incrementAndGet();
                                    }
                                }
                            })
                            .accessLog(false)
                            .build());
            SslContext clientTls = template.isTls() ? Clients.clientTls() : null; // one for every batch
            long deadline = start + limit.toNanos();
            int ok = 0;
            int failed = 0;
            // an interrupt ends it after the batch under way, as the limit does
            for (int left = connections;
                    left > 0
                            && ticker.nanoTime() < deadline
                            && !Thread.currentThread().isInterrupted();
                    left -= BATCH) {
                Clients clients = new Clients(group, transport, proxy.localAddress(), clientTls, Math.min(BATCH, left));
                clients.await(Duration.ofNanos(deadline - ticker.nanoTime()));
                ok += clients.ok.get();
                failed += clients.failed.get();
                settle(deadline - ticker.nanoTime());
            }
            return new Result(
                    ok, failed, backendConnections.get(), failovers.get(), Duration.ofNanos(ticker.nanoTime() - start));
        } finally {
            if (proxy != null) {
                proxy.close();
            }
            if (lb != null) {
                lb.close();
            }
            closeQuietly(gone);
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).syncUninterruptibly();
        }
    }

    /**
     * A TCP socket bound to a port of {@code loopback} and not listening: a connect to it is refused, and no other
     * socket can take the port while it is open.
     */
    private static SocketChannel refusingPort(InetAddress loopback) {
        SocketChannel socket = null;
        try {
            socket = SocketChannel.open();
            socket.bind(new InetSocketAddress(loopback, 0));
            return socket;
        } catch (IOException e) {
            closeQuietly(socket);
            throw new IllegalStateException(
                    "warm-up: cannot bind a port that refuses connections: " + e.getMessage(), e);
        }
    }

    private static void closeQuietly(SocketChannel socket) {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // a socket that never connected has nothing left to lose
            }
        }
    }

    /**
     * Gives the JIT compiler time to work off what the last batch queued. With one compiler thread, a long queue delays
     * the profiling of methods the interpreter runs and raises the counts at which they are compiled: 20,000
     * connections at once left the pipeline's constructors interpreted; batches of 1,000 with this pause between got
     * more of them compiled, and the launcher's lower thresholds for the per-connection packages the rest (README,
     * "Compile thresholds"). A pause, not a reading of the compiler's time: the management bean for that loaded 110
     * classes and 2 MB of RSS for the same result. Never longer than {@code left}, the nanoseconds before the limit.
     */
    private static void settle(long left) {
        long pause = Math.min(TimeUnit.MILLISECONDS.toNanos(PAUSE_MILLIS), left);
        if (pause > 0) {
            try {
                TimeUnit.NANOSECONDS.sleep(pause);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Finds the blank line that ends a request or response head, across reads. */
    private static final class HeadEnd {
        private static final byte[] END = {'\r', '\n', '\r', '\n'};
        private int matched;

        /** Whether {@code c} ends a head. */
        boolean next(byte c) {
            matched = c == END[matched] ? matched + 1 : (c == '\r' ? 1 : 0);
            if (matched == END.length) {
                matched = 0;
                return true;
            }
            return false;
        }
    }

    /** The backend: a fixed response to the first request head (the warm-up sends no bodies), then it closes. */
    private static final class FixedResponses extends ChannelInboundHandlerAdapter {
        private final HeadEnd head = new HeadEnd();
        private boolean answered;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf in = (ByteBuf) msg;
            boolean complete = false;
            try {
                while (!answered && !complete && in.isReadable()) {
                    complete = head.next(in.readByte());
                }
            } finally {
                in.release(); // what follows the first head is not read: the connection closes after the response
            }
            if (complete) {
                answered = true;
                ctx.writeAndFlush(Unpooled.wrappedBuffer(RESPONSE)).addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /** Opens the connections, {@link #CONCURRENCY} at a time, and counts how each ended. */
    private static final class Clients {
        final AtomicInteger ok = new AtomicInteger();
        final AtomicInteger failed = new AtomicInteger();
        private final AtomicInteger toStart;
        private final CountDownLatch done;
        private final Bootstrap bootstrap;
        private volatile boolean stopped;

        /** @param ssl the client's TLS context, or {@code null} for plain connections */
        Clients(EventLoopGroup group, Transports transport, InetSocketAddress proxy, SslContext ssl, int connections) {
            this.toStart = new AtomicInteger(connections);
            this.done = new CountDownLatch(connections);
            this.bootstrap = new Bootstrap()
                    .group(group)
                    .channelFactory(transport.clientChannelFactory())
                    .remoteAddress(proxy)
                    .handler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            if (ssl != null) {
                                ch.pipeline().addLast(ssl.newHandler(ch.alloc(), "localhost", proxy.getPort()));
                            }
                            ch.pipeline().addLast(new OneRequest(Clients.this));
                        }
                    });
            for (int i = 0; i < Math.min(CONCURRENCY, connections); i++) {
                next();
            }
        }

        private static SslContext clientTls() {
            try {
                // the warm-up's own listener, on loopback, with the certificate it was given: nothing to verify
                return SslContextBuilder.forClient()
                        .trustManager(InsecureTrustManagerFactory.INSTANCE)
                        .build();
            } catch (SSLException e) {
                throw new IllegalStateException("warm-up: cannot make a TLS client: " + e.getMessage(), e);
            }
        }

        /** Starts one more connection, unless all have started or the time is up. */
        void next() {
            if (stopped || toStart.getAndDecrement() <= 0) {
                return;
            }
            bootstrap.connect().addListener(f -> {
                if (!f.isSuccess()) {
                    ended(false);
                }
            });
        }

        /** One connection has ended; the next one starts. */
        void ended(boolean success) {
            (success ? ok : failed).incrementAndGet();
            done.countDown();
            next();
        }

        void await(Duration limit) {
            try {
                done.await(limit.toNanos(), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                stopped = true;
            }
        }
    }

    /**
     * Sends one GET when the connection is up, reads the response as bytes (a head that begins with a 200, then the
     * backend's body, whose length the warm-up knows), closes the connection, and tells {@link Clients} once.
     */
    private static final class OneRequest extends ChannelInboundHandlerAdapter {
        private static final byte[] GET =
                "GET / HTTP/1.1\r\nhost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        private static final byte[] OK = "HTTP/1.1 200 ".getBytes(StandardCharsets.US_ASCII);

        private final Clients clients;
        private final HeadEnd head = new HeadEnd();
        private int headBytes;
        private boolean inBody;
        private int bodyBytes;
        private boolean reported;

        OneRequest(Clients clients) {
            this.clients = clients;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ctx.writeAndFlush(Unpooled.wrappedBuffer(GET));
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf in = (ByteBuf) msg;
            try {
                while (in.isReadable() && !reported) {
                    byte c = in.readByte();
                    if (inBody) {
                        if (++bodyBytes == BODY_LENGTH) {
                            report(true);
                        }
                    } else if (headBytes < OK.length && c != OK[headBytes++]) {
                        report(false); // not a 200: the proxy answered itself
                    } else if (head.next(c)) {
                        inBody = true;
                    }
                }
            } finally {
                in.release();
            }
            if (reported) {
                ctx.close();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            report(false);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }

        private void report(boolean success) {
            if (!reported) {
                reported = true;
                clients.ended(success);
            }
        }
    }
}
