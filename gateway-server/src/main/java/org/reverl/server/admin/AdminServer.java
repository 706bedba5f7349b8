package org.reverl.server.admin;

import static java.util.Objects.requireNonNull;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerDomainSocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLException;
import org.reverl.server.ServerControl;
import org.reverl.server.metrics.BackendHistory;
import org.reverl.server.metrics.ServerMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin port: a JSON API over a running server, its Prometheus metrics, a short history for charts, and a status
 * page.
 *
 * <pre>{@code
 * ServerMetrics metrics = ServerMetrics.create(lb);
 * try (AdminServer admin = AdminServer.start(AdminSettings.defaults(), control, metrics)) {
 *     System.out.println("admin on http://" + admin.address());
 * }
 * }</pre>
 *
 * <h2>Parts</h2>
 * The transport is here: Netty on one I/O thread (NIO; a TCP port, optionally with TLS, or a Unix domain socket), with
 * {@link AdminTimeouts} for slow and idle clients and a body limit. {@link AdminHttpHandler} turns requests into
 * {@link AdminExchange}s; {@link AdminSecurity} decides who may do what; {@link AdminApi} routes and answers; {@link
 * AdminViews} renders JSON. Thousands of idle or slow connections cost a socket each, never a thread, so {@code
 * /healthz} and {@code /readyz} always answer; changes run on two worker threads with a bounded queue.
 *
 * <h2>Endpoints</h2>
 * {@code GET /} (status page), {@code GET /healthz}, {@code GET /readyz}, {@code GET /metrics}, {@code GET /history} (and {@code /pools/<pool>/history}),
 * {@code GET|POST /backends}, {@code GET|PATCH|DELETE /backends/{id}}, {@code POST /backends/{id}/drain|maintenance|
 * enable}, {@code POST /reload}, {@code POST /config/save}. See the README for the bodies and answers.
 *
 * <p>Thread-safe. {@link #close()} stops listening and returns once the threads are stopped.
 */
public final class AdminServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AdminServer.class);

    /** Largest request line and header block the admin port reads. */
    private static final int MAX_INITIAL_LINE = 4096;

    private static final int MAX_HEADER_SIZE = 8192;

    private final EventLoopGroup group;
    private final Channel channel;
    private final ThreadPoolExecutor workers;
    private final Path socketFile;

    private AdminServer(EventLoopGroup group, Channel channel, ThreadPoolExecutor workers, Path socketFile) {
        this.group = group;
        this.channel = channel;
        this.workers = workers;
        this.socketFile = socketFile;
    }

    /**
     * Starts listening.
     *
     * @throws IllegalStateException if the address cannot be bound or the TLS settings cannot be loaded
     */
    public static AdminServer start(AdminSettings settings, ServerControl control, ServerMetrics metrics) {
        requireNonNull(settings, "settings");
        requireNonNull(control, "control");
        requireNonNull(metrics, "metrics");
        SslContext ssl = null;
        if (settings.tls() != null) {
            try {
                ssl = settings.tls().newServerContext();
            } catch (SSLException | RuntimeException e) {
                throw new IllegalStateException("admin.tls: " + e.getMessage(), e);
            }
        }
        AtomicInteger n = new AtomicInteger();
        ThreadPoolExecutor workers =
                new ThreadPoolExecutor(2, 2, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(64), r -> {
                    Thread t = new Thread(r, "reverl-admin-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(
                1,
                r -> {
                    Thread t = new Thread(r, "reverl-admin-io");
                    t.setDaemon(true);
                    return t;
                },
                NioIoHandler.newFactory());
        Path socketFile = settings.unixSocket();
        try {
            BackendHistory history = new BackendHistory(
                    control::pools, metrics, System::currentTimeMillis, BackendHistory.DEFAULT_POINTS);
            // the security rules need the bound port: bind first, then install them before the first connection is read
            AdminApi[] api = new AdminApi[1];
            SslContext tls = ssl;
            ServerBootstrap b = new ServerBootstrap().group(group).childHandler(new ChannelInitializer<Channel>() {
                @Override
                protected void initChannel(Channel ch) {
                    ChannelPipeline p = ch.pipeline();
                    p.addLast(
                            "timeouts",
                            new AdminTimeouts(
                                    settings.requestTimeout().toNanos(),
                                    settings.idleTimeout().toNanos()));
                    if (tls != null) {
                        p.addLast("tls", tls.newHandler(ch.alloc()));
                    }
                    p.addLast("codec", new HttpServerCodec(MAX_INITIAL_LINE, MAX_HEADER_SIZE, 8192));
                    p.addLast("aggregator", new BodyLimit(settings.maxBodyBytes()));
                    p.addLast("api", new AdminHttpHandler(api[0], workers));
                }
            });
            Channel ch;
            if (socketFile != null) {
                ch = bindUnix(b, socketFile);
            } else {
                ch = b.channel(NioServerSocketChannel.class)
                        .option(ChannelOption.SO_BACKLOG, 256)
                        .option(ChannelOption.SO_REUSEADDR, true)
                        .bind(settings.listen())
                        .syncUninterruptibly()
                        .channel();
            }
            InetSocketAddress bound = socketFile == null ? (InetSocketAddress) ch.localAddress() : null;
            api[0] = new AdminApi(settings, AdminSecurity.of(settings, bound), control, metrics, history);
            group.next().scheduleAtFixedRate(history::sample, 1, 1, TimeUnit.SECONDS);
            AdminServer admin = new AdminServer(group, ch, workers, socketFile);
            log.info(
                    "admin API and status page on {}{}",
                    socketFile != null
                            ? "unix:" + socketFile
                            : (ssl != null ? "https://" : "http://") + AdminSettings.hostPort(bound) + "/",
                    settings.requiresToken() ? " (bearer token required)" : "");
            return admin;
        } catch (RuntimeException e) {
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            workers.shutdownNow();
            String where = socketFile != null ? "unix:" + socketFile : AdminSettings.hostPort(settings.listen());
            throw new IllegalStateException("admin: cannot listen on " + where + ": " + e.getMessage(), e);
        }
    }

    /**
     * Binds a Unix domain socket with mode 0600 from the start: bound under a temporary name, its mode set, then moved
     * into place, so the socket is never reachable with the umask's mode. A stale socket file is replaced; any other
     * file at the path is left alone and the start fails.
     */
    private static Channel bindUnix(ServerBootstrap b, Path path) {
        try {
            Path dir = path.toAbsolutePath().getParent();
            if (Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
                BasicFileAttributes a =
                        Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                if (!a.isOther()) {
                    throw new IllegalStateException(
                            path + " exists and is not a socket (expected: no file, or a" + " stale socket)");
                }
            }
            Path tmp = dir.resolve(
                    "." + path.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
            Files.deleteIfExists(tmp);
            Channel ch = b.channel(NioServerDomainSocketChannel.class)
                    .bind(UnixDomainSocketAddress.of(tmp))
                    .syncUninterruptibly()
                    .channel();
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
            Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return ch;
        } catch (IOException e) {
            throw new IllegalStateException(e.toString(), e);
        }
    }

    /** The bound TCP address (the real port when 0 was configured), or {@code null} on a Unix socket. */
    public InetSocketAddress address() {
        return socketFile == null ? (InetSocketAddress) channel.localAddress() : null;
    }

    /** The Unix socket it listens on, or {@code null} on TCP. */
    public Path socketFile() {
        return socketFile;
    }

    /** Stops listening, at once; requests being answered are cut. Idempotent. */
    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        workers.shutdownNow();
        if (socketFile != null) {
            try {
                Files.deleteIfExists(socketFile);
            } catch (IOException e) {
                log.warn("admin: cannot delete {}: {}", socketFile, e.toString());
            }
        }
    }

    /** Aggregates a request up to the body limit; a larger one gets a JSON 413 and the connection is closed. */
    private static final class BodyLimit extends HttpObjectAggregator {
        private final int max;

        BodyLimit(int max) {
            super(max);
            this.max = max;
        }

        @Override
        protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
            long length = io.netty.handler.codec.http.HttpUtil.getContentLength(oversized, -1L);
            String size = length > 0 ? length + " bytes" : "more than " + max + " bytes";
            byte[] body = ("{\"error\": \"body: " + size + " (expected: at most " + max + ")\"}\n")
                    .getBytes(StandardCharsets.UTF_8);
            FullHttpResponse res = new DefaultFullHttpResponse(
                    HttpVersion.HTTP_1_1, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, Unpooled.wrappedBuffer(body));
            res.headers().set(HttpHeaderNames.CONTENT_TYPE, AdminApi.JSON);
            res.headers().set(HttpHeaderNames.CONTENT_LENGTH, body.length);
            if (oversized instanceof io.netty.handler.codec.http.FullHttpMessage
                    || !io.netty.handler.codec.http.HttpUtil.isKeepAlive(oversized)) {
                res.headers().set(HttpHeaderNames.CONNECTION, "close");
                ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
            } else {
                // the client may still be sending the body: closing now would reset the connection before it reads
                // this answer; the aggregator discards the rest, and the request timeout ends a client that never stops
                ctx.writeAndFlush(res);
            }
        }
    }
}
