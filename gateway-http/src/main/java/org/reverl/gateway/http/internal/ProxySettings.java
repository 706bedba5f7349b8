package org.reverl.gateway.http.internal;

import io.netty.util.AsciiString;
import java.net.InetAddress;
import java.util.Set;
import org.reverl.gateway.api.LoadBalancer;
import org.reverl.gateway.http.ProxyObserver;

/** What every connection of one proxy shares, precomputed once: immutable apart from the pools. */
public final class ProxySettings {

    final LoadBalancer lb;
    final Transports transport;
    final boolean tls;
    final AsciiString proto;
    /** {@code 1.1 <via>}, added to {@code Via} in both directions. */
    final AsciiString via11;
    /** {@code 1.0 <via>}, for requests received as HTTP/1.0. */
    final AsciiString via10;

    final Set<InetAddress> trustedProxies;
    final int maxInitialLineLength;
    final int maxHeaderSize;
    final int maxHeaderCount;
    final int maxChunkSize;
    final long requestHeadTimeoutNanos;
    final long idleTimeoutNanos;
    final int connectTimeoutMillis;
    final long responseTimeoutNanos;
    final int maxAttempts;
    final ProxyObserver observer;
    final BackendPools pools;

    /**
     * @param lb where requests go
     * @param transport epoll or NIO
     * @param tls whether the listener terminates TLS (sets {@code X-Forwarded-Proto})
     */
    public ProxySettings(
            LoadBalancer lb,
            Transports transport,
            boolean tls,
            String via,
            Set<InetAddress> trustedProxies,
            int maxInitialLineLength,
            int maxHeaderSize,
            int maxHeaderCount,
            int maxChunkSize,
            long requestHeadTimeoutNanos,
            long idleTimeoutNanos,
            int connectTimeoutMillis,
            long responseTimeoutNanos,
            int maxAttempts,
            ProxyObserver observer) {
        this.lb = lb;
        this.transport = transport;
        this.tls = tls;
        this.proto = tls ? HeaderRules.HTTPS : HeaderRules.HTTP;
        this.via11 = AsciiString.cached("1.1 " + via);
        this.via10 = AsciiString.cached("1.0 " + via);
        this.trustedProxies = Set.copyOf(trustedProxies);
        this.maxInitialLineLength = maxInitialLineLength;
        this.maxHeaderSize = maxHeaderSize;
        this.maxHeaderCount = maxHeaderCount;
        this.maxChunkSize = maxChunkSize;
        this.requestHeadTimeoutNanos = requestHeadTimeoutNanos;
        this.idleTimeoutNanos = idleTimeoutNanos;
        this.connectTimeoutMillis = connectTimeoutMillis;
        this.responseTimeoutNanos = responseTimeoutNanos;
        this.maxAttempts = maxAttempts;
        this.observer = observer;
        this.pools = new BackendPools(this);
    }
}
