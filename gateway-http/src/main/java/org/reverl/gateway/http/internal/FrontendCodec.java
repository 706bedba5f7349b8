package org.reverl.gateway.http.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpDecoderConfig;
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
 * <p>Netty already rejects {@code Transfer-Encoding} with {@code Content-Length}, repeated or invalid {@code
 * Content-Length}, {@code Transfer-Encoding} in HTTP/1.0, bare LF line ends and over-long lines and header blocks.
 * Header names and values are checked by {@link HeaderRules#check} (the decoded headers do not validate, so that the
 * fields the proxy adds are not validated again). It accepts obsolete line folding (RFC 9112 section 5.2), joining the lines; this
 * decoder rejects it instead, by scanning each request head before Netty parses it: a line of the head that begins
 * with a space or tab fails the request with {@link ObsoleteLineFoldingException}.
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
                .setAllowDuplicateContentLengths(false)
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

    /** Thrown for a request head with obsolete line folding; the request becomes a failed, invalid message. */
    static final class ObsoleteLineFoldingException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        ObsoleteLineFoldingException() {
            super("obsolete line folding in the request head");
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;
        }
    }

    final class RequestDecoder extends HttpRequestDecoder {
        /** Whether the bytes at the reader index belong to a request head (true) or to a body (false). */
        private boolean inHead = true;
        /** Bytes after the reader index already scanned for folding, in the current head. */
        private int scanned;
        /** The byte before the next one to scan. */
        private byte previous;
        /** Set once folding was found: everything after it is dropped. */
        private boolean discard;

        RequestDecoder(HttpDecoderConfig config) {
            super(config);
        }

        /** Bytes of a request head arrived, and not the whole head yet. */
        private boolean partialHead;

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf buffer, List<Object> out) throws Exception {
            if (discard) {
                buffer.skipBytes(buffer.readableBytes());
                return;
            }
            if (inHead && buffer.isReadable()) {
                partialHead = true;
            }
            if (inHead && foldedLine(buffer)) {
                discard = true;
                buffer.skipBytes(buffer.readableBytes());
                HttpRequest invalid = (HttpRequest) createInvalidMessage();
                invalid.setDecoderResult(DecoderResult.failure(new ObsoleteLineFoldingException()));
                methods.add(invalid.method());
                out.add(invalid);
                return;
            }
            int before = buffer.readerIndex();
            int oldSize = out.size();
            super.decode(ctx, buffer, out);
            scanned = Math.max(0, scanned - (buffer.readerIndex() - before));
            for (int i = oldSize, n = out.size(); i < n; i++) {
                Object o = out.get(i);
                if (o instanceof HttpRequest) {
                    methods.add(((HttpRequest) o).method());
                    inHead = false;
                    partialHead = false;
                }
                if (o instanceof LastHttpContent) {
                    inHead = true;
                    scanned = 0;
                    previous = 0;
                }
            }
        }

        /**
         * Scans the head bytes not scanned yet: a LF followed by SP or HTAB, before the empty line that ends the
         * head, is obsolete line folding. Each byte of a head is looked at once, however it is split into reads.
         */
        private boolean foldedLine(ByteBuf buffer) {
            int start = buffer.readerIndex() + scanned;
            int end = buffer.writerIndex();
            byte prev = previous;
            for (int i = start; i < end; i++) {
                byte b = buffer.getByte(i);
                if (prev == '\n') {
                    if (b == ' ' || b == '\t') {
                        return true;
                    }
                    if (b == '\r' || b == '\n') {
                        // the empty line: the head ends here; the body is not scanned
                        inHead = false;
                        scanned = 0;
                        previous = 0;
                        return false;
                    }
                }
                prev = b;
            }
            previous = prev;
            scanned = end - buffer.readerIndex();
            return false;
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
