package org.reverl.gateway.http.internal;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.SslContext;

/** Builds a client connection's pipeline: TLS (optional), the strict HTTP/1.1 codec, the access log (optional), the proxy. */
public final class FrontendInitializer extends ChannelInitializer<Channel> {

    private final ProxySettings settings;
    private final SslContext ssl;
    private final boolean accessLog;

    /**
     * @param ssl the server context, or {@code null} for plain HTTP
     * @param accessLog whether to log each request (adds {@link AccessLogHandler}; nothing when off)
     */
    public FrontendInitializer(ProxySettings settings, SslContext ssl, boolean accessLog) {
        this.settings = settings;
        this.ssl = ssl;
        this.accessLog = accessLog;
    }

    /** What the connections built by this initializer share. */
    public ProxySettings settings() {
        return settings;
    }

    @Override
    protected void initChannel(Channel ch) {
        ChannelPipeline p = ch.pipeline();
        if (ssl != null) {
            p.addLast("tls", ssl.newHandler(ch.alloc()));
        }
        FrontendCodec codec =
                new FrontendCodec(settings.maxInitialLineLength, settings.maxHeaderSize, settings.maxChunkSize);
        p.addLast("decoder", codec.decoder());
        p.addLast("encoder", codec.encoder());
        if (accessLog) {
            p.addLast("access-log", new AccessLogHandler(AccessLogHandler.LOG::info));
        }
        p.addLast("proxy", new ClientConnection(settings, codec));
    }
}
