package org.reverl.gateway.http.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
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

    FrontendCodec(int maxInitialLineLength, int maxHeaderSize, int maxChunkSize) {
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

    final class RequestDecoder extends HttpRequestDecoder {
        private final HeadScanner scanner = new HeadScanner();
        /** Whether the bytes at the reader index belong to a request head (true) or to a body (false). */
        private boolean inHead = true;
        /** Set once a head was refused: everything after it is dropped. */
        private boolean discard;
        /** Bytes of a request head arrived, and not the whole head yet. */
        private boolean partialHead;

        RequestDecoder(HttpDecoderConfig config) {
            super(config);
        }

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf buffer, List<Object> out) throws Exception {
            if (discard) {
                buffer.skipBytes(buffer.readableBytes());
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
            }
            int before = buffer.readerIndex();
            int oldSize = out.size();
            super.decode(ctx, buffer, out);
            scanner.consumed(buffer.readerIndex() - before);
            for (int i = oldSize, n = out.size(); i < n; i++) {
                Object o = out.get(i);
                if (o instanceof HttpRequest) {
                    methods.add(((HttpRequest) o).method());
                    inHead = false;
                    partialHead = false;
                }
                if (o instanceof LastHttpContent) {
                    inHead = true;
                    scanner.reset();
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
        @Override
        protected boolean isContentAlwaysEmpty(HttpResponse msg) {
            if (msg.status().codeClass() == HttpStatusClass.INFORMATIONAL) {
                return super.isContentAlwaysEmpty(msg);
            }
            HttpMethod method = methods.poll();
            return HttpMethod.HEAD.equals(method) || super.isContentAlwaysEmpty(msg);
        }
    }
}
