package org.reverl.gateway.http.internal;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValidationUtil;
import io.netty.handler.codec.http.HttpHeaderValues;
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
    /** The prefix of the hop-by-hop {@code Proxy-*} fields. */
    static final AsciiString PROXY_PREFIX = AsciiString.cached("proxy-");

    static final AsciiString HTTP = AsciiString.cached("http");
    static final AsciiString HTTPS = AsciiString.cached("https");

    /** {@code Connection} is present. */
    static final int HOP_CONNECTION = 1;
    /** Another hop-by-hop field is present: {@code Keep-Alive}, {@code TE}, {@code Trailer}, {@code Upgrade}. */
    static final int HOP_FIXED = 2;
    /** A {@code Proxy-*} field is present. */
    static final int HOP_PROXY = 4;
    /** {@code Transfer-Encoding} is present (not hop-by-hop: noted so that its absence costs no lookup). */
    static final int FIELD_TRANSFER_ENCODING = 8;
    /** {@code Content-Length} is present. */
    static final int FIELD_CONTENT_LENGTH = 16;
    /** {@code Via} is present. */
    static final int FIELD_VIA = 32;
    /** {@code Expect} is present. */
    static final int FIELD_EXPECT = 64;
    /** {@code Forwarded} or {@code X-Real-IP} is present: client-supplied forwarding fields besides X-Forwarded-*. */
    static final int FIELD_FORWARDED = 128;

    /** {@code Upgrade} is present (hop-by-hop, and removed as such unless the request opens a tunnel). */
    static final int FIELD_UPGRADE = 256;

    /** {@link #check} result bits below this are {@code HOP_*} flags; the bits above are a status code. */
    private static final int STATUS_SHIFT = 10;

    static final AsciiString FORWARDED = AsciiString.cached("forwarded");
    static final AsciiString X_REAL_IP = AsciiString.cached("x-real-ip");

    private HeaderRules() {}

    /**
     * Checks, in one pass over the fields, what the decoder (which does not validate fields, so that the proxy's own
     * fields are not validated again) and Netty do not: every field name is a token and every value has only allowed
     * characters, the number of fields, exactly one {@code Host} in HTTP/1.1 (at most one in 1.0), the version, and
     * methods a reverse proxy does not serve. It also notes which hop-by-hop fields are present, for {@link
     * #removeHopByHop(HttpHeaders, int)}.
     *
     * @return the {@code HOP_*} flags of the request if it may go on (see {@link #rejection}), else a status code
     *     shifted left, to answer it with (and close)
     */
    static int check(HttpRequest request, int maxHeaderCount) {
        HttpVersion version = request.protocolVersion();
        if (version.majorVersion() != 1) {
            return reject(HttpResponseStatus.HTTP_VERSION_NOT_SUPPORTED);
        }
        HttpMethod method = request.method();
        if (HttpMethod.CONNECT.equals(method)) {
            return reject(HttpResponseStatus.METHOD_NOT_ALLOWED);
        }
        int count = 0;
        int hosts = 0;
        int hop = 0;
        for (Iterator<Map.Entry<CharSequence, CharSequence>> it =
                        request.headers().iteratorCharSequence();
                it.hasNext(); ) {
            Map.Entry<CharSequence, CharSequence> e = it.next();
            count++;
            CharSequence name = e.getKey();
            CharSequence value = e.getValue();
            if (name.length() == 0
                    || HttpHeaderValidationUtil.validateToken(name) != -1
                    || HttpHeaderValidationUtil.validateValidHeaderValue(value) != -1) {
                return reject(HttpResponseStatus.BAD_REQUEST);
            }
            if (name.length() == 4 && AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.HOST)) {
                hosts++;
                if (!validHost(value)) {
                    return reject(HttpResponseStatus.BAD_REQUEST);
                }
            } else {
                int flag = hopByHop(name);
                if (flag == FIELD_TRANSFER_ENCODING && !TransferCodings.isChunkedOnly(value)) {
                    // the decoder made sure chunked is the final coding; any other coding is one the proxy does not
                    // implement (RFC 9112 section 6.1), as nginx answers
                    return reject(HttpResponseStatus.NOT_IMPLEMENTED);
                }
                hop |= flag;
            }
        }
        if (count > maxHeaderCount) {
            return reject(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE);
        }
        if (hosts > 1 || (hosts == 0 && version.minorVersion() >= 1)) {
            return reject(HttpResponseStatus.BAD_REQUEST);
        }
        String uri = request.uri();
        if (uri.isEmpty()
                || !(uri.charAt(0) == '/'
                        || (uri.equals("*") && HttpMethod.OPTIONS.equals(method))
                        || isAbsolute(uri))) {
            return reject(HttpResponseStatus.BAD_REQUEST);
        }
        return hop;
    }

    private static int reject(HttpResponseStatus status) {
        return status.code() << STATUS_SHIFT;
    }

    /** The status a {@link #check} result rejects the request with, or {@code null} if it passed. */
    static HttpResponseStatus rejection(int checkResult) {
        int code = checkResult >>> STATUS_SHIFT;
        return code == 0 ? null : HttpResponseStatus.valueOf(code);
    }

    /**
     * The {@code HOP_*} or {@code FIELD_*} flag of a field name, or 0; looks at the length first, so most names cost
     * one compare.
     */
    private static int hopByHop(CharSequence name) {
        switch (name.length()) {
            case 3:
                return AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.VIA) ? FIELD_VIA : 0;
            case 14:
                return AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.CONTENT_LENGTH)
                        ? FIELD_CONTENT_LENGTH
                        : isProxyField(name) ? HOP_PROXY : 0;
            case 17:
                return AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.TRANSFER_ENCODING)
                        ? FIELD_TRANSFER_ENCODING
                        : isProxyField(name) ? HOP_PROXY : 0;
            case 2:
                return AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.TE) ? HOP_FIXED : 0;
            case 6:
                return AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.EXPECT) ? FIELD_EXPECT : 0;
            case 9:
                return AsciiString.contentEqualsIgnoreCase(name, FORWARDED)
                                || AsciiString.contentEqualsIgnoreCase(name, X_REAL_IP)
                        ? FIELD_FORWARDED
                        : isProxyField(name) ? HOP_PROXY : 0;
            case 7:
                if (AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.UPGRADE)) {
                    return HOP_FIXED | FIELD_UPGRADE;
                }
                return AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.TRAILER)
                        ? HOP_FIXED
                        : isProxyField(name) ? HOP_PROXY : 0;
            case 10:
                if (AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.CONNECTION)) {
                    return HOP_CONNECTION;
                }
                return AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.KEEP_ALIVE)
                        ? HOP_FIXED
                        : isProxyField(name) ? HOP_PROXY : 0;
            default:
                return isProxyField(name) ? HOP_PROXY : 0;
        }
    }

    private static boolean isProxyField(CharSequence name) {
        return name.length() > PROXY_PREFIX.length()
                && AsciiString.regionMatches(name, true, 0, PROXY_PREFIX, 0, PROXY_PREFIX.length());
    }

    /** The {@code HOP_*} and {@code FIELD_*} flags of the fields present in {@code h}, in one pass. */
    static int hopByHopFields(HttpHeaders h) {
        int hop = 0;
        for (Iterator<Map.Entry<CharSequence, CharSequence>> it = h.iteratorCharSequence(); it.hasNext(); ) {
            hop |= hopByHop(it.next().getKey());
        }
        return hop;
    }

    /** {@code uri-host [ ":" port ]}: no whitespace, no userinfo, no path; empty only where a URI has no host. */
    static boolean validHost(CharSequence host) {
        for (int i = 0, n = host.length(); i < n; i++) {
            char c = host.charAt(i);
            if (c <= ' ' || c >= 0x7f || c == '/' || c == '@' || c == '\\' || c == ',') {
                return false;
            }
        }
        return true;
    }

    static boolean isAbsolute(String uri) {
        return uri.regionMatches(true, 0, "http://", 0, 7) || uri.regionMatches(true, 0, "https://", 0, 8);
    }

    /**
     * Rewrites an absolute-form target ({@code http://host:port/path?q}) to origin-form ({@code /path?q}) and sets
     * {@code Host} from its authority, replacing any {@code Host} the request carried: RFC 9112 section 3.2.2 tells a
     * server to use the target's authority and ignore {@code Host}, so everything after this point (the backend,
     * {@code X-Forwarded-Host}, routing) sees one authority. Refuses userinfo and an empty or invalid authority.
     *
     * @return whether the target was acceptable (if not, the request is answered 400)
     */
    static boolean absoluteToOriginForm(HttpRequest request) {
        String uri = request.uri();
        int authorityStart = uri.indexOf("://") + 3;
        int end = uri.length();
        int pathStart = end;
        for (int i = authorityStart; i < end; i++) {
            char c = uri.charAt(i);
            if (c == '/' || c == '?') {
                pathStart = i;
                break;
            }
            if (c == '@') {
                return false; // userinfo: deprecated (RFC 9110 section 4.2.4) and a classic spoofing vector
            }
        }
        if (pathStart == authorityStart) {
            return false;
        }
        String authority = uri.substring(authorityStart, pathStart);
        if (!validHost(authority) || authority.charAt(0) == ':') {
            return false;
        }
        String origin = pathStart == end
                ? "/"
                : uri.charAt(pathStart) == '?' ? "/" + uri.substring(pathStart) : uri.substring(pathStart);
        request.setUri(origin);
        request.headers().set(HttpHeaderNames.HOST, authority);
        return true;
    }

    /**
     * The protocols a request asks to switch to, if it may open a tunnel, else {@code null}: an HTTP/1.1 request
     * without a body, with {@code Upgrade} and {@code Connection: upgrade} (RFC 9110 section 7.8; an {@code Upgrade} in
     * HTTP/1.0 is ignored). {@code h2c} is never passed on: it is a change of this hop's protocol, which the proxy
     * does not make with its backends.
     *
     * @param fields the flags from {@link #check}
     */
    static String upgradeOf(HttpRequest request, int fields, boolean hasBody) {
        if ((fields & FIELD_UPGRADE) == 0
                || (fields & HOP_CONNECTION) == 0
                || hasBody
                || request.protocolVersion().minorVersion() != 1) {
            return null;
        }
        HttpHeaders h = request.headers();
        if (!h.containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true)) {
            return null;
        }
        java.util.List<String> values = h.getAll(HttpHeaderNames.UPGRADE);
        String upgrade = values.size() == 1
                ? values.get(0).trim()
                : String.join(", ", values).trim();
        if (upgrade.isEmpty() || upgrade.toLowerCase(java.util.Locale.ROOT).contains("h2c")) {
            return null;
        }
        return upgrade;
    }

    /** Puts back the two fields that ask the next hop for a switch, after {@link #removeHopByHop} took them. */
    static void setUpgrade(HttpHeaders h, String upgrade) {
        h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
        h.set(HttpHeaderNames.UPGRADE, upgrade);
    }

    /**
     * Removes the hop-by-hop fields: {@code Connection} and the fields it names, {@code Keep-Alive}, {@code TE},
     * {@code Trailer}, {@code Upgrade} and every {@code Proxy-*} field. {@code Transfer-Encoding} stays: the encoder
     * re-frames the body by it.
     */
    static void removeHopByHop(HttpMessage message) {
        HttpHeaders h = message.headers();
        removeHopByHop(h, hopByHopFields(h));
    }

    /**
     * {@link #removeHopByHop(HttpMessage)} when the fields present are known already.
     *
     * @param hop the {@code HOP_*} flags of the fields present, from {@link #check} or {@link #hopByHopFields}
     */
    static void removeHopByHop(HttpHeaders h, int hop) {
        if ((hop & (HOP_CONNECTION | HOP_FIXED | HOP_PROXY)) == 0) {
            return; // the common case for requests: nothing to do, no lookup
        }
        if ((hop & HOP_CONNECTION) != 0) {
            String connection = h.get(HttpHeaderNames.CONNECTION);
            if (connection != null) {
                removeListed(h, connection);
                h.remove(HttpHeaderNames.CONNECTION);
            }
        }
        if ((hop & HOP_FIXED) != 0) {
            h.remove(HttpHeaderNames.KEEP_ALIVE);
            h.remove(HttpHeaderNames.TE);
            h.remove(HttpHeaderNames.TRAILER);
            h.remove(HttpHeaderNames.UPGRADE);
        }
        if ((hop & HOP_PROXY) != 0) {
            // rare: collect first, as the header iterator is read-only
            java.util.List<String> names = new java.util.ArrayList<>(2);
            for (Iterator<Map.Entry<CharSequence, CharSequence>> it = h.iteratorCharSequence(); it.hasNext(); ) {
                CharSequence name = it.next().getKey();
                if (isProxyField(name)) {
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
        appendVia(h, recipient, FIELD_VIA);
    }

    /**
     * {@link #appendVia(HttpHeaders, AsciiString)} when it is known whether {@code Via} is present.
     *
     * @param fields flags from {@link #check} or {@link #hopByHopFields}: without {@link #FIELD_VIA}, no lookup
     */
    static void appendVia(HttpHeaders h, AsciiString recipient, int fields) {
        if ((fields & FIELD_VIA) == 0) {
            h.add(HttpHeaderNames.VIA, recipient);
            return;
        }
        String via = h.get(HttpHeaderNames.VIA);
        if (via == null) {
            h.set(HttpHeaderNames.VIA, recipient);
        } else {
            h.set(HttpHeaderNames.VIA, via + ", " + recipient);
        }
    }

    /**
     * Sets {@code X-Forwarded-For/-Proto/-Host} and, if asked, RFC 7239 {@code Forwarded}. From a trusted proxy, its
     * values are kept and this hop is appended; from anyone else, {@code X-Forwarded-*} are replaced and {@code
     * Forwarded} and {@code X-Real-IP} removed, so a client cannot forge where a request came from.
     *
     * @param fields the {@code FIELD_*} flags of the request, from {@link #check}
     * @param rfc7239 whether to add a {@code Forwarded} element too
     */
    static void setForwarded(
            HttpHeaders h, int fields, String clientIp, AsciiString proto, boolean trusted, boolean rfc7239) {
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
            if ((fields & FIELD_FORWARDED) != 0) {
                h.remove(FORWARDED);
                h.remove(X_REAL_IP);
            }
        }
        if (rfc7239) {
            String element = forwardedElement(clientIp, proto, host);
            String prior = trusted ? h.get(FORWARDED) : null;
            h.set(FORWARDED, prior == null ? element : prior + ", " + element);
        }
    }

    /** One RFC 7239 element: {@code for=...;proto=...;host=...}, quoting what is not a token. */
    static String forwardedElement(String clientIp, AsciiString proto, String host) {
        StringBuilder sb = new StringBuilder(64).append("for=");
        if (clientIp.indexOf(':') >= 0) {
            sb.append("\"[").append(clientIp).append("]\"");
        } else {
            sb.append(clientIp);
        }
        sb.append(";proto=").append(proto);
        if (host != null) {
            sb.append(";host=");
            quoteUnlessToken(sb, host);
        }
        return sb.toString();
    }

    private static void quoteUnlessToken(StringBuilder sb, String value) {
        if (!value.isEmpty() && HeadScanner.isToken(value, 0, value.length())) {
            sb.append(value);
        } else {
            sb.append('"');
            for (int i = 0; i < value.length(); i++) {
                char c = value.charAt(i);
                if (c == '"' || c == '\\') {
                    sb.append('\\');
                }
                sb.append(c);
            }
            sb.append('"');
        }
    }
}
