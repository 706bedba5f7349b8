package org.reverl.gateway.http.internal;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import java.util.Iterator;
import java.util.Map;

/**
 * What RFC 9110 and 9112 ask of a proxy, done in place on the message objects the codecs produced (no copies): the
 * checks a request must pass before any of it goes to a backend, the removal of hop-by-hop fields, and {@code Via} and
 * {@code X-Forwarded-*}.
 */
final class HeaderRules {

    static final AsciiString X_FORWARDED_FOR = AsciiString.cached("x-forwarded-for");
    static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("x-forwarded-proto");
    static final AsciiString X_FORWARDED_HOST = AsciiString.cached("x-forwarded-host");
    private static final AsciiString PROXY_PREFIX = AsciiString.cached("proxy-");
    static final AsciiString HTTP = AsciiString.cached("http");
    static final AsciiString HTTPS = AsciiString.cached("https");

    private HeaderRules() {}

    /**
     * Checks what Netty's decoder does not: the number of fields, exactly one {@code Host} in HTTP/1.1 (at most one
     * in 1.0), the version, and methods a reverse proxy does not serve.
     *
     * @return {@code null} if the request may go on, else the status to answer it with (and close)
     */
    static HttpResponseStatus check(HttpRequest request, int maxHeaderCount) {
        HttpVersion version = request.protocolVersion();
        if (version.majorVersion() != 1) {
            return HttpResponseStatus.HTTP_VERSION_NOT_SUPPORTED;
        }
        HttpMethod method = request.method();
        if (HttpMethod.CONNECT.equals(method)) {
            return HttpResponseStatus.METHOD_NOT_ALLOWED;
        }
        int count = 0;
        int hosts = 0;
        for (Iterator<Map.Entry<CharSequence, CharSequence>> it =
                        request.headers().iteratorCharSequence();
                it.hasNext(); ) {
            Map.Entry<CharSequence, CharSequence> e = it.next();
            count++;
            if (AsciiString.contentEqualsIgnoreCase(e.getKey(), HttpHeaderNames.HOST)) {
                hosts++;
                if (!validHost(e.getValue())) {
                    return HttpResponseStatus.BAD_REQUEST;
                }
            }
        }
        if (count > maxHeaderCount) {
            return HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE;
        }
        if (hosts > 1 || (hosts == 0 && version.minorVersion() >= 1)) {
            return HttpResponseStatus.BAD_REQUEST;
        }
        String uri = request.uri();
        if (uri.isEmpty() || !(uri.charAt(0) == '/' || uri.equals("*") || isAbsolute(uri))) {
            return HttpResponseStatus.BAD_REQUEST;
        }
        return null;
    }

    /** {@code uri-host [ ":" port ]}: no whitespace, no userinfo, no path; empty only where a URI has no host. */
    private static boolean validHost(CharSequence host) {
        for (int i = 0, n = host.length(); i < n; i++) {
            char c = host.charAt(i);
            if (c <= ' ' || c >= 0x7f || c == '/' || c == '@' || c == '\\' || c == ',') {
                return false;
            }
        }
        return true;
    }

    private static boolean isAbsolute(String uri) {
        return uri.regionMatches(true, 0, "http://", 0, 7) || uri.regionMatches(true, 0, "https://", 0, 8);
    }

    /**
     * Removes the hop-by-hop fields: {@code Connection} and the fields it names, {@code Keep-Alive}, {@code TE},
     * {@code Trailer}, {@code Upgrade} and every {@code Proxy-*} field. {@code Transfer-Encoding} stays: the encoder
     * re-frames the body by it.
     */
    static void removeHopByHop(HttpMessage message) {
        HttpHeaders h = message.headers();
        String connection = h.get(HttpHeaderNames.CONNECTION);
        if (connection != null) {
            removeListed(h, connection);
            h.remove(HttpHeaderNames.CONNECTION);
        }
        h.remove(HttpHeaderNames.KEEP_ALIVE);
        h.remove(HttpHeaderNames.TE);
        h.remove(HttpHeaderNames.TRAILER);
        h.remove(HttpHeaderNames.UPGRADE);
        boolean proxyFields = false;
        for (Iterator<Map.Entry<CharSequence, CharSequence>> it = h.iteratorCharSequence(); it.hasNext(); ) {
            CharSequence name = it.next().getKey();
            if (name.length() > PROXY_PREFIX.length()
                    && AsciiString.regionMatches(name, true, 0, PROXY_PREFIX, 0, PROXY_PREFIX.length())) {
                proxyFields = true;
                break;
            }
        }
        if (proxyFields) {
            // rare: collect first, as the header iterator is read-only
            java.util.List<String> names = new java.util.ArrayList<>(2);
            for (Iterator<Map.Entry<CharSequence, CharSequence>> it = h.iteratorCharSequence(); it.hasNext(); ) {
                CharSequence name = it.next().getKey();
                if (name.length() > PROXY_PREFIX.length()
                        && AsciiString.regionMatches(name, true, 0, PROXY_PREFIX, 0, PROXY_PREFIX.length())) {
                    names.add(name.toString());
                }
            }
            for (String name : names) {
                h.remove(name);
            }
        }
    }

    private static void removeListed(HttpHeaders h, String connection) {
        int start = 0;
        int n = connection.length();
        while (start < n) {
            int comma = connection.indexOf(',', start);
            int end = comma < 0 ? n : comma;
            int s = start;
            int e = end;
            while (s < e && (connection.charAt(s) == ' ' || connection.charAt(s) == '\t')) {
                s++;
            }
            while (e > s && (connection.charAt(e - 1) == ' ' || connection.charAt(e - 1) == '\t')) {
                e--;
            }
            if (e > s) {
                String name = connection.substring(s, e);
                // never let Connection remove the framing or the fields the proxy itself sets
                if (!HttpHeaderNames.TRANSFER_ENCODING.contentEqualsIgnoreCase(name)
                        && !HttpHeaderNames.CONTENT_LENGTH.contentEqualsIgnoreCase(name)
                        && !HttpHeaderNames.HOST.contentEqualsIgnoreCase(name)) {
                    h.remove(name);
                }
            }
            start = end + 1;
        }
    }

    /**
     * Adds {@code recipient} to {@code Via}, keeping what earlier proxies put there.
     *
     * @param recipient e.g. {@code 1.1 reverl}
     */
    static void appendVia(HttpHeaders h, AsciiString recipient) {
        String via = h.get(HttpHeaderNames.VIA);
        if (via == null) {
            h.set(HttpHeaderNames.VIA, recipient);
        } else {
            h.set(HttpHeaderNames.VIA, via + ", " + recipient);
        }
    }

    /**
     * Sets {@code X-Forwarded-For/-Proto/-Host}. From a trusted proxy, its values are kept and the client address is
     * appended to {@code X-Forwarded-For}; from anyone else, all three are replaced, so a client cannot forge them.
     */
    static void setForwarded(HttpHeaders h, String clientIp, AsciiString proto, boolean trusted) {
        String host = h.get(HttpHeaderNames.HOST);
        if (trusted) {
            String prior = h.get(X_FORWARDED_FOR);
            h.set(X_FORWARDED_FOR, prior == null ? clientIp : prior + ", " + clientIp);
            if (!h.contains(X_FORWARDED_PROTO)) {
                h.set(X_FORWARDED_PROTO, proto);
            }
            if (host != null && !h.contains(X_FORWARDED_HOST)) {
                h.set(X_FORWARDED_HOST, host);
            }
        } else {
            h.set(X_FORWARDED_FOR, clientIp);
            h.set(X_FORWARDED_PROTO, proto);
            if (host != null) {
                h.set(X_FORWARDED_HOST, host);
            } else {
                h.remove(X_FORWARDED_HOST);
            }
        }
    }
}
