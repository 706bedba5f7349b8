package org.reverl.gateway.http.internal;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * Checks the raw bytes of a request head before Netty's decoder parses them, for what that decoder accepts and a proxy
 * must refuse (RFC 9112 sections 2.2, 3 and 5.2, as strict as the stricter of HAProxy and nginx):
 *
 * <ul>
 *   <li>anything but empty lines (CRLF) before the request line: Netty skips leading whitespace and control bytes;
 *   <li>a request line other than {@code method SP request-target SP HTTP-version CRLF} with exactly one space
 *       between the parts, a method of token characters, and a target of visible ASCII without a {@code #fragment}
 *       (so no NUL, control byte, DEL or non-ASCII byte);
 *   <li>a version other than exactly {@code HTTP/1.0} or {@code HTTP/1.1} (Netty upper-cases {@code http/1.1}): 505
 *       for another {@code HTTP/d.d}, 400 for anything else;
 *   <li>obsolete line folding (a field line starting with a space or tab), which Netty joins into the previous line.
 * </ul>
 *
 * <p>Incremental: it keeps its place between reads, so each byte of a head is looked at once however the head is split.
 * It stops at the empty line that ends the head; the body is never scanned. One per connection, confined to its event
 * loop.
 */
final class HeadScanner {

    /** Before the request line: only empty lines may come. */
    private static final int LEADING = 0;
    /** A CR of an empty line before the request line. */
    private static final int LEADING_CR = 1;

    private static final int METHOD = 2;
    /** The space after the method was seen: the target must start. */
    private static final int TARGET_START = 3;

    private static final int TARGET = 4;
    private static final int VERSION = 5;
    /** The CR ending the request line. */
    private static final int LINE_CR = 6;
    /** The start of a field line, or of the empty line ending the head. */
    private static final int FIELD_START = 7;

    private static final int FIELD = 8;
    /** The CR of the empty line ending the head. */
    private static final int END_CR = 9;
    /** The head ended; nothing more is scanned until {@link #reset()}. */
    private static final int DONE = 10;

    private static final byte[] HTTP_1_ = {'H', 'T', 'T', 'P', '/', '1', '.'};

    private int state = LEADING;
    /** Offset from the reader index of the first byte not scanned yet. */
    private int scanned;
    /** The version's bytes, packed: at most 8 are kept, which is all a valid one has. */
    private long version;

    private int versionLength;

    /** Whether the head being scanned has begun: a byte of it other than the empty lines before it arrived. */
    boolean started() {
        return state >= METHOD && state != DONE;
    }

    /** Whether the whole head was scanned and found acceptable. */
    boolean done() {
        return state == DONE;
    }

    /** The length of the whole head, its empty line included, from the reader index; valid once {@link #done()}. */
    int headLength() {
        return scanned;
    }

    /** Ready for the next request's head. */
    void reset() {
        state = LEADING;
        scanned = 0;
        version = 0;
        versionLength = 0;
    }

    /** {@code n} bytes were consumed from the front of the buffer by the decoder since the last scan. */
    void consumed(int n) {
        scanned = Math.max(0, scanned - n);
    }

    /**
     * Scans the bytes of {@code buffer} after those already scanned, up to the end of the head.
     *
     * @return {@code null} if nothing is wrong so far, else why the request is refused
     */
    RequestRejectedException scan(ByteBuf buffer) {
        if (state == DONE) {
            return null;
        }
        int start = buffer.readerIndex() + scanned;
        int end = buffer.writerIndex();
        for (int i = start; i < end; i++) {
            if (state == FIELD) {
                // inside a field line only its end matters here (HeaderRules checks names and values): jump to it
                int lf = buffer.indexOf(i, end, (byte) '\n');
                if (lf < 0) {
                    break;
                }
                i = lf;
            }
            byte b = buffer.getByte(i);
            RequestRejectedException bad = step(b);
            if (bad != null) {
                return bad;
            }
            if (state == DONE) {
                scanned = i + 1 - buffer.readerIndex();
                return null;
            }
        }
        scanned = end - buffer.readerIndex();
        return null;
    }

    private RequestRejectedException step(byte b) {
        switch (state) {
            case LEADING:
                if (b == '\r') {
                    state = LEADING_CR;
                } else if (isTokenChar(b)) {
                    state = METHOD;
                } else {
                    return bad("a byte 0x%02x before the method", b);
                }
                return null;
            case LEADING_CR:
                if (b != '\n') {
                    return bad("a CR not followed by LF before the request line", b);
                }
                state = LEADING;
                return null;
            case METHOD:
                if (b == ' ') {
                    state = TARGET_START;
                } else if (!isTokenChar(b)) {
                    return bad("a byte 0x%02x in the method", b);
                }
                return null;
            case TARGET_START:
            case TARGET:
                if (b == ' ' && state == TARGET) {
                    state = VERSION;
                } else if (b == '#') {
                    return bad("a fragment in the request target", b);
                } else if (b < 0x21 || b > 0x7e) {
                    return bad("a byte 0x%02x in the request target", b);
                } else {
                    state = TARGET;
                }
                return null;
            case VERSION:
                if (b == '\r') {
                    state = LINE_CR;
                    return checkVersion();
                }
                if (versionLength == 8) {
                    return bad("a version longer than HTTP/d.d", b);
                }
                version = (version << 8) | (b & 0xff);
                versionLength++;
                return null;
            case LINE_CR:
                if (b != '\n') {
                    return bad("a CR not followed by LF after the request line", b);
                }
                state = FIELD_START;
                return null;
            case FIELD_START:
                if (b == '\r') {
                    state = END_CR;
                } else if (b == ' ' || b == '\t') {
                    return bad("obsolete line folding in the request head", b);
                } else if (b == '\n') {
                    return bad("a bare LF in the request head", b);
                } else {
                    state = FIELD;
                }
                return null;
            case FIELD:
                if (b == '\n') {
                    state = FIELD_START;
                }
                return null;
            case END_CR:
                if (b != '\n') {
                    return bad("a CR not followed by LF at the end of the request head", b);
                }
                state = DONE;
                return null;
            default:
                return null;
        }
    }

    /** {@code HTTP/1.0} and {@code HTTP/1.1} pass; another {@code HTTP/d.d} is 505; anything else 400. */
    private RequestRejectedException checkVersion() {
        if (versionLength == 8) {
            boolean http1 = true;
            for (int i = 0; i < HTTP_1_.length; i++) {
                if (versionByte(i) != HTTP_1_[i]) {
                    http1 = false;
                    break;
                }
            }
            byte minor = versionByte(7);
            if (http1 && (minor == '0' || minor == '1')) {
                return null;
            }
            if (versionByte(0) == 'H'
                    && versionByte(1) == 'T'
                    && versionByte(2) == 'T'
                    && versionByte(3) == 'P'
                    && versionByte(4) == '/'
                    && isDigit(versionByte(5))
                    && versionByte(6) == '.'
                    && isDigit(versionByte(7))) {
                return new RequestRejectedException(
                        HttpResponseStatus.HTTP_VERSION_NOT_SUPPORTED, "an HTTP version other than 1.0 and 1.1");
            }
        }
        return new RequestRejectedException(
                HttpResponseStatus.BAD_REQUEST, "a version that is not exactly HTTP/1.0 or HTTP/1.1");
    }

    private byte versionByte(int i) {
        return (byte) (version >>> (8 * (versionLength - 1 - i)));
    }

    private static boolean isDigit(byte b) {
        return b >= '0' && b <= '9';
    }

    /** Whether {@code s} from {@code start} to {@code end} is {@code tchar}s only (RFC 9110 section 5.6.2). */
    static boolean isToken(CharSequence s, int start, int end) {
        for (int i = start; i < end; i++) {
            char c = s.charAt(i);
            if (c > 0x7f || !isTokenChar((byte) c)) {
                return false;
            }
        }
        return true;
    }

    /** RFC 9110 section 5.6.2: {@code tchar}. */
    static boolean isTokenChar(byte b) {
        if ((b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9')) {
            return true;
        }
        switch (b) {
            case '!':
            case '#':
            case '$':
            case '%':
            case '&':
            case '\'':
            case '*':
            case '+':
            case '-':
            case '.':
            case '^':
            case '_':
            case '`':
            case '|':
            case '~':
                return true;
            default:
                return false;
        }
    }

    private static RequestRejectedException bad(String format, byte b) {
        String reason = format.indexOf('%') >= 0 ? String.format(format, b & 0xff) : format;
        return new RequestRejectedException(HttpResponseStatus.BAD_REQUEST, reason);
    }
}
