package org.reverl.gateway.http.internal;

import io.netty.util.AsciiString;

/**
 * Header field names that most clients and backends send, in the case they send them, so that the decoders can hand
 * out one shared name instead of copying the bytes of each field of each message into a new {@link AsciiString}
 * (Netty's response decoder does for every field; its request decoder for all but five). A name that matches none
 * byte for byte, in another case say, is decoded as before: the table changes nothing but the allocation, and the
 * name goes on as it was received.
 */
final class FieldNames {

    /** Names a backend's response usually carries (nginx, Apache httpd, Node.js, Go, Jetty, Tomcat). */
    static final FieldNames RESPONSE = new FieldNames(
            "Server",
            "Date",
            "Content-Type",
            "Content-Length",
            "Connection",
            "Keep-Alive",
            "Transfer-Encoding",
            "Cache-Control",
            "Last-Modified",
            "ETag",
            "Accept-Ranges",
            "Vary",
            "Expires",
            "Location",
            "Content-Encoding",
            "Set-Cookie",
            "content-type",
            "content-length",
            "date",
            "connection",
            "keep-alive",
            "transfer-encoding");

    /** Names a client's request usually carries (browsers, curl, load generators), besides Netty's own five. */
    static final FieldNames REQUEST = new FieldNames(
            "User-Agent",
            "Accept-Encoding",
            "Accept-Language",
            "Cookie",
            "Referer",
            "Origin",
            "Cache-Control",
            "Upgrade-Insecure-Requests",
            "If-None-Match",
            "If-Modified-Since",
            "Authorization",
            "X-Forwarded-For",
            "X-Forwarded-Proto",
            "X-Forwarded-Host",
            "X-Request-Id",
            "user-agent",
            "accept",
            "accept-encoding",
            "content-type",
            "content-length",
            "cookie",
            "authorization");

    private final AsciiString[] names;

    private FieldNames(String... names) {
        this.names = new AsciiString[names.length];
        for (int i = 0; i < names.length; i++) {
            this.names[i] = AsciiString.cached(names[i]);
        }
    }

    /**
     * The shared name equal, byte for byte, to {@code length} bytes of {@code bytes} from {@code start}, or {@code
     * null}. Allocates nothing.
     */
    AsciiString find(byte[] bytes, int start, int length) {
        for (AsciiString name : names) {
            if (name.length() == length && sameBytes(name, bytes, start, length)) {
                return name;
            }
        }
        return null;
    }

    private static boolean sameBytes(AsciiString name, byte[] bytes, int start, int length) {
        byte[] own = name.array();
        int offset = name.arrayOffset();
        for (int i = 0; i < length; i++) {
            if (own[offset + i] != bytes[start + i]) {
                return false;
            }
        }
        return true;
    }
}
