package org.reverl.gateway.http.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.util.AsciiString;

/**
 * Forwards a backend's response as bytes when it can be framed by its {@code Content-Length} alone: the head is
 * checked byte by byte and copied to the client with the hop-by-hop fields left out and {@code Via} added, in the
 * same bytes the decoded path writes (a field's value without the whitespace around it, {@code Via} last), and no
 * header object is made. The common answer of a web server (a status, a handful of fields, a small body, all in one
 * read) then costs one pass over its head and one copy.
 *
 * <p>Anything else goes to Netty's decoder, which frames it as before: a head or body not all received yet, a body
 * over {@link #MAX_BODY} bytes, no {@code Content-Length} or more than one, {@code Transfer-Encoding}, an interim
 * status, 204, 205 or 304, a version other than {@code HTTP/1.0} or {@code 1.1}, a missing reason phrase, a byte not
 * allowed where it is, whitespace the decoder would trim from the reason phrase, a line not ended by CRLF, obsolete line folding, a {@code Connection} field naming anything but
 * {@code close} and {@code keep-alive}, and a {@code Via} already present. The splicer decides that before it takes
 * any byte, so the decoder always starts at the start of a response. Whether a request's response may be spliced at
 * all is the exchange's decision ({@link BackendCodec#spliceNextResponse}).
 *
 * <p>Two passes over the head: {@link #scan} checks it, measures what is written and notes the lines left out; {@link
 * #splice} writes it, copying the bytes between those lines when the others are as written, and reading the lines
 * again only when one must be rewritten. One per backend connection; confined to its event loop.
 */
final class ResponseSplicer {

    /** {@link #scan}: the response may be spliced, and all of it is in the buffer. */
    static final int SPLICE = 0;
    /** {@link #scan}: not all of the head is in the buffer yet; nothing is known against splicing it. */
    static final int NEED_MORE = 1;
    /** {@link #scan}: the decoder frames this response. */
    static final int DECODE = 2;

    /** Heads longer than this go to the decoder (whose own limit is larger). */
    static final int MAX_HEAD = 8192;
    /** Bodies longer than this go to the decoder, which streams them instead of copying them. */
    static final int MAX_BODY = 8192;

    /** What a field line is to the splicer. */
    private static final int KEEP = 0;

    private static final int DROP = 1;
    private static final int FIELD_CONTENT_LENGTH = 2;
    private static final int FIELD_CONNECTION = 3;
    private static final int REFUSE = 4;

    /** How many left-out field lines a scan notes where they are; a head with more is read again to splice it. */
    static final int MAX_DROPPED = 4;

    /** How much of a response {@link #scan} copies first: most heads are shorter. */
    static final int FIRST_COPY = 1024;

    private final FieldLines.Line line = new FieldLines.Line();
    /** The head being scanned, copied out of its buffer: {@link #FIRST_COPY} bytes, or {@link #MAX_HEAD} once needed. */
    private byte[] copy = new byte[FIRST_COPY];
    /** {@code via: 1.1 <name>\r\n}, the field added. */
    private final byte[] viaLine;

    /**
     * The field lines the last scan left out, as start and end offsets in {@link #copy}: the second pass copies what
     * lies between them when every line kept is as written, without reading the lines again.
     */
    private final int[] dropped = new int[2 * MAX_DROPPED];
    /** What {@link #splice} returns, filled anew each time. */
    private final SplicedResponse response = new SplicedResponse();

    // the result of the last scan that returned SPLICE
    private int status;
    private boolean keepAlive;
    /** How many field lines are left out; over {@link #MAX_DROPPED}, only the first ones are in {@link #dropped}. */
    private int drops;
    /** Whether every field line kept is {@code name: value} already: then the second pass copies them all at once. */
    private boolean verbatim;

    private int contentLength;
    /** Offset of the first field line, after the status line's CRLF. */
    private int fieldsStart;
    /** Bytes of the spliced head, without the empty line. */
    private int headLength;
    /** Offset from the reader index of the first byte after the head's empty line. */
    private int bodyStart;

    /** @param via11 the {@code Via} value of this proxy, e.g. {@code 1.1 reverl} */
    ResponseSplicer(AsciiString via11) {
        byte[] v = via11.toByteArray();
        viaLine = new byte[5 + v.length + 2];
        viaLine[0] = 'v';
        viaLine[1] = 'i';
        viaLine[2] = 'a';
        viaLine[3] = ':';
        viaLine[4] = ' ';
        System.arraycopy(v, 0, viaLine, 5, v.length);
        viaLine[viaLine.length - 2] = '\r';
        viaLine[viaLine.length - 1] = '\n';
    }

    /**
     * Checks the response that starts at {@code in}'s reader index; reads nothing. The head is copied into an array
     * first (its first {@link #FIRST_COPY} bytes, then up to {@link #MAX_HEAD} if it is longer) and read there.
     *
     * @return {@link #SPLICE}, {@link #NEED_MORE} or {@link #DECODE}
     */
    int scan(ByteBuf in) {
        int r = in.readerIndex();
        int available = in.writerIndex() - r;
        int window = Math.min(available, MAX_HEAD);
        int copied = Math.min(window, FIRST_COPY);
        while (true) {
            if (copy.length < copied) {
                copy = new byte[MAX_HEAD];
            }
            in.getBytes(r, copy, 0, copied);
            int verdict = scan(copy, copied, available);
            if (verdict != NEED_MORE || copied == window) {
                return verdict;
            }
            copied = window;
        }
    }

    /**
     * {@link #scan(ByteBuf)} on the first {@code end} bytes of the response, copied to {@code a}, of the {@code
     * available} in its buffer.
     */
    private int scan(byte[] a, int end, int available) {
        // the status line: HTTP/1.x SP 3DIGIT SP reason CRLF
        if (end < 13) {
            return incomplete(available);
        }
        if (a[0] != 'H' || a[1] != 'T' || a[2] != 'T' || a[3] != 'P' || a[4] != '/' || a[5] != '1' || a[6] != '.') {
            return DECODE;
        }
        byte minor = a[7];
        if ((minor != '0' && minor != '1') || a[8] != ' ' || a[12] != ' ') {
            return DECODE;
        }
        int code = 0;
        for (int i = 9; i < 12; i++) {
            byte d = a[i];
            if (d < '0' || d > '9') {
                return DECODE;
            }
            code = code * 10 + (d - '0');
        }
        if (code < 200 || code > 599 || code == 204 || code == 205 || code == 304) {
            return DECODE; // no body by its status (205: the encoder writes a length of 0)
        }
        int p = 13;
        if (p >= end) {
            return incomplete(available);
        }
        byte reasonStart = a[p];
        if (reasonStart == '\r' || FieldLines.isOws(reasonStart)) {
            return DECODE; // an empty reason phrase, or one the decoder trims
        }
        for (; p < end; p++) {
            byte b = a[p];
            if (b == '\r') {
                break;
            }
            if (!FieldLines.isValueByte(b) || b < 0) {
                return DECODE; // the encoder writes a reason phrase as US-ASCII: obs-text would not survive it
            }
        }
        if (p + 1 >= end) {
            return incomplete(available);
        }
        if (a[p + 1] != '\n' || FieldLines.isOws(a[p - 1])) {
            return DECODE;
        }
        // the status line is written as long as it came: "HTTP/1.1" in place of "HTTP/1.x"
        int head = p + 2;
        p += 2;
        int fields = p;

        int lengths = 0;
        long length = -1;
        boolean close = false;
        boolean keepAliveAsked = false;
        int dropCount = 0;
        boolean asWritten = true;
        boolean closeField = false;
        while (true) {
            if (p >= end) {
                return incomplete(available);
            }
            byte first = a[p];
            if (first == '\r') {
                if (p + 1 >= end) {
                    return incomplete(available);
                }
                if (a[p + 1] != '\n') {
                    return DECODE;
                }
                p += 2;
                break;
            }
            int found = line.read(a, p, end);
            if (found != FieldLines.Line.FOUND) {
                return found == FieldLines.Line.INCOMPLETE ? incomplete(available) : DECODE;
            }
            int nameStart = line.nameStart;
            int nameLength = line.nameLength;
            int valueStart = line.valueStart;
            int valueEnd = line.valueEnd;
            p = line.next;
            switch (kind(a, nameStart, nameLength)) {
                case KEEP:
                    if (FieldLines.isClose(a, nameStart, nameLength)) {
                        closeField = true; // dropped if Connection names it; counted as kept until then
                    }
                    head += line.writtenLength();
                    asWritten &= line.asWritten;
                    break;
                case FIELD_CONTENT_LENGTH:
                    if (++lengths > 1) {
                        return DECODE;
                    }
                    length = digits(a, valueStart, valueEnd);
                    if (length < 0) {
                        return DECODE;
                    }
                    head += line.writtenLength();
                    asWritten &= line.asWritten;
                    break;
                case FIELD_CONNECTION:
                    int tokens = FieldLines.connectionTokens(a, valueStart, valueEnd);
                    if (tokens < 0) {
                        return DECODE;
                    }
                    close |= (tokens & FieldLines.CLOSE_TOKEN) != 0;
                    keepAliveAsked |= (tokens & FieldLines.KEEP_ALIVE_TOKEN) != 0;
                    dropCount = drop(dropCount, nameStart, p);
                    break;
                case DROP:
                    dropCount = drop(dropCount, nameStart, p);
                    break;
                default:
                    return DECODE;
            }
        }
        if (length < 0 || length > MAX_BODY) {
            return DECODE;
        }
        if (closeField && close) {
            return DECODE; // Connection names a field called close: the decoder removes it, as it should
        }
        int bodyAt = p;
        if (available - p < length) {
            return DECODE; // the rest of the body is not here: the decoder streams it from the head on
        }
        status = code;
        keepAlive = minor == '1' ? !close : keepAliveAsked && !close;
        drops = dropCount;
        verbatim = asWritten;
        contentLength = (int) length;
        fieldsStart = fields;
        headLength = head + viaLine.length;
        bodyStart = bodyAt;
        return SPLICE;
    }

    /** Notes the field line from {@code start} to {@code end} as left out; returns how many are. */
    private int drop(int count, int start, int end) {
        if (count < MAX_DROPPED) {
            dropped[2 * count] = start;
            dropped[2 * count + 1] = end;
        }
        return count + 1;
    }

    /**
     * Takes the response the last {@link #scan} found spliceable from {@code in} and writes it for the client: in the
     * same {@link SplicedResponse} every time, which must be taken (its content passed on or released) before the
     * next call.
     */
    SplicedResponse splice(ByteBuf in, ByteBufAllocator alloc) {
        byte[] a = copy; // as the last scan left it
        ByteBuf out = alloc.buffer(headLength + 2 + contentLength);
        // the status line, as HTTP/1.1 and from its status code on as it came
        out.writeBytes(HTTP_1_1);
        int p = 8;
        int headEnd = bodyStart - 2;
        if (verbatim && drops <= MAX_DROPPED) {
            // each field line kept is already as the encoder writes it: copy what lies between those left out, the
            // status line with the lines up to the first one
            for (int i = 0; i < 2 * drops; i += 2) {
                out.writeBytes(a, p, dropped[i] - p);
                p = dropped[i + 1];
            }
            out.writeBytes(a, p, headEnd - p);
        } else {
            out.writeBytes(a, p, fieldsStart - p);
            p = fieldsStart;
            while (p < headEnd) {
                line.read(a, p, headEnd); // found by the scan
                int k = drops > 0 ? kind(a, line.nameStart, line.nameLength) : KEEP;
                if (k == KEEP || k == FIELD_CONTENT_LENGTH) {
                    writeLine(out, a, line);
                }
                p = line.next;
            }
        }
        out.writeBytes(viaLine);
        int spliced = out.writerIndex() - out.readerIndex();
        out.writeShort(CRLF);
        int r = in.readerIndex();
        out.writeBytes(in, r + bodyStart, contentLength);
        in.readerIndex(r + bodyStart + contentLength);
        return response.set(out, status, keepAlive, spliced, contentLength);
    }

    /** A kept field line: as it is if it is {@code name: value} already, else with the whitespace made so. */
    private static void writeLine(ByteBuf out, byte[] a, FieldLines.Line line) {
        if (line.asWritten) {
            out.writeBytes(a, line.nameStart, line.next - line.nameStart);
        } else {
            out.writeBytes(a, line.nameStart, line.nameLength).writeShort(COLON_SPACE);
            out.writeBytes(a, line.valueStart, line.valueEnd - line.valueStart).writeShort(CRLF);
        }
    }

    private static final byte[] HTTP_1_1 = {'H', 'T', 'T', 'P', '/', '1', '.', '1'};
    private static final int COLON_SPACE = (':' << 8) | ' ';
    private static final int CRLF = ('\r' << 8) | '\n';

    /** No verdict until more of the head arrives, unless the head is already too long to splice. */
    private static int incomplete(int available) {
        return available >= MAX_HEAD ? DECODE : NEED_MORE;
    }

    private static int kind(byte[] a, int start, int length) {
        switch (length) {
            case 2:
                return FieldLines.regionIs(a, start, HttpHeaderNames.TE) ? DROP : KEEP;
            case 3:
                return FieldLines.regionIs(a, start, HttpHeaderNames.VIA) ? REFUSE : KEEP;
            case 7:
                return FieldLines.regionIs(a, start, HttpHeaderNames.TRAILER)
                                || FieldLines.regionIs(a, start, HttpHeaderNames.UPGRADE)
                        ? DROP
                        : proxyField(a, start, 7);
            case 10:
                if (FieldLines.regionIs(a, start, HttpHeaderNames.CONNECTION)) {
                    return FIELD_CONNECTION;
                }
                return FieldLines.regionIs(a, start, HttpHeaderNames.KEEP_ALIVE) ? DROP : proxyField(a, start, 10);
            case 14:
                return FieldLines.regionIs(a, start, HttpHeaderNames.CONTENT_LENGTH)
                        ? FIELD_CONTENT_LENGTH
                        : proxyField(a, start, 14);
            case 17:
                return FieldLines.regionIs(a, start, HttpHeaderNames.TRANSFER_ENCODING)
                        ? REFUSE
                        : proxyField(a, start, 17);
            default:
                return proxyField(a, start, length);
        }
    }

    /** {@code Proxy-*} fields are hop-by-hop. */
    private static int proxyField(byte[] a, int start, int length) {
        return FieldLines.isProxyField(a, start, length) ? DROP : KEEP;
    }

    /** The value as a non-negative decimal of at most 18 digits, or -1. */
    private static long digits(byte[] a, int start, int end) {
        if (start == end || end - start > 18) {
            return -1;
        }
        long v = 0;
        for (int i = start; i < end; i++) {
            byte d = a[i];
            if (d < '0' || d > '9') {
                return -1;
            }
            v = v * 10 + (d - '0');
        }
        return v;
    }
}
