package org.reverl.gateway.http.internal;

import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.SniHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.util.Mapping;

/**
 * Builds a client connection's pipeline: TLS (optional), the strict HTTP/1.1 codec, the access log (optional), the proxy.
 * Not a {@link io.netty.channel.ChannelInitializer} of its own: the server's one calls {@link #initChannel} directly, so
 * a new connection passes through one initializer, not two (each adds itself, runs, and takes itself out again).
 */
public final class FrontendInitializer {

    private final ProxySettings settings;
    private final SslContext ssl;
    private final Mapping<String, SslContext> sni;
    private final boolean accessLog;
    private final boolean http2;
    private final java.util.function.Consumer<ChannelPipeline> http1 = this::addHttp1;

    /**
     * @param ssl the server context, or {@code null} for plain HTTP
     * @param accessLog whether to log each request (adds {@link AccessLogHandler}; nothing when off)
     */
    public FrontendInitializer(ProxySettings settings, SslContext ssl, boolean accessLog) {
        this(settings, ssl, null, accessLog, false);
    }

    /**
     * @param ssl the server context, or {@code null} for plain HTTP
     * @param sni the contexts chosen by the name a client asks for (SNI), {@code ssl} for any other; {@code null} for
     *     {@code ssl} alone
     * @param accessLog whether to log each request (adds {@link AccessLogHandler}; nothing when off)
     * @param http2 whether clients may speak HTTP/2: by ALPN with TLS (the contexts must offer {@code h2}), with
     *     prior knowledge without
     */
    public FrontendInitializer(
            ProxySettings settings, SslContext ssl, Mapping<String, SslContext> sni, boolean accessLog, boolean http2) {
        this.settings = settings;
        this.ssl = ssl;
        this.sni = sni;
        this.accessLog = accessLog;
        this.http2 = http2;
    }

    /** What the connections built by this initializer share. */
    public ProxySettings settings() {
        return settings;
    }

    /** Adds the connection's handlers to {@code ch}'s pipeline. */
    public void initChannel(Channel ch) {
        ChannelPipeline p = ch.pipeline();
        if (sni != null) {
            // reads the client hello's server name, then replaces itself with the chosen context's handler
            p.addLast("tls", new SniHandler(sni));
        } else if (ssl != null) {
            p.addLast("tls", ssl.newHandler(ch.alloc()));
        }
        if (!http2) {
            addHttp1(p);
        } else if (ssl != null) {
            p.addLast("alpn", new Http2Frontend.Alpn(settings, accessLog, http1));
        } else {
            p.addLast("h2c-or-http1", new Http2Frontend.PriorKnowledge(settings, accessLog, http1));
        }
    }

    /** The HTTP/1.1 handlers: the strict codec, the access log (optional), the proxy. */
    private void addHttp1(ChannelPipeline p) {
        FrontendCodec codec = new FrontendCodec(settings);
        p.addLast("decoder", codec.decoder());
        p.addLast("encoder", codec.encoder());
        if (accessLog) {
            p.addLast("access-log", new AccessLogHandler(AccessLogHandler.LOG::info));
        }
        p.addLast("proxy", new ClientConnection(settings, codec));
    }
}
