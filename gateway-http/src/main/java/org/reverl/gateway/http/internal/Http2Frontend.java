package org.reverl.gateway.http.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.codec.http2.HttpConversionUtil;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import java.util.List;
import java.util.function.Consumer;

/**
 * The HTTP/2 front end: each stream is a child channel of the connection (Netty's multiplex handler) whose pipeline
 * turns frames into the HTTP/1.1 message objects the data path works on, and runs a {@link ClientConnection} of its
 * own, so each stream is one request, balanced and failed over by itself to HTTP/1.1 backends. A stream's writability
 * follows its flow-control window, so a client that does not take a response holds the backend back as over HTTP/1.1.
 *
 * <h2>Limits and defences</h2>
 * The connection's own settings bound what a client may do: {@code maxConcurrentStreams}; the header list size
 * ({@code maxHeaderSize}, checked while HPACK decodes, so a header block that inflates past it is refused before it
 * is held, and its connection closed: {@link Http2ServerCodec}); more RST_STREAM frames than {@link #MAX_RESETS} within {@link #RESET_WINDOW_SECONDS} (rapid reset,
 * CVE-2023-44487), more than {@link #MAX_QUEUED_CONTROL_FRAMES} control frames queued for a peer that does not read
 * (PING and SETTINGS floods), empty DATA or small CONTINUATION frames in a row: each closes that connection with
 * GOAWAY, and nothing else.
 */
final class Http2Frontend {

    /** RST_STREAM frames a client may send within {@link #RESET_WINDOW_SECONDS}. */
    static final int MAX_RESETS = 200;

    static final int RESET_WINDOW_SECONDS = 30;
    /** Control frames (PING and SETTINGS acks) queued for a client before it is deemed a flood. */
    static final int MAX_QUEUED_CONTROL_FRAMES = 1000;

    private Http2Frontend() {}

    /** Adds the HTTP/2 connection handlers to {@code p}. */
    static void configure(ChannelPipeline p, ProxySettings settings, boolean accessLog) {
        Http2FrameCodec codec = new Http2ServerCodec()
                .initialSettings(Http2Settings.defaultSettings()
                        .maxConcurrentStreams(settings.maxConcurrentStreams)
                        .maxHeaderListSize(settings.maxHeaderSize))
                .validateHeaders(true)
                .decoderEnforceMaxRstFramesPerWindow(MAX_RESETS, RESET_WINDOW_SECONDS)
                .encoderEnforceMaxQueuedControlFrames(MAX_QUEUED_CONTROL_FRAMES)
                .decoderEnforceMaxConsecutiveEmptyDataFrames(2)
                .build();
        IdleConnection idle = new IdleConnection(settings);
        p.addLast("h2", codec);
        p.addLast("h2-idle", idle);
        p.addLast("h2-streams", new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
            @Override
            protected void initChannel(Http2StreamChannel ch) {
                idle.streamOpened(ch);
                ChannelPipeline sp = ch.pipeline();
                sp.addLast("h2-guard", Http2RequestGuard.INSTANCE);
                sp.addLast("h2-http", new Http2StreamFrameToHttpObjectCodec(true, false));
                sp.addLast("h2-fields", StreamFields.INSTANCE);
                if (accessLog) {
                    sp.addLast("access-log", new AccessLogHandler(AccessLogHandler.LOG::info));
                }
                sp.addLast("proxy", new ClientConnection(settings, null));
            }
        }));
        p.addLast("h2-errors", Errors.INSTANCE);
    }

    /**
     * Closes a connection that has had no stream open for {@code idleTimeout} (with GOAWAY, sent by the codec as it
     * closes), as the HTTP/1.1 idle timeout does between requests; the first stream is awaited as long. Each stream
     * keeps its own request clocks. One lazily rescheduled timer, read through the {@link Ticker}.
     */
    static final class IdleConnection extends ChannelInboundHandlerAdapter {
        private final ProxySettings settings;
        private final Runnable check = this::onTimer;
        private ChannelHandlerContext ctx;
        private int open;
        private long idleSince;
        private io.netty.util.concurrent.ScheduledFuture<?> timer;

        IdleConnection(ProxySettings settings) {
            this.settings = settings;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            this.ctx = ctx;
            idleSince = settings.ticker.nanoTime();
            schedule(settings.idleTimeoutNanos);
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            cancel();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            cancel();
            ctx.fireChannelInactive();
        }

        void streamOpened(Http2StreamChannel stream) {
            open++;
            stream.closeFuture().addListener(f -> {
                if (--open == 0) {
                    idleSince = settings.ticker.nanoTime();
                    if (timer == null && ctx.channel().isActive()) {
                        schedule(settings.idleTimeoutNanos);
                    }
                }
            });
        }

        private void schedule(long delayNanos) {
            timer = ctx.executor().schedule(check, delayNanos, java.util.concurrent.TimeUnit.NANOSECONDS);
        }

        private void cancel() {
            if (timer != null) {
                timer.cancel(false);
                timer = null;
            }
        }

        private void onTimer() {
            timer = null;
            if (open > 0 || !ctx.channel().isActive()) {
                return; // the last stream to close schedules it again
            }
            long left = idleSince + settings.idleTimeoutNanos - settings.ticker.nanoTime();
            if (left > 0) {
                schedule(left);
            } else {
                ctx.close();
            }
        }
    }

    /**
     * The end of a connection's pipeline: an error the HTTP/2 codec handles itself (it reports a connection error
     * here, then sends GOAWAY with its code and closes) is logged at debug level, as a client's fault. Closing here
     * would come first and send a GOAWAY without the reason.
     */
    @io.netty.channel.ChannelHandler.Sharable
    static final class Errors extends ChannelInboundHandlerAdapter {
        static final Errors INSTANCE = new Errors();
        private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Http2Frontend.class);

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (log.isDebugEnabled()) {
                log.debug("http/2 client {}: {}", ctx.channel().remoteAddress(), cause.toString());
            }
        }
    }

    /**
     * Makes a stream's request look as the HTTP/1.1 decoder's do: removes the fields Netty's frame-to-message
     * conversion adds (which are not the client's), and hands a request that came whole (HEADERS with END_STREAM) on
     * as a head and its end, the two messages the exchange works with.
     */
    @io.netty.channel.ChannelHandler.Sharable
    static final class StreamFields extends ChannelInboundHandlerAdapter {
        static final StreamFields INSTANCE = new StreamFields();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof HttpRequest) {
                HttpRequest req = (HttpRequest) msg;
                req.headers().remove(HttpConversionUtil.ExtensionHeaderNames.STREAM_ID.text());
                req.headers().remove(HttpConversionUtil.ExtensionHeaderNames.SCHEME.text());
                if (msg instanceof FullHttpRequest) {
                    FullHttpRequest full = (FullHttpRequest) msg;
                    ctx.fireChannelRead(
                            new DefaultHttpRequest(full.protocolVersion(), full.method(), full.uri(), full.headers()));
                    ctx.fireChannelRead(new DefaultLastHttpContent(full.content(), full.trailingHeaders()));
                    return;
                }
            }
            ctx.fireChannelRead(msg);
        }
    }

    /**
     * On a TLS listener: {@code h2} if the client chose it by ALPN, HTTP/1.1 otherwise (also without ALPN).
     */
    static final class Alpn extends ApplicationProtocolNegotiationHandler {
        private final ProxySettings settings;
        private final boolean accessLog;
        private final Consumer<ChannelPipeline> http1;

        Alpn(ProxySettings settings, boolean accessLog, Consumer<ChannelPipeline> http1) {
            super(ApplicationProtocolNames.HTTP_1_1);
            this.settings = settings;
            this.accessLog = accessLog;
            this.http1 = http1;
        }

        @Override
        protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
            if (ApplicationProtocolNames.HTTP_2.equals(protocol)) {
                configure(ctx.pipeline(), settings, accessLog);
            } else {
                http1.accept(ctx.pipeline());
                // the HTTP/1.1 handlers were added after the connection became active
                ctx.pipeline().context("decoder").fireChannelActive();
            }
        }
    }

    /**
     * On a plain listener with HTTP/2 on: a connection that starts with the HTTP/2 preface speaks h2c (prior
     * knowledge); any other is HTTP/1.1. Decided on the first bytes, then out of the way.
     */
    static final class PriorKnowledge extends ByteToMessageDecoder {
        private static final ByteBuf PREFACE = Http2CodecUtil.connectionPrefaceBuf();
        private final ProxySettings settings;
        private final boolean accessLog;
        private final Consumer<ChannelPipeline> http1;

        PriorKnowledge(ProxySettings settings, boolean accessLog, Consumer<ChannelPipeline> http1) {
            this.settings = settings;
            this.accessLog = accessLog;
            this.http1 = http1;
        }

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
            int n = Math.min(in.readableBytes(), PREFACE.readableBytes());
            boolean prefix = ByteBufUtil.equals(in, in.readerIndex(), PREFACE, 0, n);
            if (prefix && n < PREFACE.readableBytes()) {
                return; // not enough yet to tell
            }
            ChannelPipeline p = ctx.pipeline();
            if (prefix) {
                configure(p, settings, accessLog); // Netty's HTTP/2 handler starts on being added to an open channel
            } else {
                http1.accept(p);
                p.context("decoder").fireChannelActive();
            }
            // what was read goes on to the handlers just added
            p.remove(this);
        }
    }
}
