package org.reverl.gateway.http;

import static java.util.Objects.requireNonNull;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.ssl.SslContext;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.reverl.gateway.api.BackendEvent;
import org.reverl.gateway.api.LoadBalancer;
import org.reverl.gateway.http.internal.ConnectionLimiter;
import org.reverl.gateway.http.internal.FrontendInitializer;
import org.reverl.gateway.http.internal.ProxySettings;
import org.reverl.gateway.http.internal.RouterRef;
import org.reverl.gateway.http.internal.Ticker;
import org.reverl.gateway.http.internal.Transports;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running HTTP/1.1 reverse proxy: accepts clients on one address (TLS optional) and sends each request through a
 * {@link LoadBalancer} (one, or the pool a {@link Router} chose for the request) to one of its backends ({@code host:port}, {@code tcp://host:port} or {@code http://host:port}
 * addresses), with keep-alive connection pools, streaming bodies, failover and the proxy duties of RFC 9110/9112.
 *
 * <p>Native epoll where available, NIO otherwise. {@link #config()}{@code .ioThreads()} event loops each accept,
 * serve their clients and own their backend connections.
 *
 * <p>Thread-safe. {@link #close()} stops listening, closes all connections and the event loops; it does not close the
 * load balancers, which the caller owns.
 */
public final class HttpProxyServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(HttpProxyServer.class);

    /**
     * The one load balancer the server was started with, until {@link #route} gives it a router; {@code null} when it
     * was started with a router. Guarded by {@code this}.
     */
    private LoadBalancer lb;

    private final RouterRef router;
    /** The load balancers whose removed backends' connections are forgotten, and how; guarded by {@code this}. */
    private final java.util.Map<LoadBalancer, org.reverl.gateway.api.BackendEventListener> followed =
            new java.util.IdentityHashMap<>();

    private volatile HttpProxyConfig config;
    private final Initializer initializer;
    private final ConnectionLimiter limiter;
    private final EventLoopGroup group;
    private final Channel serverChannel;
    private final Transports transport;
    private volatile String tlsProvider;

    private HttpProxyServer(
            LoadBalancer lb,
            RouterRef router,
            HttpProxyConfig config,
            Initializer initializer,
            ConnectionLimiter limiter,
            EventLoopGroup group,
            Channel serverChannel,
            Transports transport,
            String tlsProvider) {
        this.lb = lb;
        this.router = router;
        this.config = config;
        this.initializer = initializer;
        this.limiter = limiter;
        this.group = group;
        this.serverChannel = serverChannel;
        this.transport = transport;
        this.tlsProvider = tlsProvider;
    }

    /**
     * Starts listening; every request goes to {@code lb}, with the backend timeouts and attempts of {@code config}
     * (which {@link #reconfigure} changes).
     *
     * @throws IllegalStateException if the address cannot be bound or the TLS settings cannot be loaded
     */
    public static HttpProxyServer start(LoadBalancer lb, HttpProxyConfig config) {
        requireNonNull(lb, "lb");
        requireNonNull(config, "config");
        return start(lb, Router.single(ProxyPool.of(ProxyPool.DEFAULT, lb, config)), config, true);
    }

    /** As {@link #start(LoadBalancer, HttpProxyConfig)}, without the "listening on" line: for {@link Warmup}. */
    static HttpProxyServer startQuietly(LoadBalancer lb, HttpProxyConfig config) {
        return start(lb, Router.single(ProxyPool.of(ProxyPool.DEFAULT, lb, config)), config, false);
    }

    /**
     * Starts listening; each request goes to the pool {@code router} picks for it, with that pool's backend timeouts
     * and attempts. {@link #route} swaps the router.
     *
     * @throws IllegalStateException if the address cannot be bound or the TLS settings cannot be loaded
     * @since 0.3
     */
    public static HttpProxyServer start(Router router, HttpProxyConfig config) {
        requireNonNull(router, "router");
        requireNonNull(config, "config");
        return start(null, router, config, true);
    }

    private static HttpProxyServer start(LoadBalancer lb, Router initial, HttpProxyConfig config, boolean announce) {
        Transports transport = Transports.best();
        RouterRef router = new RouterRef(initial);
        Initializer initializer = new Initializer(frontend(router, transport, config, null));
        ConnectionLimiter limiter = new ConnectionLimiter(config.maxConnections());
        EventLoopGroup group = transport.newGroup(config.ioThreads(), "reverl-io");
        try {
            Channel ch = new ServerBootstrap()
                    .group(group)
                    .channel(transport.serverChannel())
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    // AUTO_READ and TCP_NODELAY are on already: Netty's socket channels set them as they are made
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(32 * 1024, 128 * 1024))
                    .handler(limiter)
                    .childHandler(initializer)
                    .bind(config.listen())
                    .syncUninterruptibly()
                    .channel();
            String tlsProvider = tlsProvider(config);
            HttpProxyServer server =
                    new HttpProxyServer(lb, router, config, initializer, limiter, group, ch, transport, tlsProvider);
            server.follow(initial);
            if (announce) {
                log.info(
                        "listening on {}://{} ({}, {} io thread(s){})",
                        config.isTls() ? "https" : "http",
                        hostPort(server.localAddress()),
                        transport.name().toLowerCase(java.util.Locale.ROOT),
                        config.ioThreads(),
                        config.isTls() ? ", tls " + tlsProvider : "");
            }
            return server;
        } catch (RuntimeException e) {
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            throw new IllegalStateException("cannot listen on " + hostPort(config.listen()) + ": " + e.getMessage(), e);
        }
    }

    /** The pipeline for new connections under {@code config}: its TLS context, limits, timeouts and fresh pools. */
    private static FrontendInitializer frontend(
            RouterRef router, Transports transport, HttpProxyConfig config, ProxySettings previous) {
        SslContext ssl = null;
        io.netty.util.Mapping<String, SslContext> sni = null;
        if (config.tls() != null) {
            try {
                ssl = config.tls().newServerContext(config.http2());
                sni = config.tls().newSniMapping(ssl, config.http2());
            } catch (SSLException e) {
                throw new IllegalStateException("tls: " + e.getMessage(), e);
            }
        }
        ProxySettings settings = new ProxySettings(router, transport, config, ssl != null, Ticker.SYSTEM, previous);
        return new FrontendInitializer(settings, ssl, sni, config.accessLog(), config.http2());
    }

    private static String tlsProvider(HttpProxyConfig config) {
        return config.tls() == null
                ? "none"
                : config.tls().effectiveProvider().name().toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * Swaps the router: the next request of every connection, new or open, is routed by {@code next}. Requests under
     * way finish in the pool they were routed to. The load balancers stay the caller's: one no longer routed to may be
     * closed once its requests are done.
     *
     * @since 0.3
     */
    public synchronized void route(Router next) {
        requireNonNull(next, "next");
        follow(next);
        router.set(next);
        lb = null;
    }

    /** The router requests go through now. */
    public Router router() {
        return router.get();
    }

    /**
     * A removed backend's idle connections are closed on every event loop, and its pools forgotten. A load balancer
     * {@code r} no longer routes to is no longer followed (the idle connections to its backends time out).
     */
    private synchronized void follow(Router r) {
        java.util.Set<LoadBalancer> routed = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (ProxyPool p : r.pools().values()) {
            routed.add(p.lb());
            followed.computeIfAbsent(p.lb(), lb -> {
                org.reverl.gateway.api.BackendEventListener l = event -> {
                    if (event.type() == BackendEvent.Type.REMOVED && !group.isShuttingDown()) {
                        initializer.current.settings().forget(event.backendId(), group);
                    }
                };
                lb.addListener(l);
                return l;
            });
        }
        followed.entrySet().removeIf(e -> {
            if (routed.contains(e.getKey())) {
                return false;
            }
            e.getKey().removeListener(e.getValue());
            return true;
        });
    }

    /**
     * Applies {@code next} to the connections accepted from now on: TLS certificate (or TLS on or off), limits,
     * timeouts, trusted proxies, attempts, observer and access log. Connections already open keep the settings they
     * started with (a TLS session keeps its certificate) until they close. A server started with one load balancer
     * takes the backend timeouts and attempts for its next requests from {@code next} too; one started with a router
     * keeps its pools'. The listen address and the number of I/O
     * threads cannot change on a running server.
     *
     * @throws IllegalArgumentException if {@code next} listens elsewhere or has another thread count
     * @throws IllegalStateException if the new TLS material cannot be loaded; the running settings stay
     * @since 0.2
     */
    public synchronized void reconfigure(HttpProxyConfig next) {
        requireNonNull(next, "next");
        HttpProxyConfig running = config;
        if (!next.listen().equals(running.listen()) || next.ioThreads() != running.ioThreads()) {
            throw new IllegalArgumentException(org.reverl.gateway.api.Checks.message(
                    "proxy config",
                    "listen " + hostPort(next.listen()) + ", ioThreads " + next.ioThreads(),
                    "the running listen address " + hostPort(running.listen()) + " and ioThreads " + running.ioThreads()
                            + "; start another server for another address"));
        }
        initializer.current = frontend(router, transport, next, initializer.current.settings());
        if (lb != null) {
            router.set(Router.single(ProxyPool.of(ProxyPool.DEFAULT, lb, next)));
        }
        limiter.setMax(next.maxConnections());
        config = next;
        tlsProvider = tlsProvider(next);
    }

    /** Hands each new connection to the current pipeline builder, which {@link #reconfigure} replaces. */
    @io.netty.channel.ChannelHandler.Sharable
    private static final class Initializer extends io.netty.channel.ChannelInitializer<Channel> {
        volatile FrontendInitializer current;

        Initializer(FrontendInitializer current) {
            this.current = current;
        }

        @Override
        protected void initChannel(Channel ch) {
            current.initChannel(ch);
        }
    }

    private static String hostPort(InetSocketAddress a) {
        String host = a.getHostString();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    /** The bound address; its port is the real one when port 0 was configured. */
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) serverChannel.localAddress();
    }

    /** The config this server runs with. */
    public HttpProxyConfig config() {
        return config;
    }

    /** {@code epoll} or {@code nio}. */
    public String transport() {
        return transport.name().toLowerCase(java.util.Locale.ROOT);
    }

    /** {@code openssl}, {@code jdk}, or {@code none} without TLS. */
    public String tlsProvider() {
        return tlsProvider;
    }

    /** Blocks until the server is closed. */
    public void awaitClose() throws InterruptedException {
        serverChannel.closeFuture().await();
        group.terminationFuture().await();
    }

    /**
     * Stops accepting new connections; connections already open go on being served until {@link #close()}. The first
     * step of a graceful shutdown. Idempotent.
     */
    public void stopAccepting() {
        serverChannel.close().syncUninterruptibly();
    }

    /** Stops listening and closes every connection. Idempotent. */
    @Override
    public void close() {
        serverChannel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
