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

    /**
     * An outbound handler next to the socket end that completes no write, as a socket whose client does not read: the
     * bytes the proxy wrote until it closed the connection are kept here, in order; the writes still pending when it
     * closes fail, as a socket's do.
     */
    static final class UnreadSocket extends io.netty.channel.ChannelOutboundHandlerAdapter {
        private final java.io.ByteArrayOutputStream held = new java.io.ByteArrayOutputStream();
        private final List<io.netty.channel.ChannelPromise> pending = new ArrayList<>();
        private boolean closed;

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, io.netty.channel.ChannelPromise promise) {
            ByteBuf b = (ByteBuf) msg;
            if (closed) {
                b.release();
                promise.tryFailure(new java.nio.channels.ClosedChannelException());
                return;
            }
            byte[] bytes = new byte[b.readableBytes()];
            b.readBytes(bytes);
            held.writeBytes(bytes);
            b.release();
            pending.add(promise);
        }

        @Override
        public void close(ChannelHandlerContext ctx, io.netty.channel.ChannelPromise promise) {
            closed = true;
            for (io.netty.channel.ChannelPromise p : pending) {
                p.tryFailure(new java.nio.channels.ClosedChannelException());
            }
            pending.clear();
            ctx.close(promise);
        }

        @Override
        public void flush(ChannelHandlerContext ctx) {
            // nothing leaves: the client does not read
        }

        /** The frames written so far, as {type, flags, error code of a GOAWAY or -1}. */
        List<long[]> frames() {
            ByteBuf all = io.netty.buffer.Unpooled.wrappedBuffer(held.toByteArray());
            List<long[]> out = new ArrayList<>();
            while (all.readableBytes() >= 9) {
                int length = all.readUnsignedMedium();
                int type = all.readUnsignedByte();
                int flags = all.readUnsignedByte();
                all.skipBytes(4);
                long error = type == 0x7 ? all.getUnsignedInt(all.readerIndex() + 4) : -1;
                all.skipBytes(length);
                out.add(new long[] {type, flags, error});
            }
            return out;
        }
    }

    /** A frame of {@code type} on stream 0. */
    private static byte[] frame(int type, byte[] payload) {
        byte[] f = new byte[9 + payload.length];
        f[0] = (byte) (payload.length >>> 16);
        f[1] = (byte) (payload.length >>> 8);
        f[2] = (byte) payload.length;
        f[3] = (byte) type;
        System.arraycopy(payload, 0, f, 9, payload.length);
        return f;
    }

    /** The proxy's connection after the client's preface and SETTINGS, then {@code count} times {@code flood}. */
    private UnreadSocket floodWithoutReading(byte[] flood, int count) {
        path = new DataPath(1, b -> b.http2(true));
        UnreadSocket socket = new UnreadSocket();
        server = new EmbeddedChannel(socket);
        server.freezeTime();
        Http2Frontend.configure(server.pipeline(), path.settings, false);
        ByteBuf in = io.netty.buffer.Unpooled.buffer();
        in.writeBytes(io.netty.handler.codec.http2.Http2CodecUtil.connectionPrefaceBuf());
        in.writeBytes(frame(0x4, new byte[0]));
        for (int i = 0; i < count && server.isActive(); i++) {
            in.writeBytes(flood);
            if (in.readableBytes() > 8192) {
                server.writeInbound(in);
                in = io.netty.buffer.Unpooled.buffer();
            }
        }
        if (server.isActive()) {
            server.writeInbound(in);
        } else {
            in.release();
        }
        return socket;
    }

    @Test
    void pingFlood_ackQueuedPastTheLimit_goAwayEnhanceYourCalm_andClosed() {
        UnreadSocket socket =
                floodWithoutReading(frame(0x6, new byte[8]), Http2Frontend.MAX_QUEUED_CONTROL_FRAMES + 10);
        assertThat(server.isActive()).isFalse();
        List<long[]> frames = socket.frames();
        assertThat(frames.stream().filter(f -> f[0] == 0x6).count())
                .as("PING acks")
                .isGreaterThanOrEqualTo(Http2Frontend.MAX_QUEUED_CONTROL_FRAMES - 2);
        long[] last = frames.get(frames.size() - 1);
        assertThat(last[0]).as("the last frame: GOAWAY").isEqualTo(0x7);
        assertThat(last[2]).isEqualTo(Http2Error.ENHANCE_YOUR_CALM.code());
    }

    @Test
    void settingsFlood_ackQueuedPastTheLimit_goAwayEnhanceYourCalm_andClosed() {
        byte[] initialWindow = {0, 4, 0, 0, (byte) 0xff, (byte) 0xff};
        UnreadSocket socket =
                floodWithoutReading(frame(0x4, initialWindow), Http2Frontend.MAX_QUEUED_CONTROL_FRAMES + 10);
        assertThat(server.isActive()).isFalse();
        List<long[]> frames = socket.frames();
        assertThat(frames.stream().filter(f -> f[0] == 0x4 && f[1] == 0x1).count())
                .as("SETTINGS acks")
                .isGreaterThanOrEqualTo(Http2Frontend.MAX_QUEUED_CONTROL_FRAMES - 2);
        long[] last = frames.get(frames.size() - 1);
        assertThat(last[0]).as("the last frame: GOAWAY").isEqualTo(0x7);
        assertThat(last[2]).isEqualTo(Http2Error.ENHANCE_YOUR_CALM.code());
    }

    @Test
    void controlFrames_belowTheLimit_connectionStays() {
        UnreadSocket socket =
                floodWithoutReading(frame(0x6, new byte[8]), Http2Frontend.MAX_QUEUED_CONTROL_FRAMES - 10);
        assertThat(server.isActive()).isTrue();
        assertThat(socket.frames()).noneMatch(f -> f[0] == 0x7);
    }
}
