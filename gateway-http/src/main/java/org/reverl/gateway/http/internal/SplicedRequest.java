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
import io.netty.util.Recycler;
import java.nio.charset.StandardCharsets;

/**
 * A bodiless HTTP/1.1 request head checked by {@link RequestSplicer} and kept as the bytes the backend gets: its
 * request line and its fields, each as {@code name: value} without the whitespace around the value, {@code
 * Connection} left out. {@link #forward} adds the fields the proxy sets. The fields are parsed into {@link #headers()}
 * only if something asks for them (a route that matches on a field, a hash key); the exchange itself does not.
 *
 * <p>Pooled, so that a spliced exchange allocates nothing: {@link #get} takes one from its event loop's pool (Netty's
 * {@link Recycler}), {@link RequestSplicer} fills it, and the exchange {@link #recycle}s it when it lets go of the
 * request. Its array is kept for the next request unless it grew past {@link #KEPT_CAPACITY}. Holds no buffer; confined
 * to its event loop while in use.
 */
final class SplicedRequest extends DefaultHttpRequest {

    /** An array larger than this (a head with large cookies) is not kept in the pool. */
    static final int KEPT_CAPACITY = 2048;

    private static final byte[] NONE = new byte[0];
    /**
     * Requests in use are at most the exchanges of an event loop plus what their clients pipelined; the pool keeps up to
     * 1,024 free ones per event loop (about 256 KB with arrays of typical heads).
     */
    private static final Recycler<SplicedRequest> POOL = new Recycler<SplicedRequest>(1024) {
        @Override
        protected SplicedRequest newObject(Handle<SplicedRequest> handle) {
            return new SplicedRequest(handle);
        }
    };

    private static final byte[] XFF = "x-forwarded-for: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] XFP = "x-forwarded-proto: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] XFH = "x-forwarded-host: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] FORWARDED = "forwarded: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] VIA = "via: ".getBytes(StandardCharsets.US_ASCII);
    private static final int CRLF = ('\r' << 8) | '\n';

    private final Recycler.Handle<SplicedRequest> handle;

    /** The request line and the field lines, each ending in CRLF, in its first {@link #length} bytes; no empty line. */
    private byte[] head = NONE;

    private int length;
    /** Where the first field line starts in {@link #head}. */
    private int fieldsStart;

    private String host;
    private boolean close;
    private HttpHeaders parsed;

    private SplicedRequest(Recycler.Handle<SplicedRequest> handle) {
        super(HttpVersion.HTTP_1_1, HttpMethod.GET, "/", EmptyHttpHeaders.INSTANCE);
        this.handle = handle;
    }

    /** A request from the pool of this thread (a new one off an event loop), to be {@link #set} and then used. */
    static SplicedRequest get() {
        return POOL.get();
    }

    /** An array of at least {@code capacity} bytes for the head, kept by this request: written, then {@link #set}. */
    byte[] array(int capacity) {
        if (head.length < capacity) {
            head = new byte[Math.max(capacity, 256)];
        }
        return head;
    }

    /**
     * Makes this the request whose head is the first {@code length} bytes of its {@link #array}.
     *
     * @param fieldsStart where the first field line starts
     * @param close whether the client asked to end its connection after this request
     */
    SplicedRequest set(HttpMethod method, String uri, int length, int fieldsStart, String host, boolean close) {
        setMethod(method);
        setUri(uri);
        this.length = length;
        this.fieldsStart = fieldsStart;
        this.host = host;
        this.close = close;
        return this;
    }

    /** Back to the pool: nothing may use this request any more. */
    void recycle() {
        parsed = null;
        host = null;
        length = 0;
        if (head.length > KEPT_CAPACITY) {
            head = NONE;
        }
        handle.recycle(this);
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
            while (p < length) {
                int colon = FieldLines.indexOf(head, p, length, (byte) ':');
                int eol = FieldLines.indexOf(head, colon, length, (byte) '\r');
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
        ByteBuf out = alloc.buffer(length + extra);
        out.writeBytes(head, 0, length);
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
        return length;
    }

    @Override
    public String toString() {
        return "SplicedRequest(" + method() + ' ' + uri() + ", host " + host + ')';
    }
}
