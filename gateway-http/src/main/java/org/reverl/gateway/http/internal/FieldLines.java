package org.reverl.gateway.http.internal;

import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.util.AsciiString;

/**
 * Reading field lines where they lie in a head's bytes, for the heads forwarded as bytes ({@link RequestSplicer},
 * {@link ResponseSplicer}): names compared in place, values' bytes and whitespace as RFC 9110 section 5.5 has them, and
 * the tokens of {@code Connection}. The splicers copy a head out of its buffer once and read it here as an array: a
 * byte costs an array load, where a {@code ByteBuf}'s {@code getByte} checks the index and the reference count.
 */
final class FieldLines {

    /** {@link #connectionTokens}: {@code close} is among them. */
    static final int CLOSE_TOKEN = 1;
    /** {@link #connectionTokens}: {@code keep-alive} is among them. */
    static final int KEEP_ALIVE_TOKEN = 2;

    private FieldLines() {}

    /**
     * One field line found where it lies: {@code name ":" OWS value OWS CRLF}, the name of token characters and the
     * colon at once, the value of {@link #isValueByte} bytes. Reused line after line; one per reader.
     */
    static final class Line {
        /** {@link #read}: a whole, well-formed line. */
        static final int FOUND = 0;
        /** {@link #read}: the line goes on past the end given; nothing is wrong so far. */
        static final int INCOMPLETE = 1;
        /** {@link #read}: not a well-formed field line (obsolete folding, a bare CR or LF, a control byte...). */
        static final int INVALID = 2;

        int nameStart;
        int nameLength;
        /** The value, without the whitespace around it. */
        int valueStart;

        int valueEnd;
        /** Where the next line starts. */
        int next;
        /** Whether the line is {@code name: value} already: one SP after the colon, nothing after the value. */
        boolean asWritten;

        /** The length of the line as the proxy writes it: {@code name: value} and CRLF. */
        int writtenLength() {
            return nameLength + 2 + (valueEnd - valueStart) + 2;
        }

        /** Reads the line at {@code p}, looking no further than {@code end}. */
        int read(byte[] a, int p, int end) {
            nameStart = p;
            while (p < end && a[p] != ':') {
                if (!HeadScanner.isTokenChar(a[p])) {
                    return INVALID; // whitespace first is obsolete folding
                }
                p++;
            }
            if (p >= end) {
                return INCOMPLETE;
            }
            nameLength = p - nameStart;
            if (nameLength == 0) {
                return INVALID;
            }
            p++;
            while (p < end && isOws(a[p])) {
                p++;
            }
            valueStart = p;
            valueEnd = p;
            while (p < end) {
                byte b = a[p];
                if (b == '\r') {
                    break;
                }
                if (!isValueByte(b)) {
                    return INVALID;
                }
                p++;
                if (!isOws(b)) {
                    valueEnd = p;
                }
            }
            if (p + 1 >= end) {
                return INCOMPLETE;
            }
            if (a[p + 1] != '\n') {
                return INVALID;
            }
            next = p + 2;
            int colon = nameStart + nameLength;
            asWritten = valueStart == colon + 2 && a[colon + 1] == ' ' && valueEnd == p;
            return FOUND;
        }
    }

    /**
     * Whether the bytes at {@code start} are {@code lower} ignoring ASCII case ({@code lower} is lower case). Reads
     * {@code lower}'s own array: a short loop of array loads, which the JIT keeps small where it inlines it.
     */
    static boolean regionIs(byte[] a, int start, AsciiString lower) {
        byte[] l = lower.array();
        int offset = lower.arrayOffset();
        for (int i = 0, n = lower.length(); i < n; i++) {
            byte b = a[start + i];
            if (b >= 'A' && b <= 'Z') {
                b += 'a' - 'A';
            }
            if (b != l[offset + i]) {
                return false;
            }
        }
        return true;
    }

    /** Whether {@code name} (at {@code start}, {@code length} bytes) is {@code close}. */
    static boolean isClose(byte[] a, int start, int length) {
        return length == 5 && regionIs(a, start, HttpHeaderValues.CLOSE);
    }

    /** Whether {@code name} (at {@code start}, {@code length} bytes) is {@code keep-alive}. */
    static boolean isKeepAlive(byte[] a, int start, int length) {
        return length == 10 && regionIs(a, start, HttpHeaderValues.KEEP_ALIVE);
    }

    /** Whether the name at {@code start}, {@code length} bytes, is a hop-by-hop {@code Proxy-*} field. */
    static boolean isProxyField(byte[] a, int start, int length) {
        return length > HeaderRules.PROXY_PREFIX.length() && regionIs(a, start, HeaderRules.PROXY_PREFIX);
    }

    /** Optional whitespace: SP or HTAB. */
    static boolean isOws(byte b) {
        return b == ' ' || b == '\t';
    }

    /** HTAB, SP, visible ASCII and obs-text (RFC 9110 section 5.5); no other control byte, no DEL. */
    static boolean isValueByte(byte b) {
        return b == '\t' || b >= 0x20 && b != 0x7f || b < 0;
    }

    /**
     * The tokens of a {@code Connection} value between {@code start} and {@code end}: {@link #CLOSE_TOKEN} and {@link
     * #KEEP_ALIVE_TOKEN} combined; -1 if it names anything else (a field the decoded path would have to remove).
     */
    static int connectionTokens(byte[] a, int start, int end) {
        int found = 0;
        int p = start;
        while (p < end) {
            while (p < end && (isOws(a[p]) || a[p] == ',')) {
                p++;
            }
            int s = p;
            while (p < end && a[p] != ',') {
                p++;
            }
            int e = p;
            while (e > s && isOws(a[e - 1])) {
                e--;
            }
            if (e == s) {
                continue;
            }
            if (isClose(a, s, e - s)) {
                found |= CLOSE_TOKEN;
            } else if (isKeepAlive(a, s, e - s)) {
                found |= KEEP_ALIVE_TOKEN;
            } else {
                return -1;
            }
        }
        return found;
    }

    /** The first index of {@code b} in {@code a[from, to)}, or -1. */
    static int indexOf(byte[] a, int from, int to, byte b) {
        for (int i = from; i < to; i++) {
            if (a[i] == b) {
                return i;
            }
        }
        return -1;
    }
}
