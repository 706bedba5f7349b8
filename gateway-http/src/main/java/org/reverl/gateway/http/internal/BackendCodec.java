package org.reverl.gateway.http.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestEncoder;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AsciiString;
import java.util.ArrayDeque;
import java.util.List;

/**
 * The backend-facing HTTP/1.1 codec, two handlers that share a queue (as {@code HttpClientCodec} does, which hides its
 * decoder): the request encoder notes each request's method, so the response decoder knows which responses have no
 * body ({@code HEAD}), and the decoder tells whether bytes are left over after a response. A connection with bytes
 * left after a whole response (a body past its length, a body after {@code HEAD}, 204 or 304) is out of step with its
 * backend and is closed, never reused: the next response read from it could belong to no request.
 *
 * <p>A response the exchange allows to be spliced ({@link #spliceNextResponse}) is first offered to a {@link
 * ResponseSplicer}, which forwards it as bytes when its framing allows; the decoder frames every other one.
 */
final class BackendCodec {

    /** Methods of the requests sent and not answered yet, in order. */
    private final ArrayDeque<HttpMethod> methods = new ArrayDeque<>(2);
    /** Whether the answer of each of those requests may be spliced, in the same order. */
    private final ArrayDeque<Boolean> spliceable = new ArrayDeque<>(2);

    private final Decoder decoder;
    private final Encoder encoder = new Encoder();
    /** {@code null} when no response is spliced on this connection. */
    private final ResponseSplicer splicer;

    private boolean spliceNext;
    /** The method of the spliced request being written, until the encoder has noted it. */
    private HttpMethod splicedMethod;

    /** A codec whose responses are all decoded. */
    BackendCodec(int maxChunkSize) {
        this(maxChunkSize, null);
    }

    /**
     * @param via11 this proxy's {@code Via} value, added to spliced responses; {@code null} to decode every response
     */
    BackendCodec(int maxChunkSize, AsciiString via11) {
        splicer = via11 == null ? null : new ResponseSplicer(via11);
        decoder = new Decoder(new HttpDecoderConfig()
                .setMaxInitialLineLength(8192)
                .setMaxHeaderSize(65536)
                .setMaxChunkSize(maxChunkSize)
                .setChunkedSupported(true)
                .setAllowDuplicateContentLengths(false)
                .setUseRfc9112TransferEncoding(true)
                // names and values as RFC 9110 has them: a bare CR in a value, forwarded, would be a line end to
                // some clients, and the fields after it a second set (what a spliced head cannot carry either)
                .setValidateHeaders(true));
    }

    Decoder decoder() {
        return decoder;
    }

    Encoder encoder() {
        return encoder;
    }

    /** Whether bytes were received that no complete response accounts for. */
    boolean hasLeftoverBytes() {
        return decoder.leftover();
    }

    /**
     * Whether the response to the next request written may be a {@link SplicedResponse}: only when everything that
     * handles it takes one (an HTTP/1.1 client connection, a final response relayed whole). Applies to that request
     * alone.
     */
    void spliceNextResponse(boolean allowed) {
        spliceNext = allowed && splicer != null;
    }

    /**
     * Writes and flushes the bytes of a spliced request of {@code method} ({@link SplicedRequest#forward}) on {@code
     * channel}, whose codec this is; from its event loop, so the encoder notes the method before this returns.
     *
     * @param bytes a new reference, released by the write
     */
    void writeSpliced(Channel channel, ByteBuf bytes, HttpMethod method) {
        assert channel.eventLoop().inEventLoop();
        splicedMethod = method;
        channel.writeAndFlush(bytes, channel.voidPromise());
        splicedMethod = null; // noted by the encoder, or the channel had closed and the bytes were released
    }

    final class Decoder extends HttpResponseDecoder {
        Decoder(HttpDecoderConfig config) {
            super(config);
        }

        /** Netty's decoder has begun a response and not ended it: the splicer must not start in its middle. */
        private boolean decoding;

        boolean leftover() {
            return actualReadableBytes() > 0;
        }

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf buffer, List<Object> out) throws Exception {
            if (!decoding && spliceable.peek() == Boolean.TRUE) {
                int verdict = splicer.scan(buffer);
                if (verdict == ResponseSplicer.NEED_MORE) {
                    return;
                }
                if (verdict == ResponseSplicer.SPLICE) {
                    methods.poll();
                    spliceable.poll();
                    out.add(splicer.splice(buffer, ctx.alloc()));
                    return;
                }
            }
            if (!buffer.isReadable()) {
                super.decode(ctx, buffer, out);
                return;
            }
            decoding = true;
            int before = out.size();
            super.decode(ctx, buffer, out);
            if (out.size() > before) {
                Object last = out.get(out.size() - 1);
                // a response the decoder refused leaves it discarding: it keeps what follows
                decoding = !(last instanceof LastHttpContent
                        && ((LastHttpContent) last).decoderResult().isSuccess());
            }
        }

        /** The connection closed: what is left is the decoder's, which tells a cut response from a whole one. */
        @Override
        protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
            decoding = true;
            super.decodeLast(ctx, in, out);
        }

        /**
         * Netty takes any integer as the status code and any reason phrase, and its encoder writes them as they came:
         * a code of four digits or a control byte in the phrase would reach the client as a status line it cannot
         * read. A code is three digits from 100 to 599 (RFC 9110, section 15; a client takes anything else as a 5xx),
         * a phrase HTAB, SP, visible ASCII and obs-text; the decoder fails the response otherwise (a 502).
         */
        @Override
        protected HttpMessage createMessage(String[] initialLine) {
            String code = initialLine[1];
            if (code.length() != 3
                    || code.charAt(0) < '1'
                    || code.charAt(0) > '5'
                    || !isDigit(code.charAt(1))
                    || !isDigit(code.charAt(2))) {
                throw new IllegalArgumentException("status code: " + code + " (expected: 3 digits, 100 to 599)");
            }
            String reason = initialLine[2];
            for (int i = 0; i < reason.length(); i++) {
                char c = reason.charAt(i);
                if (c != '\t' && (c < 0x20 || c == 0x7f)) {
                    throw new IllegalArgumentException("reason phrase: control character " + (int) c);
                }
            }
            return super.createMessage(initialLine);
        }

        private static boolean isDigit(char c) {
            return c >= '0' && c <= '9';
        }

        @Override
        protected AsciiString splitHeaderName(byte[] sb, int start, int length) {
            AsciiString common = FieldNames.RESPONSE.find(sb, start, length);
            return common != null ? common : super.splitHeaderName(sb, start, length);
        }

        @Override
        protected boolean isContentAlwaysEmpty(HttpMessage msg) {
            HttpResponse res = (HttpResponse) msg;
            if (res.status().codeClass() == HttpStatusClass.INFORMATIONAL) {
                // interim: not paired with a request, and never a body (not even the legacy WebSocket 101's: what
                // follows a 101 is the tunnel, raw)
                return true;
            }
            HttpMethod method = methods.poll();
            spliceable.poll();
            if (HttpMethod.HEAD.equals(method) || super.isContentAlwaysEmpty(msg)) {
                return true;
            }
            // called once the fields are read and before the body's framing is chosen, inside the decoder's own
            // handling of a bad head: what is thrown here fails the response (a 502) and ends the connection's use
            String framing = TransferCodings.responseError(res.headers());
            if (framing != null) {
                throw new IllegalArgumentException(framing);
            }
            return false;
        }
    }

    final class Encoder extends HttpRequestEncoder {
        /** A spliced request is its bytes already ({@link #writeSpliced}): noted as a request sent, and passed on. */
        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
            HttpMethod spliced = splicedMethod;
            if (spliced != null && msg instanceof ByteBuf) {
                splicedMethod = null;
                sent(spliced);
                ctx.write(msg, promise);
            } else {
                super.write(ctx, msg, promise);
            }
        }

        @Override
        protected void encodeInitialLine(ByteBuf buf, HttpRequest request) throws Exception {
            sent(request.method());
            super.encodeInitialLine(buf, request);
        }

        private void sent(HttpMethod method) {
            methods.add(method);
            spliceable.add(spliceNext ? Boolean.TRUE : Boolean.FALSE);
            spliceNext = false;
        }
    }
}
