package org.reverl.gateway.http.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AsciiString;
import java.util.ArrayDeque;
import java.util.List;

/**
 * The client-facing HTTP/1.1 codec, two handlers that share a queue: Netty's request decoder made stricter, and a
 * response encoder that knows which responses answer {@code HEAD} (as {@code HttpServerCodec} does, which cannot be
 * extended).
 *
 * <h2>Framing is decided here, not inherited</h2>
 * A request has a body only when it carries {@code Transfer-Encoding} with {@code chunked} as its last coding, or one
 * valid {@code Content-Length} (RFC 9112 section 6.3). No other rule of the decoder gives a request a body: Netty also
 * gives a {@code GET} with {@code Sec-WebSocket-Key1} and {@code -Key2} an 8-byte body (the legacy WebSocket
 * handshake), which would let a request smuggle the start of the next one; {@link RequestDecoder#isContentAlwaysEmpty}
 * turns that off. Every decoder option the framing depends on is set explicitly, not left to a process-wide default:
 * RFC 9112 {@code Transfer-Encoding} handling (refused in HTTP/1.0, and with {@code Content-Length}), no duplicate
 * {@code Content-Length}, strict line ends, chunked bodies supported.
 *
 * <p>Netty rejects {@code Transfer-Encoding} with {@code Content-Length}, repeated, signed or invalid {@code
 * Content-Length}, a final coding other than {@code chunked}, bare LF line ends, malformed chunk sizes and chunk data
 * that runs past its size, and over-long lines and header blocks. {@link HeadScanner} refuses what Netty accepts and a
 * proxy must not (leading bytes before the method, a malformed request line, a version other than exactly {@code
 * HTTP/1.0} or {@code HTTP/1.1}, a fragment or control byte in the target, obsolete line folding): the request becomes
 * a failed message whose cause is a {@link RequestRejectedException}. Header names and values are checked by {@link
 * HeaderRules#check} (the decoded headers do not validate, so that the fields the proxy adds are not validated again).
 */
final class FrontendCodec {

    /** Methods of the requests decoded and not answered yet, in order; tells the encoder which answer a HEAD. */
    private final ArrayDeque<HttpMethod> methods = new ArrayDeque<>(4);

    private final RequestDecoder decoder;
    private final ResponseEncoder encoder = new ResponseEncoder();
    /** Whether request heads may be spliced, read per head; {@code null}: never. */
    private final ProxySettings settings;

    private final RequestSplicer splicer;
    /** A head not whole within this many bytes is left to the decoder, which enforces its limits. */
    private final int spliceWait;

    /** Takes the common request heads as bytes ({@link RequestSplicer}) while {@code settings} allow it. */
    FrontendCodec(ProxySettings settings) {
        this(settings.maxInitialLineLength, settings.maxHeaderSize, settings.maxChunkSize, settings);
    }

    /** Decodes every request. */
    FrontendCodec(int maxInitialLineLength, int maxHeaderSize, int maxChunkSize) {
        this(maxInitialLineLength, maxHeaderSize, maxChunkSize, null);
    }

    private FrontendCodec(int maxInitialLineLength, int maxHeaderSize, int maxChunkSize, ProxySettings settings) {
        this.settings = settings;
        this.splicer = settings == null
                ? null
                : new RequestSplicer(maxInitialLineLength, maxHeaderSize, settings.maxHeaderCount);
        this.spliceWait = maxInitialLineLength + maxHeaderSize;
        HttpDecoderConfig config = new HttpDecoderConfig()
                .setMaxInitialLineLength(maxInitialLineLength)
                .setMaxHeaderSize(maxHeaderSize)
                .setMaxChunkSize(maxChunkSize)
                .setChunkedSupported(true)
                .setAllowPartialChunks(true)
                .setAllowDuplicateContentLengths(false)
                .setUseRfc9112TransferEncoding(true)
                .setStrictLineParsing(true)
                .setValidateHeaders(true)
                // the fields are validated by HeaderRules.check, in the pass it makes over them anyway; headers that
                // validate would validate again every field the proxy sets (trailers still validate as they arrive)
                .setHeadersFactory(DefaultHttpHeadersFactory.headersFactory().withValidation(false));
        decoder = new RequestDecoder(config);
    }

    /**
     * The decoder, a handler of its own in the pipeline (not combined with the encoder in a {@code
     * CombinedChannelDuplexHandler}, whose delegating contexts every message and event would pass through).
     */
    RequestDecoder decoder() {
        return decoder;
    }

    /** The encoder, placed after the {@link #decoder()}. */
    ResponseEncoder encoder() {
        return encoder;
    }

    /** Whether part of a request head was received and the head is not complete yet. */
    boolean hasPartialHead() {
        return decoder.partialHead;
    }

    /**
     * After a request that asks for an {@code Upgrade}, the decoder stops parsing: what the client sends before the
     * answer is handed on as raw {@link ByteBuf}s (the start of a tunnel, or bytes that no longer parse as HTTP), until
     * {@link #resumeHttp()}. Called when the decision is that the request does not open a tunnel, or its answer was not
     * a 101.
     *
     * @return whether raw bytes were handed on meanwhile: they are lost to HTTP, and the connection must end after the
     *     response
     */
    boolean resumeHttp() {
        boolean lost = decoder.rawSent;
        decoder.holding = false;
        decoder.upgradeAsked = false;
        decoder.rawSent = false;
        return lost;
    }

    final class RequestDecoder extends HttpRequestDecoder {
        private final HeadScanner scanner = new HeadScanner();
        /** Whether the bytes at the reader index belong to a request head (true) or to a body (false). */
        private boolean inHead = true;
        /** Set once a head was refused: everything after it is dropped. */
        private boolean discard;
        /** Bytes of a request head arrived, and not the whole head yet. */
        private boolean partialHead;
        /** The request being decoded carries {@code Upgrade}: the decoder holds once it ends. */
        private boolean upgradeAsked;
        /** Parsing stopped after an upgrade request: bytes go on raw until {@link #resumeHttp()}. */
        private boolean holding;
        /** Raw bytes were handed on while holding. */
        private boolean rawSent;
        /** The decoder has begun the current request: the splicer must not take it from the middle. */
        private boolean decoding;

        RequestDecoder(HttpDecoderConfig config) {
            super(config);
        }

        @Override
        protected AsciiString splitHeaderName(byte[] sb, int start, int length) {
            AsciiString common = FieldNames.REQUEST.find(sb, start, length);
            return common != null ? common : super.splitHeaderName(sb, start, length);
        }

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf buffer, List<Object> out) throws Exception {
            if (discard) {
                buffer.skipBytes(buffer.readableBytes());
                return;
            }
            if (holding) {
                if (buffer.isReadable()) {
                    rawSent = true;
                    out.add(buffer.readRetainedSlice(buffer.readableBytes()));
                }
                return;
            }
            if (inHead && buffer.isReadable()) {
                partialHead = true;
                RequestRejectedException bad = scanner.scan(buffer);
                if (bad != null) {
                    discard = true;
                    buffer.skipBytes(buffer.readableBytes());
                    HttpRequest invalid = (HttpRequest) createInvalidMessage();
                    invalid.setDecoderResult(DecoderResult.failure(bad));
                    methods.add(invalid.method());
                    out.add(invalid);
                    return;
                }
                if (!decoding && splicer != null && settings.spliceRequests) {
                    if (!scanner.done()) {
                        if (buffer.readableBytes() < spliceWait) {
                            return; // the rest of the head first: then it may be spliced
                        }
                    } else {
                        SplicedRequest spliced = splicer.splice(buffer, scanner.headLength());
                        if (spliced != null) {
                            buffer.skipBytes(scanner.headLength());
                            scanner.reset();
                            partialHead = false;
                            methods.add(spliced.method());
                            out.add(spliced);
                            out.add(LastHttpContent.EMPTY_LAST_CONTENT);
                            return;
                        }
                    }
                }
                // the decoder takes this request from its first byte to its end
                decoding = true;
            }
            int before = buffer.readerIndex();
            int oldSize = out.size();
            super.decode(ctx, buffer, out);
            scanner.consumed(buffer.readerIndex() - before);
            for (int i = oldSize, n = out.size(); i < n; i++) {
                Object o = out.get(i);
                if (o instanceof HttpRequest) {
                    HttpRequest req = (HttpRequest) o;
                    methods.add(req.method());
                    inHead = false;
                    partialHead = false;
                    upgradeAsked = req.headers().contains(HttpHeaderNames.UPGRADE);
                }
                if (o instanceof LastHttpContent) {
                    inHead = true;
                    // after a request it refused, the decoder drops everything: the splicer takes nothing either
                    decoding = ((LastHttpContent) o).decoderResult().isFailure();
                    scanner.reset();
                    if (upgradeAsked) {
                        // what follows may be another protocol: nothing more is parsed until the answer
                        holding = true;
                        return;
                    }
                }
            }
        }

        /**
         * RFC 9112 section 6.3: a request with neither {@code Transfer-Encoding} nor {@code Content-Length} has no body,
         * whatever else it carries.
         */
        @Override
        protected boolean isContentAlwaysEmpty(HttpMessage msg) {
            HttpHeaders h = msg.headers();
            return !h.contains(HttpHeaderNames.TRANSFER_ENCODING) && !h.contains(HttpHeaderNames.CONTENT_LENGTH);
        }
    }

    final class ResponseEncoder extends HttpResponseEncoder {
        /** A {@link SplicedResponse} is the response's bytes already: it answers the oldest request, and goes on. */
        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
            if (msg instanceof SplicedResponse) {
                methods.poll();
                ctx.write(((SplicedResponse) msg).content(), promise);
            } else {
                super.write(ctx, msg, promise);
            }
        }

        @Override
        protected boolean isContentAlwaysEmpty(HttpResponse msg) {
            if (msg.status().codeClass() == HttpStatusClass.INFORMATIONAL) {
                return true; // no interim response has a body, a 101 included
            }
            HttpMethod method = methods.poll();
            return HttpMethod.HEAD.equals(method) || super.isContentAlwaysEmpty(msg);
        }
    }
}
