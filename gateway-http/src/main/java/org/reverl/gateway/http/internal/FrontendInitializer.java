package org.reverl.gateway.http.internal;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.SslContext;

/** Builds a client connection's pipeline: TLS (optional), the strict HTTP/1.1 codec, the proxy. */
public final class FrontendInitializer extends ChannelInitializer<Channel> {

    private final ProxySettings settings;
    private final SslContext ssl;

    /**
     * @param ssl the server context, or {@code null} for plain HTTP
     */
    public FrontendInitializer(ProxySettings settings, SslContext ssl) {
        this.settings = settings;
        this.ssl = ssl;
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
        p.addLast("proxy", new FrontendHandler(settings, codec));
    }
}
