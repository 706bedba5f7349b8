package org.reverl.gateway.http.internal;

import static java.util.Objects.requireNonNull;

import io.netty.util.AsciiString;
import java.net.InetAddress;
import java.util.Set;
import org.reverl.gateway.api.LoadBalancer;
import org.reverl.gateway.http.HttpProxyConfig;
import org.reverl.gateway.http.ProxyObserver;

/** What every connection of one proxy shares, precomputed once from its {@link HttpProxyConfig}: immutable apart from the pools. */
public final class ProxySettings {

    final LoadBalancer lb;
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
    final int connectTimeoutMillis;
    final long responseTimeoutNanos;
    final long upstreamIdleTimeoutNanos;
    final long tunnelIdleTimeoutNanos;
    /** 0 for no limit. */
    final int maxBackendConnections;

    final int queueSize;
    final long queueTimeoutNanos;
    final int maxAttempts;
    final org.reverl.gateway.http.RetryOn retryOn;
    final int maxConcurrentStreams;
    final ProxyObserver observer;
    final BackendConnector connector;
    private final java.util.List<java.net.InetSocketAddress> dnsServers;
    final BackendPools pools;
    /** The client contexts of {@code https://} backends. */
    final BackendTlsContexts backendTls;

    /**
     * @param lb where requests go
     * @param transport epoll or NIO
     * @param config the proxy's settings
     * @param tls whether the listener terminates TLS (sets {@code X-Forwarded-Proto})
     * @param ticker the clock of every timeout and latency on the data path
     */
    public ProxySettings(LoadBalancer lb, Transports transport, HttpProxyConfig config, boolean tls, Ticker ticker) {
        this(lb, transport, config, tls, ticker, (BackendConnector) null);
    }

    /**
     * Settings that replace {@code previous} on a running server (a reload): the backend connector, and with it the
     * DNS resolver and its cache, is kept when the DNS servers did not change; the backend TLS contexts, and with them
     * the TLS sessions to resume, when the backend TLS settings did not.
     */
    public ProxySettings(
            LoadBalancer lb,
            Transports transport,
            HttpProxyConfig config,
            boolean tls,
            Ticker ticker,
            ProxySettings previous) {
        this(
                lb,
                transport,
                config,
                tls,
                ticker,
                previous != null && previous.dnsServers.equals(config.dnsServers()) ? previous.connector : null,
                previous != null ? previous.backendTls : null);
    }

    /** As above; {@code connector} opens backend connections ({@code null}: sockets of {@code transport}). */
    ProxySettings(
            LoadBalancer lb,
            Transports transport,
            HttpProxyConfig config,
            boolean tls,
            Ticker ticker,
            BackendConnector connector) {
        this(lb, transport, config, tls, ticker, connector, null);
    }

    private ProxySettings(
            LoadBalancer lb,
            Transports transport,
            HttpProxyConfig config,
            boolean tls,
            Ticker ticker,
            BackendConnector connector,
            BackendTlsContexts previousBackendTls) {
        this.lb = requireNonNull(lb, "lb");
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
        this.connectTimeoutMillis =
                (int) Math.min(Integer.MAX_VALUE, config.connectTimeout().toMillis());
        this.responseTimeoutNanos = config.responseTimeout().toNanos();
        this.upstreamIdleTimeoutNanos = config.upstreamIdleTimeout().toNanos();
        this.tunnelIdleTimeoutNanos = config.tunnelIdleTimeout().toNanos();
        this.maxBackendConnections = config.maxBackendConnections();
        this.queueSize = config.queueSize();
        this.queueTimeoutNanos = config.queueTimeout().toNanos();
        this.maxAttempts = config.maxAttempts();
        this.retryOn = config.retryOn();
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
