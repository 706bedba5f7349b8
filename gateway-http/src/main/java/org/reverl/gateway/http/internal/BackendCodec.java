package org.reverl.gateway.http.internal;

import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestEncoder;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.util.AsciiString;
import java.util.ArrayDeque;

/**
 * The backend-facing HTTP/1.1 codec, two handlers that share a queue (as {@code HttpClientCodec} does, which hides its
 * decoder): the request encoder notes each request's method, so the response decoder knows which responses have no
 * body ({@code HEAD}), and the decoder tells whether bytes are left over after a response. A connection with bytes
 * left after a whole response (a body past its length, a body after {@code HEAD}, 204 or 304) is out of step with its
 * backend and is closed, never reused: the next response read from it could belong to no request.
 */
final class BackendCodec {

    /** Methods of the requests sent and not answered yet, in order. */
    private final ArrayDeque<HttpMethod> methods = new ArrayDeque<>(2);

    private final Decoder decoder;
    private final Encoder encoder = new Encoder();

    BackendCodec(int maxChunkSize) {
        decoder = new Decoder(new HttpDecoderConfig()
                .setMaxInitialLineLength(8192)
                .setMaxHeaderSize(65536)
                .setMaxChunkSize(maxChunkSize)
                .setChunkedSupported(true)
                .setAllowDuplicateContentLengths(false)
                .setUseRfc9112TransferEncoding(true)
                .setValidateHeaders(false));
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

    final class Decoder extends HttpResponseDecoder {
        Decoder(HttpDecoderConfig config) {
            super(config);
        }

        boolean leftover() {
            return actualReadableBytes() > 0;
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
            return HttpMethod.HEAD.equals(method) || super.isContentAlwaysEmpty(msg);
        }
    }

    final class Encoder extends HttpRequestEncoder {
        @Override
        protected void encodeInitialLine(io.netty.buffer.ByteBuf buf, HttpRequest request) throws Exception {
            methods.add(request.method());
            super.encodeInitialLine(buf, request);
        }
    }
}
