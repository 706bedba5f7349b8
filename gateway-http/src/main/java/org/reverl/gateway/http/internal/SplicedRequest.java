package org.reverl.gateway.http.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;

/**
 * A bodiless HTTP/1.1 request head checked by {@link RequestSplicer} and kept as the bytes the backend gets: its
 * request line and its fields, each as {@code name: value} without the whitespace around the value, {@code
 * Connection} left out. {@link #forward} adds the fields the proxy sets. The fields are parsed into {@link #headers()}
 * only if something asks for them (a route that matches on a field, a hash key); the exchange itself does not.
 * Immutable but for that parse; holds no buffer.
 */
final class SplicedRequest extends DefaultHttpRequest {

    private static final byte[] XFF = "x-forwarded-for: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] XFP = "x-forwarded-proto: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] XFH = "x-forwarded-host: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] FORWARDED = "forwarded: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] VIA = "via: ".getBytes(StandardCharsets.US_ASCII);
    private static final int CRLF = ('\r' << 8) | '\n';

    /** The request line and the field lines, each ending in CRLF; no empty line. */
    private final byte[] head;
    /** Where the first field line starts in {@link #head}. */
    private final int fieldsStart;

    private final String host;
    private final boolean close;
    private HttpHeaders parsed;

    SplicedRequest(HttpMethod method, String uri, byte[] head, int fieldsStart, String host, boolean close) {
        super(HttpVersion.HTTP_1_1, method, uri, EmptyHttpHeaders.INSTANCE);
        this.head = head;
        this.fieldsStart = fieldsStart;
        this.host = host;
        this.close = close;
    }

    /** The {@code Host} field's value. */
    String host() {
        return host;
    }

    /** Whether the client asked to end its connection after this request ({@code Connection: close}). */
    boolean close() {
        return close;
    }

    /** The fields, parsed now if they were not yet; {@code Connection} is not among them. */
    @Override
    public HttpHeaders headers() {
        HttpHeaders h = parsed;
        if (h == null) {
            h = DefaultHttpHeadersFactory.headersFactory().withValidation(false).newHeaders();
            int p = fieldsStart;
            while (p < head.length) {
                int colon = FieldLines.indexOf(head, p, head.length, (byte) ':');
                int eol = FieldLines.indexOf(head, colon, head.length, (byte) '\r');
                // each line is "name: value" already
                h.add(
                        new AsciiString(head, p, colon - p, true),
                        new String(head, colon + 2, eol - colon - 2, StandardCharsets.ISO_8859_1));
                p = eol + 2;
            }
            parsed = h;
        }
        return h;
    }

    /**
     * The request as the backend gets it: its head, then {@code X-Forwarded-For}, {@code -Proto}, {@code -Host},
     * {@code Forwarded} if asked and {@code Via}, as the decoded path adds them to a request that had none of them.
     *
     * @param forwarded the RFC 7239 element, or {@code null} for none
     */
    ByteBuf forward(ByteBufAllocator alloc, String clientIp, AsciiString proto, String forwarded, AsciiString via) {
        int extra = XFF.length
                + clientIp.length()
                + XFP.length
                + proto.length()
                + XFH.length
                + host.length()
                + VIA.length
                + via.length()
                + 10
                + (forwarded == null ? 0 : FORWARDED.length + forwarded.length() + 2);
        ByteBuf out = alloc.buffer(head.length + extra);
        out.writeBytes(head);
        out.writeBytes(XFF).writeCharSequence(clientIp, StandardCharsets.US_ASCII);
        out.writeShort(CRLF).writeBytes(XFP).writeBytes(proto.array(), proto.arrayOffset(), proto.length());
        out.writeShort(CRLF).writeBytes(XFH).writeCharSequence(host, StandardCharsets.US_ASCII);
        out.writeShort(CRLF);
        if (forwarded != null) {
            out.writeBytes(FORWARDED).writeCharSequence(forwarded, StandardCharsets.US_ASCII);
            out.writeShort(CRLF);
        }
        out.writeBytes(VIA).writeBytes(via.array(), via.arrayOffset(), via.length());
        out.writeShort(CRLF).writeShort(CRLF);
        return out;
    }

    /** The length of the head as the client sent it, without {@code Connection} and whitespace. */
    int headLength() {
        return head.length;
    }

    @Override
    public String toString() {
        return "SplicedRequest(" + method() + ' ' + uri() + ", host " + host + ')';
    }
}
