package org.reverl.gateway.http.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The HTTP/2 front end's defences on in-memory channels: a client codec on one channel, the proxy's connection on
 * another, bytes carried between them by the test.
 */
class Http2FrontendTest {

    DataPath path;
    EmbeddedChannel server;
    EmbeddedChannel client;
    final List<Http2GoAwayFrame> goAways = new ArrayList<>();

    @AfterEach
    void close() {
        goAways.forEach(ReferenceCountUtil::release);
        if (client != null) {
            client.finishAndReleaseAll();
        }
        if (server != null) {
            server.finishAndReleaseAll();
        }
        if (path != null) {
            path.close();
        }
    }

    private void connect() {
        path = new DataPath(1, b -> b.http2(true));
        server = new EmbeddedChannel();
        server.freezeTime();
        Http2Frontend.configure(server.pipeline(), path.settings, false);
        client = new EmbeddedChannel(
                Http2FrameCodecBuilder.forClient().build(),
                new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()),
                new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        if (msg instanceof Http2GoAwayFrame) {
                            goAways.add((Http2GoAwayFrame) msg);
                        } else {
                            ReferenceCountUtil.release(msg);
                        }
                    }
                });
        carry();
    }

    /** Moves bytes both ways until neither side has more to say. */
    private void carry() {
        for (int round = 0; round < 20; round++) {
            boolean moved = false;
            Object o;
            while ((o = client.readOutbound()) != null) {
                moved = true;
                if (server.isActive()) {
                    server.writeInbound((ByteBuf) o);
                } else {
                    ReferenceCountUtil.release(o);
                }
            }
            while ((o = server.readOutbound()) != null) {
                moved = true;
                if (client.isActive()) {
                    client.writeInbound((ByteBuf) o);
                } else {
                    ReferenceCountUtil.release(o);
                }
            }
            server.runPendingTasks();
            client.runPendingTasks();
            if (!moved) {
                return;
            }
        }
    }

    private void openAndReset() {
        Http2StreamChannel s = new Http2StreamChannelBootstrap(client)
                .handler(new ChannelInboundHandlerAdapter())
                .open()
                .syncUninterruptibly()
                .getNow();
        s.write(new DefaultHttp2HeadersFrame(
                new DefaultHttp2Headers()
                        .method("GET")
                        .scheme("http")
                        .authority("x")
                        .path("/"),
                true));
        s.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.CANCEL));
    }

    @Test
    void rapidReset_goAwayEnhanceYourCalm_andTheConnectionCloses() {
        connect();
        for (int i = 0; i < Http2Frontend.MAX_RESETS; i++) {
            openAndReset();
            carry();
        }
        assertThat(server.isActive()).as("up to the limit").isTrue();
        openAndReset();
        carry();
        assertThat(goAways).hasSize(1);
        assertThat(goAways.get(0).errorCode()).isEqualTo(Http2Error.ENHANCE_YOUR_CALM.code());
        assertThat(server.isActive()).isFalse();
    }

    @Test
    void connectionWithoutStreams_closedAfterTheIdleTimeout_withGoAway() {
        connect();
        path.ticker.now += java.time.Duration.ofSeconds(59).toNanos();
        server.advanceTimeBy(59, java.util.concurrent.TimeUnit.SECONDS);
        server.runScheduledPendingTasks();
        carry();
        assertThat(server.isActive()).as("59 s of the default 60").isTrue();
        path.ticker.now += java.time.Duration.ofSeconds(1).toNanos();
        server.advanceTimeBy(1, java.util.concurrent.TimeUnit.SECONDS);
        server.runScheduledPendingTasks();
        carry();
        assertThat(server.isActive()).isFalse();
        assertThat(goAways).hasSize(1);
        assertThat(goAways.get(0).errorCode()).isEqualTo(Http2Error.NO_ERROR.code());
    }
}
