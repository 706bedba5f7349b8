package org.reverl.gateway.http.internal;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;

/**
 * Takes the common request head as bytes, without Netty's decoder: an HTTP/1.1 request without a body, its target in
 * origin form, one valid {@code Host}, and no field the proxy must act on. Called once {@link HeadScanner} has seen
 * the whole head and found its request line sound; checks every field line byte by byte as {@link HeaderRules#check}
 * checks the decoded fields (a name of token characters then the colon at once, a value of visible characters,
 * spaces, tabs and obs-text, CRLF), and writes the head as the decoded path would send it ({@link SplicedRequest}).
 *
 * <p>The decoder takes every other request, from its first byte, exactly as before: a body ({@code Content-Length}
 * or {@code Transfer-Encoding}, even of 0), HTTP/1.0, {@code CONNECT}, a target in absolute form or {@code *}, no
 * {@code Host} or more than one, or one a request may not carry; {@code Upgrade}, {@code Expect}, {@code TE}, {@code
 * Trailer}, {@code Keep-Alive}, {@code Proxy-*}, {@code Via}, {@code Forwarded}, {@code X-Real-IP} and {@code
 * X-Forwarded-*} (which the proxy removes, joins or replaces), a {@code Connection} naming anything but {@code close}
 * or {@code keep-alive}; more fields than allowed, a line or head over its limit, and any byte out of place. Those
 * keep every rule and every error status the decoded path has. One per client connection; confined to its event
 * loop.
 */
final class RequestSplicer {

    private static final AsciiString X_FORWARDED = AsciiString.cached("x-forwarded-");

    private static final int KEEP = 0;
    private static final int FIELD_HOST = 1;
    private static final int FIELD_CONNECTION = 2;
    private static final int REFUSE = 3;

    private final int maxInitialLineLength;
    private final int maxHeaderSize;
    private final int maxHeaderCount;
    private final FieldLines.Line line = new FieldLines.Line();
    private final RecentString target = new RecentString();
    private final RecentString host = new RecentString();

    RequestSplicer(int maxInitialLineLength, int maxHeaderSize, int maxHeaderCount) {
        this.maxInitialLineLength = maxInitialLineLength;
        this.maxHeaderSize = maxHeaderSize;
        this.maxHeaderCount = maxHeaderCount;
    }

    /**
     * The request whose head is the {@code headLength} bytes at {@code in}'s reader index, or {@code null} when the
     * decoder must take it. Reads nothing.
     */
    SplicedRequest splice(ByteBuf in, int headLength) {
        int r = in.readerIndex();
        int end = r + headLength;
        // the request line, as HeadScanner found it: method SP target SP HTTP/1.x CRLF, no empty line before it
        if (!HeadScanner.isTokenChar(in.getByte(r))) {
            return null; // empty lines before the request line, which the decoder skips
        }
        int sp1 = in.indexOf(r, end, (byte) ' ');
        if (sp1 <= r) {
            return null;
        }
        int sp2 = in.indexOf(sp1 + 1, end, (byte) ' ');
        int lineEnd = in.indexOf(sp1 + 1, end, (byte) '\r');
        if (sp2 < 0
                || lineEnd != sp2 + 9
                || in.getByte(sp2 + 8) != '1'
                || in.getByte(sp1 + 1) != '/'
                || lineEnd + 2 - r > maxInitialLineLength) {
            return null; // HTTP/1.0, an absolute or asterisk target, an over-long line: the decoder's
        }
        int methodLength = sp1 - r;
        if (methodLength == 7 && FieldLines.regionIs(in, r, "CONNECT")) {
            return null;
        }
        int fieldsStart = lineEnd + 2;
        if (end - 2 - fieldsStart > maxHeaderSize) {
            return null;
        }
        // the field lines: checked and measured
        int count = 0;
        int length = fieldsStart - r;
        int hostStart = -1;
        int hostEnd = -1;
        boolean close = false;
        boolean closeField = false;
        boolean connection = false;
        int p = fieldsStart;
        int headEnd = end - 2;
        while (p < headEnd) {
            if (line.read(in, p, headEnd) != FieldLines.Line.FOUND) {
                return null;
            }
            int nameStart = line.nameStart;
            int nameLength = line.nameLength;
            int valueStart = line.valueStart;
            int valueEnd = line.valueEnd;
            p = line.next;
            if (++count > maxHeaderCount) {
                return null;
            }
            switch (kind(in, nameStart, nameLength)) {
                case KEEP:
                    closeField |= FieldLines.isClose(in, nameStart, nameLength);
                    length += nameLength + 2 + (valueEnd - valueStart) + 2;
                    break;
                case FIELD_HOST:
                    if (hostStart >= 0 || !validHost(in, valueStart, valueEnd)) {
                        return null;
                    }
                    hostStart = valueStart;
                    hostEnd = valueEnd;
                    length += nameLength + 2 + (valueEnd - valueStart) + 2;
                    break;
                case FIELD_CONNECTION:
                    connection = true;
                    int tokens = FieldLines.connectionTokens(in, valueStart, valueEnd);
                    if (tokens < 0) {
                        return null;
                    }
                    close |= (tokens & FieldLines.CLOSE_TOKEN) != 0;
                    break;
                default:
                    return null;
            }
        }
        if (hostStart < 0 || close && closeField) {
            return null; // no Host; or Connection names a field called close, which the decoded path removes
        }
        // written as the decoded path sends it
        byte[] head = new byte[length];
        in.getBytes(r, head, 0, fieldsStart - r);
        int w = fieldsStart - r;
        int hostAt = -1;
        p = fieldsStart;
        while (p < headEnd) {
            int colon = in.indexOf(p, headEnd, (byte) ':');
            int eol = in.indexOf(colon, headEnd, (byte) '\r');
            int nameLength = colon - p;
            if (!connection || kind(in, p, nameLength) != FIELD_CONNECTION) {
                int vs = FieldLines.valueStart(in, colon, eol);
                int ve = FieldLines.valueEnd(in, vs, eol);
                in.getBytes(p, head, w, nameLength);
                w += nameLength;
                head[w++] = ':';
                head[w++] = ' ';
                if (vs == hostStart) {
                    hostAt = w;
                }
                in.getBytes(vs, head, w, ve - vs);
                w += ve - vs;
                head[w++] = '\r';
                head[w++] = '\n';
            }
            p = eol + 2;
        }
        HttpMethod method = methodLength == 3 && head[0] == 'G' && head[1] == 'E' && head[2] == 'T'
                ? HttpMethod.GET
                : HttpMethod.valueOf(new String(head, 0, methodLength, StandardCharsets.ISO_8859_1));
        String uri = target.of(head, methodLength + 1, sp2 - r);
        return new SplicedRequest(
                method, uri, head, fieldsStart - r, host.of(head, hostAt, hostAt + hostEnd - hostStart), close);
    }

    private static int kind(ByteBuf in, int start, int length) {
        switch (length) {
            case 2: // TE
                return FieldLines.regionIs(in, start, HttpHeaderNames.TE) ? REFUSE : KEEP;
            case 3: // Via
                return FieldLines.regionIs(in, start, HttpHeaderNames.VIA) ? REFUSE : KEEP;
            case 4:
                return FieldLines.regionIs(in, start, HttpHeaderNames.HOST) ? FIELD_HOST : KEEP;
            case 6: // Expect
                return FieldLines.regionIs(in, start, HttpHeaderNames.EXPECT) ? REFUSE : KEEP;
            case 7: // Upgrade, Trailer
                return FieldLines.regionIs(in, start, HttpHeaderNames.UPGRADE)
                                || FieldLines.regionIs(in, start, HttpHeaderNames.TRAILER)
                        ? REFUSE
                        : proxyField(in, start, 7);
            case 9: // Forwarded, X-Real-IP
                return FieldLines.regionIs(in, start, HeaderRules.FORWARDED)
                                || FieldLines.regionIs(in, start, HeaderRules.X_REAL_IP)
                        ? REFUSE
                        : proxyField(in, start, 9);
            case 10:
                if (FieldLines.regionIs(in, start, HttpHeaderNames.CONNECTION)) {
                    return FIELD_CONNECTION;
                }
                return FieldLines.regionIs(in, start, HttpHeaderNames.KEEP_ALIVE) ? REFUSE : proxyField(in, start, 10);
            case 14: // Content-Length
                return FieldLines.regionIs(in, start, HttpHeaderNames.CONTENT_LENGTH)
                        ? REFUSE
                        : proxyField(in, start, 14);
            case 17: // Transfer-Encoding
                return FieldLines.regionIs(in, start, HttpHeaderNames.TRANSFER_ENCODING)
                        ? REFUSE
                        : proxyField(in, start, 17);
            default:
                return proxyField(in, start, length);
        }
    }

    /** {@code Proxy-*} fields are hop-by-hop, and {@code X-Forwarded-*} the proxy's own: the decoded path's. */
    private static int proxyField(ByteBuf in, int start, int length) {
        if (FieldLines.isProxyField(in, start, length)) {
            return REFUSE;
        }
        return length > X_FORWARDED.length() && FieldLines.regionIs(in, start, X_FORWARDED) ? REFUSE : KEEP;
    }

    /** As {@link HeaderRules}: {@code uri-host [ ":" port ]}, not empty, no whitespace, userinfo or path. */
    private static boolean validHost(ByteBuf in, int start, int end) {
        if (start == end) {
            return false;
        }
        for (int i = start; i < end; i++) {
            byte c = in.getByte(i);
            if (c <= ' ' || c >= 0x7f || c == '/' || c == '@' || c == '\\' || c == ',') {
                return false;
            }
        }
        return true;
    }
}
