package org.reverl.gateway.http.internal;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

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
    private static final byte[] CONNECT = HttpMethod.CONNECT.asciiName().toByteArray();

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
     * decoder must take it. Reads nothing. The request comes from the pool ({@link SplicedRequest#get}): whoever takes
     * it recycles it.
     */
    SplicedRequest splice(ByteBuf in, int headLength) {
        int r = in.readerIndex();
        // the request line, as HeadScanner found it: method SP target SP HTTP/1.x CRLF, no empty line before it
        if (!HeadScanner.isTokenChar(in.getByte(r))) {
            return null; // empty lines before the request line, which the decoder skips
        }
        // the head without its empty line, read from here on as an array; the backend gets it as it is when every
        // field line is already as the decoded path writes it, which is the common case
        int end = headLength - 2;
        SplicedRequest req = SplicedRequest.get();
        byte[] raw = req.array(end);
        in.getBytes(r, raw, 0, end);
        SplicedRequest spliced = splice(req, raw, end);
        if (spliced != req) {
            req.recycle(); // refused, or written anew without the lines left out
        }
        return spliced;
    }

    private SplicedRequest splice(SplicedRequest req, byte[] raw, int end) {
        int sp1 = FieldLines.indexOf(raw, 0, end, (byte) ' ');
        if (sp1 <= 0) {
            return null;
        }
        int sp2 = FieldLines.indexOf(raw, sp1 + 1, end, (byte) ' ');
        int lineEnd = FieldLines.indexOf(raw, sp1 + 1, end, (byte) '\r');
        if (sp2 < 0
                || lineEnd != sp2 + 9
                || raw[sp2 + 8] != '1'
                || raw[sp1 + 1] != '/'
                || lineEnd + 2 > maxInitialLineLength) {
            return null; // HTTP/1.0, an absolute or asterisk target, an over-long line: the decoder's
        }
        int methodLength = sp1;
        if (methodLength == 7 && Arrays.equals(raw, 0, 7, CONNECT, 0, 7)) {
            return null; // methods are case-sensitive: "connect" is some other method
        }
        int fieldsStart = lineEnd + 2;
        if (end - fieldsStart > maxHeaderSize) {
            return null;
        }
        // the field lines: checked and measured
        int count = 0;
        int length = fieldsStart;
        int hostStart = -1;
        int hostEnd = -1;
        boolean close = false;
        boolean closeField = false;
        boolean verbatim = true;
        int p = fieldsStart;
        while (p < end) {
            if (line.read(raw, p, end) != FieldLines.Line.FOUND) {
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
            switch (kind(raw, nameStart, nameLength)) {
                case KEEP:
                    closeField |= FieldLines.isClose(raw, nameStart, nameLength);
                    break;
                case FIELD_HOST:
                    if (hostStart >= 0 || !validHost(raw, valueStart, valueEnd)) {
                        return null;
                    }
                    hostStart = valueStart;
                    hostEnd = valueEnd;
                    break;
                case FIELD_CONNECTION:
                    verbatim = false;
                    int tokens = FieldLines.connectionTokens(raw, valueStart, valueEnd);
                    if (tokens < 0) {
                        return null;
                    }
                    close |= (tokens & FieldLines.CLOSE_TOKEN) != 0;
                    continue; // left out
                default:
                    return null;
            }
            length += line.writtenLength();
            verbatim &= line.asWritten;
        }
        if (hostStart < 0 || close && closeField) {
            return null; // no Host; or Connection names a field called close, which the decoded path removes
        }
        SplicedRequest out = req;
        byte[] head = raw;
        if (!verbatim) {
            // written anew into a second request from the pool; the first goes back
            out = SplicedRequest.get();
            head = out.array(length);
            int hostLength = hostEnd - hostStart;
            hostStart = normalize(raw, end, fieldsStart, head, hostStart);
            hostEnd = hostStart + hostLength;
        } else {
            length = end;
        }
        HttpMethod method = methodLength == 3 && head[0] == 'G' && head[1] == 'E' && head[2] == 'T'
                ? HttpMethod.GET
                : HttpMethod.valueOf(new String(head, 0, methodLength, StandardCharsets.ISO_8859_1));
        return out.set(
                method, target.of(head, sp1 + 1, sp2), length, fieldsStart, host.of(head, hostStart, hostEnd), close);
    }

    /**
     * Writes the {@code end} bytes of {@code raw} into {@code head} as the decoded path writes it: each field line as {@code name: value}
     * without the whitespace around the value, {@code Connection} left out.
     *
     * @param hostStart where the value of {@code Host} starts in {@code raw}
     * @return where it starts in {@code head}
     */
    private int normalize(byte[] raw, int end, int fieldsStart, byte[] head, int hostStart) {
        System.arraycopy(raw, 0, head, 0, fieldsStart);
        int hostAt = -1;
        int w = fieldsStart;
        int p = fieldsStart;
        while (p < end) {
            line.read(raw, p, end); // found the first time
            int nameLength = line.nameLength;
            if (kind(raw, line.nameStart, nameLength) != FIELD_CONNECTION) {
                System.arraycopy(raw, line.nameStart, head, w, nameLength);
                w += nameLength;
                head[w++] = ':';
                head[w++] = ' ';
                if (line.valueStart == hostStart) {
                    hostAt = w;
                }
                int valueLength = line.valueEnd - line.valueStart;
                System.arraycopy(raw, line.valueStart, head, w, valueLength);
                w += valueLength;
                head[w++] = '\r';
                head[w++] = '\n';
            }
            p = line.next;
        }
        return hostAt;
    }

    private static int kind(byte[] a, int start, int length) {
        switch (length) {
            case 2: // TE
                return FieldLines.regionIs(a, start, HttpHeaderNames.TE) ? REFUSE : KEEP;
            case 3: // Via
                return FieldLines.regionIs(a, start, HttpHeaderNames.VIA) ? REFUSE : KEEP;
            case 4:
                return FieldLines.regionIs(a, start, HttpHeaderNames.HOST) ? FIELD_HOST : KEEP;
            case 6: // Expect
                return FieldLines.regionIs(a, start, HttpHeaderNames.EXPECT) ? REFUSE : KEEP;
            case 7: // Upgrade, Trailer
                return FieldLines.regionIs(a, start, HttpHeaderNames.UPGRADE)
                                || FieldLines.regionIs(a, start, HttpHeaderNames.TRAILER)
                        ? REFUSE
                        : proxyField(a, start, 7);
            case 9: // Forwarded, X-Real-IP
                return FieldLines.regionIs(a, start, HeaderRules.FORWARDED)
                                || FieldLines.regionIs(a, start, HeaderRules.X_REAL_IP)
                        ? REFUSE
                        : proxyField(a, start, 9);
            case 10:
                if (FieldLines.regionIs(a, start, HttpHeaderNames.CONNECTION)) {
                    return FIELD_CONNECTION;
                }
                return FieldLines.regionIs(a, start, HttpHeaderNames.KEEP_ALIVE) ? REFUSE : proxyField(a, start, 10);
            case 14: // Content-Length
                return FieldLines.regionIs(a, start, HttpHeaderNames.CONTENT_LENGTH)
                        ? REFUSE
                        : proxyField(a, start, 14);
            case 17: // Transfer-Encoding
                return FieldLines.regionIs(a, start, HttpHeaderNames.TRANSFER_ENCODING)
                        ? REFUSE
                        : proxyField(a, start, 17);
            default:
                return proxyField(a, start, length);
        }
    }

    /** {@code Proxy-*} fields are hop-by-hop, and {@code X-Forwarded-*} the proxy's own: the decoded path's. */
    private static int proxyField(byte[] a, int start, int length) {
        if (FieldLines.isProxyField(a, start, length)) {
            return REFUSE;
        }
        return length > X_FORWARDED.length() && FieldLines.regionIs(a, start, X_FORWARDED) ? REFUSE : KEEP;
    }

    /** As {@link HeaderRules}: {@code uri-host [ ":" port ]}, not empty, no whitespace, userinfo or path. */
    private static boolean validHost(byte[] a, int start, int end) {
        if (start == end) {
            return false;
        }
        for (int i = start; i < end; i++) {
            byte c = a[i];
            if (c <= ' ' || c >= 0x7f || c == '/' || c == '@' || c == '\\' || c == ',') {
                return false;
            }
        }
        return true;
    }
}
