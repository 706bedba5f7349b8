package org.reverl.gateway.http;

import static java.util.Objects.requireNonNull;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.reverl.gateway.api.Checks;

/**
 * How an {@link HttpProxyServer} listens, what it accepts and how long it waits. Immutable; built with {@link
 * #builder()}, or {@link #defaults()} for a plain HTTP listener on {@code 127.0.0.1:8080}.
 *
 * @param listen the address to listen on
 * @param ioThreads event loop threads, each serving its clients and its own backend connections
 * @param maxInitialLineLength longest request line in bytes; a longer one gets 414
 * @param maxHeaderSize largest header block in bytes; a larger one gets 431
 * @param maxHeaderCount most header fields in a request; more get 431
 * @param maxChunkSize largest body piece handed on at once, in bytes
 * @param bufferedBody request bodies up to this many bytes are received whole, and their framing checked, before any
 *     byte of the request goes to a backend, and can be sent again on a retry; larger ones stream; 0 streams every body
 * @param maxBody largest request body accepted, in bytes; a larger one gets 413; {@link #UNLIMITED_BODY} for no limit
 * @param requestHeadTimeout how long a client may take to send a request head once it started; then 408 and close
 * @param idleTimeout how long a keep-alive client connection may stay idle between requests; then it is closed
 * @param bodyTimeout how long a client may pause between two pieces of a request body while the proxy reads it; then
 *     408 and close (time the proxy itself is not reading, because a backend is slow to take the body, does not count)
 * @param sendTimeout how long a client may leave a response unread (its connection not writable) before it is closed;
 *     the backend is not blamed for it
 * @param connectTimeout how long connecting to a backend may take; then the request fails over
 * @param responseTimeout how long a backend may stay silent while a response is due; then 504 (or the client
 *     connection is closed if the response had started)
 * @param upstreamIdleTimeout how long a kept-alive backend connection may stay idle in its pool before the proxy
 *     closes it: shorter than the backends' own keep-alive timeouts, so that a backend never closes a connection as a
 *     request is sent on it
 * @param tunnelIdleTimeout how long an upgraded connection (a WebSocket, or another protocol after a 101) may carry no
 *     byte in either direction; then both ends are closed
 * @param maxConnections the most client connections served at once; more wait in the accept backlog
 * @param maxBackendConnections the most connections open to one backend at once (across io threads); 0 for no limit
 * @param queueSize the most requests waiting for a connection to one backend, when its connections are limited; more
 *     get 503
 * @param queueTimeout how long a request may wait for a connection to a backend; then 503
 * @param dnsServers the DNS servers backend host names are resolved with, in order; empty (the default) for the
 *     system's ({@code /etc/resolv.conf})
 * @param maxAttempts how many backends one request may be tried on, including the first
 * @param retryOn the response statuses after which an idempotent request goes to another backend ({@link RetryOn});
 *     none by default
 * @param trustedProxies addresses of proxies in front of this one whose {@code X-Forwarded-*} and {@code Forwarded}
 *     headers are kept and appended to; from anyone else they are replaced, and {@code Forwarded} and {@code X-Real-IP}
 *     removed
 * @param forwarded whether an RFC 7239 {@code Forwarded} field is added besides {@code X-Forwarded-*}
 * @param via the pseudonym added to {@code Via}, e.g. {@code reverl}
 * @param tls the certificate to terminate TLS with, or {@code null} for plain HTTP
 * @param http2 whether clients may speak HTTP/2: {@code h2} by ALPN on a TLS listener (preferred to {@code http/1.1}),
 *     and with prior knowledge ({@code h2c}) on a plain one; each stream is one request to an HTTP/1.1 backend
 * @param maxConcurrentStreams the most HTTP/2 streams a client may have open on one connection
 * @param backendTls how {@code https://} backends are reached: verification (on by default), trust, client certificate
 * @param observer sees responses, failures, retries and rejections, for metrics; {@link ProxyObserver#NOOP} by default
 * @param accessLog whether each request is logged, one line when its response ends, to the SLF4J logger {@code
 *     org.reverl.access}; off by default
 */
public record HttpProxyConfig(
        InetSocketAddress listen,
        int ioThreads,
        int maxInitialLineLength,
        int maxHeaderSize,
        int maxHeaderCount,
        int maxChunkSize,
        int bufferedBody,
        long maxBody,
        Duration requestHeadTimeout,
        Duration idleTimeout,
        Duration bodyTimeout,
        Duration sendTimeout,
        Duration connectTimeout,
        Duration responseTimeout,
        Duration upstreamIdleTimeout,
        Duration tunnelIdleTimeout,
        int maxConnections,
        int maxBackendConnections,
        int queueSize,
        Duration queueTimeout,
        List<InetSocketAddress> dnsServers,
        int maxAttempts,
        RetryOn retryOn,
        Set<InetAddress> trustedProxies,
        Forwarded forwarded,
        String via,
        TlsSettings tls,
        boolean http2,
        int maxConcurrentStreams,
        BackendTlsSettings backendTls,
        ProxyObserver observer,
        boolean accessLog) {

    /** Default {@link #maxInitialLineLength()}: 8 KiB. */
    public static final int DEFAULT_MAX_INITIAL_LINE_LENGTH = 8192;
    /** Default {@link #maxHeaderSize()}: 16 KiB. */
    public static final int DEFAULT_MAX_HEADER_SIZE = 16384;
    /** Default {@link #maxHeaderCount()}. */
    public static final int DEFAULT_MAX_HEADER_COUNT = 100;
    /** Default {@link #maxChunkSize()}: 64 KiB. */
    public static final int DEFAULT_MAX_CHUNK_SIZE = 65536;
    /** Default {@link #bufferedBody()}: 64 KiB. */
    public static final int DEFAULT_BUFFERED_BODY = 65536;
    /** Largest {@link #bufferedBody()}: 64 MiB. */
    public static final int MAX_BUFFERED_BODY = 64 << 20;
    /** {@link #maxBody()} for no limit, the default: bodies larger than {@link #bufferedBody()} stream. */
    public static final long UNLIMITED_BODY = Long.MAX_VALUE;
    /** Default {@link #bodyTimeout()}, as nginx's {@code client_body_timeout}. */
    public static final Duration DEFAULT_BODY_TIMEOUT = Duration.ofSeconds(60);
    /** Default {@link #sendTimeout()}, as nginx's {@code send_timeout}. */
    public static final Duration DEFAULT_SEND_TIMEOUT = Duration.ofSeconds(60);
    /** Default {@link #requestHeadTimeout()}. */
    public static final Duration DEFAULT_REQUEST_HEAD_TIMEOUT = Duration.ofSeconds(10);
    /** Default {@link #idleTimeout()}. */
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(60);
    /** Default {@link #connectTimeout()}. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(3);
    /** Default {@link #responseTimeout()}. */
    public static final Duration DEFAULT_RESPONSE_TIMEOUT = Duration.ofSeconds(60);
    /**
     * Default {@link #upstreamIdleTimeout()}: 30 s, below common backend keep-alive timeouts (nginx 75 s, Node.js and
     * Go servers unlimited or 60 s+); a backend with a shorter one (Apache httpd's 5 s) needs a shorter setting.
     */
    public static final Duration DEFAULT_UPSTREAM_IDLE_TIMEOUT = Duration.ofSeconds(30);
    /** Default {@link #tunnelIdleTimeout()}: one hour, as HAProxy's documentation suggests for {@code timeout tunnel}. */
    public static final Duration DEFAULT_TUNNEL_IDLE_TIMEOUT = Duration.ofHours(1);
    /** Default {@link #maxConcurrentStreams()}, as nginx's {@code http2_max_concurrent_streams}. */
    public static final int DEFAULT_MAX_CONCURRENT_STREAMS = 100;
    /** Default {@link #maxConnections()}. */
    public static final int DEFAULT_MAX_CONNECTIONS = 10_000;
    /** Default {@link #queueSize()}. */
    public static final int DEFAULT_QUEUE_SIZE = 1024;
    /** Default {@link #queueTimeout()}, as HAProxy's {@code timeout queue} falls back to its connect timeout. */
    public static final Duration DEFAULT_QUEUE_TIMEOUT = Duration.ofSeconds(3);
    /** Default {@link #maxAttempts()}. */
    public static final int DEFAULT_MAX_ATTEMPTS = 3;
    /** Default {@link #via()}. */
    public static final String DEFAULT_VIA = "reverl";

    /** Validates and copies. */
    public HttpProxyConfig {
        requireNonNull(listen, "listen");
        Checks.inRange("ioThreads", ioThreads, 1, 1024);
        Checks.inRange("maxInitialLineLength", maxInitialLineLength, 64, 1 << 20);
        Checks.inRange("maxHeaderSize", maxHeaderSize, 256, 1 << 20);
        Checks.inRange("maxHeaderCount", maxHeaderCount, 1, 10_000);
        Checks.inRange("maxChunkSize", maxChunkSize, 256, 1 << 24);
        Checks.inRange("bufferedBody", bufferedBody, 0, MAX_BUFFERED_BODY);
        if (maxBody < 0) {
            throw new IllegalArgumentException(Checks.message("maxBody", maxBody, "a byte count >= 0"));
        }
        Checks.positive("requestHeadTimeout", requestHeadTimeout);
        Checks.positive("idleTimeout", idleTimeout);
        Checks.positive("bodyTimeout", bodyTimeout);
        Checks.positive("sendTimeout", sendTimeout);
        Checks.positive("connectTimeout", connectTimeout);
        Checks.positive("responseTimeout", responseTimeout);
        Checks.positive("upstreamIdleTimeout", upstreamIdleTimeout);
        Checks.positive("tunnelIdleTimeout", tunnelIdleTimeout);
        Checks.inRange("maxConnections", maxConnections, 1, 10_000_000);
        Checks.inRange("maxBackendConnections", maxBackendConnections, 0, 10_000_000);
        Checks.inRange("queueSize", queueSize, 0, 10_000_000);
        Checks.positive("queueTimeout", queueTimeout);
        dnsServers = List.copyOf(requireNonNull(dnsServers, "dnsServers"));
        Checks.inRange("maxAttempts", maxAttempts, 1, 16);
        requireNonNull(retryOn, "retryOn");
        trustedProxies = Set.copyOf(requireNonNull(trustedProxies, "trustedProxies"));
        requireNonNull(forwarded, "forwarded");
        Checks.notBlank("via", via);
        Checks.inRange("maxConcurrentStreams", maxConcurrentStreams, 1, 10_000);
        requireNonNull(backendTls, "backendTls");
        requireNonNull(observer, "observer");
    }

    /** Plain HTTP on {@code 127.0.0.1:8080} with every other setting at its default. */
    public static HttpProxyConfig defaults() {
        return builder().build();
    }

    /** A builder with every setting at its default. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this config's settings. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.listen = listen;
        b.ioThreads = ioThreads;
        b.maxInitialLineLength = maxInitialLineLength;
        b.maxHeaderSize = maxHeaderSize;
        b.maxHeaderCount = maxHeaderCount;
        b.maxChunkSize = maxChunkSize;
        b.bufferedBody = bufferedBody;
        b.maxBody = maxBody;
        b.requestHeadTimeout = requestHeadTimeout;
        b.idleTimeout = idleTimeout;
        b.bodyTimeout = bodyTimeout;
        b.sendTimeout = sendTimeout;
        b.connectTimeout = connectTimeout;
        b.responseTimeout = responseTimeout;
        b.upstreamIdleTimeout = upstreamIdleTimeout;
        b.tunnelIdleTimeout = tunnelIdleTimeout;
        b.maxConnections = maxConnections;
        b.maxBackendConnections = maxBackendConnections;
        b.queueSize = queueSize;
        b.queueTimeout = queueTimeout;
        b.dnsServers = dnsServers;
        b.maxAttempts = maxAttempts;
        b.retryOn = retryOn;
        b.trustedProxies.addAll(trustedProxies);
        b.forwarded = forwarded;
        b.via = via;
        b.tls = tls;
        b.backendTls = backendTls;
        b.http2 = http2;
        b.maxConcurrentStreams = maxConcurrentStreams;
        b.observer = observer;
        b.accessLog = accessLog;
        return b;
    }

    /** Which forwarding fields the proxy adds to requests. */
    public enum Forwarded {
        /** {@code X-Forwarded-For}, {@code -Proto} and {@code -Host}: what most applications read. The default. */
        X_FORWARDED,
        /** Those, and an RFC 7239 {@code Forwarded} element ({@code for=...;proto=...;host=...}). */
        RFC7239
    }

    /** Whether TLS is terminated. */
    public boolean isTls() {
        return tls != null;
    }

    /** Builds {@link HttpProxyConfig}s. Not thread-safe. */
    public static final class Builder {
        private InetSocketAddress listen = new InetSocketAddress(InetAddress.getLoopbackAddress(), 8080);
        private int ioThreads = Math.max(1, Runtime.getRuntime().availableProcessors());
        private int maxInitialLineLength = DEFAULT_MAX_INITIAL_LINE_LENGTH;
        private int maxHeaderSize = DEFAULT_MAX_HEADER_SIZE;
        private int maxHeaderCount = DEFAULT_MAX_HEADER_COUNT;
        private int maxChunkSize = DEFAULT_MAX_CHUNK_SIZE;
        private int bufferedBody = DEFAULT_BUFFERED_BODY;
        private long maxBody = UNLIMITED_BODY;
        private Duration requestHeadTimeout = DEFAULT_REQUEST_HEAD_TIMEOUT;
        private Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
        private Duration bodyTimeout = DEFAULT_BODY_TIMEOUT;
        private Duration sendTimeout = DEFAULT_SEND_TIMEOUT;
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        private Duration responseTimeout = DEFAULT_RESPONSE_TIMEOUT;
        private Duration upstreamIdleTimeout = DEFAULT_UPSTREAM_IDLE_TIMEOUT;
        private Duration tunnelIdleTimeout = DEFAULT_TUNNEL_IDLE_TIMEOUT;
        private int maxConnections = DEFAULT_MAX_CONNECTIONS;
        private int maxBackendConnections;
        private int queueSize = DEFAULT_QUEUE_SIZE;
        private Duration queueTimeout = DEFAULT_QUEUE_TIMEOUT;
        private List<InetSocketAddress> dnsServers = List.of();
        private int maxAttempts = DEFAULT_MAX_ATTEMPTS;
        private RetryOn retryOn = RetryOn.NONE;
        private final Set<InetAddress> trustedProxies = new LinkedHashSet<>();
        private Forwarded forwarded = Forwarded.X_FORWARDED;
        private String via = DEFAULT_VIA;
        private TlsSettings tls;
        private BackendTlsSettings backendTls = BackendTlsSettings.defaults();
        private boolean http2;
        private int maxConcurrentStreams = DEFAULT_MAX_CONCURRENT_STREAMS;
        private ProxyObserver observer = ProxyObserver.NOOP;
        private boolean accessLog;

        private Builder() {}

        /** The address to listen on; port 0 picks a free port. */
        public Builder listen(InetSocketAddress listen) {
            this.listen = requireNonNull(listen, "listen");
            return this;
        }

        /** The host (name or IP literal) and port to listen on; port 0 picks a free port. */
        public Builder listen(String host, int port) {
            Checks.inRange("port", port, 0, 65535);
            return listen(new InetSocketAddress(Checks.notBlank("host", host), port));
        }

        /** Event loop threads; default: one per available processor. */
        public Builder ioThreads(int ioThreads) {
            this.ioThreads = Checks.inRange("ioThreads", ioThreads, 1, 1024);
            return this;
        }

        /** Longest request line in bytes (414 beyond). */
        public Builder maxInitialLineLength(int bytes) {
            this.maxInitialLineLength = Checks.inRange("maxInitialLineLength", bytes, 64, 1 << 20);
            return this;
        }

        /** Largest header block in bytes (431 beyond). */
        public Builder maxHeaderSize(int bytes) {
            this.maxHeaderSize = Checks.inRange("maxHeaderSize", bytes, 256, 1 << 20);
            return this;
        }

        /** Most header fields in one request (431 beyond). */
        public Builder maxHeaderCount(int count) {
            this.maxHeaderCount = Checks.inRange("maxHeaderCount", count, 1, 10_000);
            return this;
        }

        /** Largest body piece handed on at once, in bytes. */
        public Builder maxChunkSize(int bytes) {
            this.maxChunkSize = Checks.inRange("maxChunkSize", bytes, 256, 1 << 24);
            return this;
        }

        /**
         * Request bodies up to this many bytes are received whole and checked before the request goes to a backend
         * (and can be retried); 0 streams every body. Default 64 KiB.
         */
        public Builder bufferedBody(int bytes) {
            this.bufferedBody = Checks.inRange("bufferedBody", bytes, 0, MAX_BUFFERED_BODY);
            return this;
        }

        /** Largest request body accepted (413 beyond); {@link #UNLIMITED_BODY}, the default, for no limit. */
        public Builder maxBody(long bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException(Checks.message("maxBody", bytes, "a byte count >= 0"));
            }
            this.maxBody = bytes;
            return this;
        }

        /** Time a client may pause between pieces of a request body (408 beyond). */
        public Builder bodyTimeout(Duration timeout) {
            this.bodyTimeout = Checks.positive("bodyTimeout", timeout);
            return this;
        }

        /** Time a client may leave a response unread before its connection is closed. */
        public Builder sendTimeout(Duration timeout) {
            this.sendTimeout = Checks.positive("sendTimeout", timeout);
            return this;
        }

        /** Which forwarding fields are added; default {@link Forwarded#X_FORWARDED}. */
        public Builder forwarded(Forwarded forwarded) {
            this.forwarded = requireNonNull(forwarded, "forwarded");
            return this;
        }

        /** Time allowed to receive a request head once it started (408 beyond). */
        public Builder requestHeadTimeout(Duration timeout) {
            this.requestHeadTimeout = Checks.positive("requestHeadTimeout", timeout);
            return this;
        }

        /** Time a keep-alive client connection may stay idle between requests. */
        public Builder idleTimeout(Duration timeout) {
            this.idleTimeout = Checks.positive("idleTimeout", timeout);
            return this;
        }

        /** Time allowed to connect to a backend. */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = Checks.positive("connectTimeout", timeout);
            return this;
        }

        /** Time a backend may stay silent while a response is due (504 beyond). */
        public Builder responseTimeout(Duration timeout) {
            this.responseTimeout = Checks.positive("responseTimeout", timeout);
            return this;
        }

        /** Time a kept-alive backend connection may stay idle in its pool; default 30 s. */
        public Builder upstreamIdleTimeout(Duration timeout) {
            this.upstreamIdleTimeout = Checks.positive("upstreamIdleTimeout", timeout);
            return this;
        }

        /** Time an upgraded connection (a tunnel) may carry no byte either way; default one hour. */
        public Builder tunnelIdleTimeout(Duration timeout) {
            this.tunnelIdleTimeout = Checks.positive("tunnelIdleTimeout", timeout);
            return this;
        }

        /** The most client connections served at once; default 10,000. */
        public Builder maxConnections(int connections) {
            this.maxConnections = Checks.inRange("maxConnections", connections, 1, 10_000_000);
            return this;
        }

        /** The most connections open to one backend at once; 0 (the default) for no limit. */
        public Builder maxBackendConnections(int connections) {
            this.maxBackendConnections = Checks.inRange("maxBackendConnections", connections, 0, 10_000_000);
            return this;
        }

        /** The most requests waiting for one backend's connections; default 1024. */
        public Builder queueSize(int requests) {
            this.queueSize = Checks.inRange("queueSize", requests, 0, 10_000_000);
            return this;
        }

        /** How long a request may wait for a backend connection; default 3 s. */
        public Builder queueTimeout(Duration timeout) {
            this.queueTimeout = Checks.positive("queueTimeout", timeout);
            return this;
        }

        /** DNS servers for backend host names, tried in order; empty (the default) for the system's. */
        public Builder dnsServers(List<InetSocketAddress> servers) {
            this.dnsServers = List.copyOf(requireNonNull(servers, "servers"));
            return this;
        }

        /** Backends one request may be tried on, including the first. */
        public Builder maxAttempts(int attempts) {
            this.maxAttempts = Checks.inRange("maxAttempts", attempts, 1, 16);
            return this;
        }

        /** The response statuses after which an idempotent request goes to another backend; none by default. */
        public Builder retryOn(RetryOn retryOn) {
            this.retryOn = requireNonNull(retryOn, "retryOn");
            return this;
        }

        /**
         * IP literals of proxies in front of this one, whose {@code X-Forwarded-*} headers are trusted and appended to.
         */
        public Builder trustedProxies(Collection<String> ipLiterals) {
            trustedProxies.clear();
            for (String ip : ipLiterals) {
                trustedProxies.add(ipLiteral(ip));
            }
            return this;
        }

        /** The pseudonym this proxy adds to {@code Via}. */
        public Builder via(String via) {
            this.via = Checks.notBlank("via", via);
            return this;
        }

        /** Terminates TLS with these settings; {@code null} for plain HTTP. */
        public Builder tls(TlsSettings tls) {
            this.tls = tls;
            return this;
        }

        /** Lets clients speak HTTP/2 (ALPN {@code h2} on TLS, {@code h2c} prior knowledge on plain); default off. */
        public Builder http2(boolean http2) {
            this.http2 = http2;
            return this;
        }

        /** The most HTTP/2 streams open at once on one client connection; default 100. */
        public Builder maxConcurrentStreams(int streams) {
            this.maxConcurrentStreams = Checks.inRange("maxConcurrentStreams", streams, 1, 10_000);
            return this;
        }

        /** How {@code https://} backends are reached; default {@link BackendTlsSettings#defaults()} (verified). */
        public Builder backendTls(BackendTlsSettings backendTls) {
            this.backendTls = requireNonNull(backendTls, "backendTls");
            return this;
        }

        /**
         * What sees each request's outcome, for metrics; default {@link ProxyObserver#NOOP}.
         *
         * @since 0.1
         */
        public Builder observer(ProxyObserver observer) {
            this.observer = requireNonNull(observer, "observer");
            return this;
        }

        /** Log each request when its response ends (logger {@code org.reverl.access}). Default off. */
        public Builder accessLog(boolean accessLog) {
            this.accessLog = accessLog;
            return this;
        }

        /** The config. */
        public HttpProxyConfig build() {
            return new HttpProxyConfig(
                    listen,
                    ioThreads,
                    maxInitialLineLength,
                    maxHeaderSize,
                    maxHeaderCount,
                    maxChunkSize,
                    bufferedBody,
                    maxBody,
                    requestHeadTimeout,
                    idleTimeout,
                    bodyTimeout,
                    sendTimeout,
                    connectTimeout,
                    responseTimeout,
                    upstreamIdleTimeout,
                    tunnelIdleTimeout,
                    maxConnections,
                    maxBackendConnections,
                    queueSize,
                    queueTimeout,
                    dnsServers,
                    maxAttempts,
                    retryOn,
                    trustedProxies,
                    forwarded,
                    via,
                    tls,
                    http2,
                    maxConcurrentStreams,
                    backendTls,
                    observer,
                    accessLog);
        }

        private static InetAddress ipLiteral(String ip) {
            requireNonNull(ip, "ip");
            if (ip.isEmpty() || !ip.chars().allMatch(c -> c == '.' || c == ':' || Character.digit(c, 16) >= 0)) {
                throw new IllegalArgumentException(Checks.message("trusted proxy", "'" + ip + "'", "an IP literal"));
            }
            try {
                return InetAddress.getByName(ip); // an IP literal: no lookup
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException(Checks.message("trusted proxy", "'" + ip + "'", "an IP literal"), e);
            }
        }
    }
}
