package org.reverl.gateway.http.internal;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.List;

/**
 * {@code Transfer-Encoding} values read as RFC 9112 (section 6.1) has them: a list of codings, where only a final
 * {@code chunked} frames a body. A request's is {@code chunked} alone ({@link HeaderRules#check}); a response's may
 * name codings before it, which the proxy forwards.
 */
final class TransferCodings {

    private TransferCodings() {}

    /**
     * What is wrong with a response's framing that Netty's decoder would let pass; null if nothing. {@code
     * Transfer-Encoding} must be a list of codings that ends in {@code chunked}, once (RFC 9112, section 6.1), and
     * must not come with {@code Content-Length}. The decoder reads a body by {@code Content-Length} when the final
     * coding is not {@code chunked} (where RFC 9112 says the body runs to the close), and forwards both fields: a
     * client that reads the other one takes the rest of the body for the next response. nginx refuses every coding but
     * {@code chunked}; HAProxy refuses both fields together.
     */
    static String responseError(HttpHeaders h) {
        String first = h.get(HttpHeaderNames.TRANSFER_ENCODING);
        if (first == null) {
            return null;
        }
        if (h.contains(HttpHeaderNames.CONTENT_LENGTH)) {
            return "a response with both Transfer-Encoding and Content-Length";
        }
        List<String> values = h.getAll(HttpHeaderNames.TRANSFER_ENCODING);
        if (values.size() == 1 && isChunkedOnly(first)) {
            return null;
        }
        int chunked = 0;
        boolean last = false;
        for (String value : values) {
            for (String coding : value.split(",", -1)) {
                int start = owsStart(coding);
                int end = owsEnd(coding, start);
                if (start == end || !HeadScanner.isToken(coding, start, end)) {
                    return "a response with Transfer-Encoding: " + String.join(", ", values);
                }
                last = isChunked(coding, start, end);
                chunked += last ? 1 : 0;
            }
        }
        return last && chunked == 1
                ? null
                : "a response with Transfer-Encoding: " + String.join(", ", values) + " (expected: chunked last, once)";
    }

    /** {@code chunked}, alone, with optional whitespace around it. */
    static boolean isChunkedOnly(CharSequence value) {
        int start = owsStart(value);
        return isChunked(value, start, owsEnd(value, start));
    }

    private static boolean isChunked(CharSequence s, int start, int end) {
        return end - start == 7 && AsciiString.regionMatches(s, true, start, HttpHeaderValues.CHUNKED, 0, 7);
    }

    /** Where {@code value} starts without the SP and HTAB before it. */
    private static int owsStart(CharSequence value) {
        int s = 0;
        while (s < value.length() && (value.charAt(s) == ' ' || value.charAt(s) == '\t')) {
            s++;
        }
        return s;
    }

    /** Where {@code value} ends without the SP and HTAB after it, not before {@code start}. */
    private static int owsEnd(CharSequence value, int start) {
        int e = value.length();
        while (e > start && (value.charAt(e - 1) == ' ' || value.charAt(e - 1) == '\t')) {
            e--;
        }
        return e;
    }
}
