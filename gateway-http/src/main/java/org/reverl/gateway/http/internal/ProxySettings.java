package org.reverl.gateway.http.internal;

import static java.util.Objects.requireNonNull;

import io.netty.util.AsciiString;
import java.net.InetAddress;
import java.util.Set;
import org.reverl.gateway.api.LoadBalancer;
import org.reverl.gateway.http.HttpProxyConfig;
import org.reverl.gateway.http.ProxyObserver;
import org.reverl.gateway.http.ProxyPool;
import org.reverl.gateway.http.Router;

/**
 * What every connection of one proxy shares, precomputed once from its {@link HttpProxyConfig}: immutable apart from the
 * pools and the router. The backend timeouts and attempts of a request are its {@link ProxyPool}'s.
 */
public final class ProxySettings {

    /** Where each request goes. */
    final RouterRef router;

    final Transports transport;
    final Ticker ticker;
    final boolean tls;
    final AsciiString proto;
    /** {@code 1.1 <via>}, added to {@code Via} in both directions. */
    final AsciiString via11;
    /** {@code 1.0 <via>}, for requests received as HTTP/1.0. */
    final AsciiString via10;

    final Set<InetAddress> trustedProxies;
    final boolean rfc7239;
    final int maxInitialLineLength;
    final int maxHeaderSize;
    final int maxHeaderCount;
    final int maxChunkSize;
    final int bufferedBody;
    final long maxBody;
    final long requestHeadTimeoutNanos;
    final long idleTimeoutNanos;
    final long bodyTimeoutNanos;
    final long sendTimeoutNanos;
    final long tunnelIdleTimeoutNanos;
    /** 0 for no limit. */
    final int maxBackendConnections;

    final int queueSize;
    final long queueTimeoutNanos;
    final int maxConcurrentStreams;
    final ProxyObserver observer;
    final BackendConnector connector;
    private final java.util.List<java.net.InetSocketAddress> dnsServers;
    final BackendPools pools;
    /** The client contexts of {@code https://} backends. */
    final BackendTlsContexts backendTls;

    /**
     * Whether a response that can be framed by its length alone is forwarded as bytes ({@link ResponseSplicer}) rather
     * than decoded and encoded again. On by default; {@code -Dreverl.http.spliceResponses=false} turns it off, to
     * compare, and tests of the data path run both ways.
     */
    boolean spliceResponses = Boolean.parseBoolean(System.getProperty("reverl.http.spliceResponses", "true"));

    /**
     * Whether the common bodiless request head is taken as bytes ({@link RequestSplicer}) rather than decoded and
     * encoded again. On by default; {@code -Dreverl.http.spliceRequests=false} turns it off, to compare.
     */
    boolean spliceRequests = Boolean.parseBoolean(System.getProperty("reverl.http.spliceRequests", "true"));

    /**
     * @param lb where requests go: one pool, with the backend timeouts and attempts of {@code config}
     * @param transport epoll or NIO
     * @param config the proxy's settings
     * @param tls whether the listener terminates TLS (sets {@code X-Forwarded-Proto})
     * @param ticker the clock of every timeout and latency on the data path
     */
    public ProxySettings(LoadBalancer lb, Transports transport, HttpProxyConfig config, boolean tls, Ticker ticker) {
        this(single(lb, config), transport, config, tls, ticker, (BackendConnector) null);
    }

    static RouterRef single(LoadBalancer lb, HttpProxyConfig config) {
        return new RouterRef(Router.single(ProxyPool.of(ProxyPool.DEFAULT, lb, config)));
    }

    /**
     * Settings that replace {@code previous} on a running server (a reload): the backend connector, and with it the
     * DNS resolver and its cache, is kept when the DNS servers did not change; the backend TLS contexts, and with them
     * the TLS sessions to resume, when the backend TLS settings did not.
     */
    public ProxySettings(
            RouterRef router,
            Transports transport,
            HttpProxyConfig config,
            boolean tls,
            Ticker ticker,
            ProxySettings previous) {
        this(
                router,
                transport,
                config,
                tls,
                ticker,
                previous != null && previous.dnsServers.equals(config.dnsServers()) ? previous.connector : null,
                previous != null ? previous.backendTls : null);
    }

    /** As above; {@code connector} opens backend connections ({@code null}: sockets of {@code transport}). */
    ProxySettings(
            RouterRef router,
            Transports transport,
            HttpProxyConfig config,
            boolean tls,
            Ticker ticker,
            BackendConnector connector) {
        this(router, transport, config, tls, ticker, connector, null);
    }

    private ProxySettings(
            RouterRef router,
            Transports transport,
            HttpProxyConfig config,
            boolean tls,
            Ticker ticker,
            BackendConnector connector,
            BackendTlsContexts previousBackendTls) {
        this.router = requireNonNull(router, "router");
        this.transport = requireNonNull(transport, "transport");
        this.ticker = requireNonNull(ticker, "ticker");
        this.tls = tls;
        this.proto = tls ? HeaderRules.HTTPS : HeaderRules.HTTP;
        this.via11 = AsciiString.cached("1.1 " + config.via());
        this.via10 = AsciiString.cached("1.0 " + config.via());
        this.trustedProxies = Set.copyOf(config.trustedProxies());
        this.rfc7239 = config.forwarded() == HttpProxyConfig.Forwarded.RFC7239;
        this.maxInitialLineLength = config.maxInitialLineLength();
        this.maxHeaderSize = config.maxHeaderSize();
        this.maxHeaderCount = config.maxHeaderCount();
        this.maxChunkSize = config.maxChunkSize();
        this.bufferedBody = config.bufferedBody();
        this.maxBody = config.maxBody();
        this.requestHeadTimeoutNanos = config.requestHeadTimeout().toNanos();
        this.idleTimeoutNanos = config.idleTimeout().toNanos();
        this.bodyTimeoutNanos = config.bodyTimeout().toNanos();
        this.sendTimeoutNanos = config.sendTimeout().toNanos();
        this.tunnelIdleTimeoutNanos = config.tunnelIdleTimeout().toNanos();
        this.maxBackendConnections = config.maxBackendConnections();
        this.queueSize = config.queueSize();
        this.queueTimeoutNanos = config.queueTimeout().toNanos();
        this.maxConcurrentStreams = config.maxConcurrentStreams();
        this.observer = config.observer();
        this.dnsServers = config.dnsServers();
        this.connector = connector != null ? connector : BackendConnector.sockets(transport, config.dnsServers());
        this.backendTls = BackendTlsContexts.reuseOrCreate(previousBackendTls, config.backendTls());
        this.pools = new BackendPools(this);
    }

    /** The backend {@code backendId} was removed: its pools on {@code loops} close and are forgotten. */
    public void forget(String backendId, Iterable<? extends io.netty.util.concurrent.EventExecutor> loops) {
        pools.forget(backendId, loops);
    }
}
