package org.reverl.health.http;

import static java.util.Objects.requireNonNull;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.reverl.gateway.api.Checks;

/**
 * The {@code http} probe's options, parsed and validated once. Immutable.
 *
 * @param method {@code GET} or {@code HEAD}
 * @param path the request target, starting with {@code /}
 * @param host the {@code Host} header, or {@code null} for the probed address's {@code host:port}
 * @param expectStatus the statuses that pass
 * @param expectBody a substring the body must contain (in its first {@value #MAX_BODY_BYTES} bytes), or {@code null}
 * @param tlsVerify for {@code https} addresses: whether the certificate chain and host name are verified
 * @param tlsCa for {@code https} addresses: the CA certificates trusted instead of the JDK's, or {@code null}
 */
record HttpProbeSettings(
        String method,
        String path,
        String host,
        StatusRanges expectStatus,
        String expectBody,
        boolean tlsVerify,
        Path tlsCa) {

    /** How much of a body is searched for {@code expect_body}; a health page is small. */
    static final int MAX_BODY_BYTES = 64 * 1024;

    static final String METHOD = "method";
    static final String PATH = "path";
    static final String HOST = "host";
    static final String EXPECT_STATUS = "expect_status";
    static final String EXPECT_BODY = "expect_body";
    static final String TLS_VERIFY = "tls_verify";
    static final String TLS_CA = "tls_ca";

    /** The options, sorted, for error messages. */
    static final Set<String> OPTIONS =
            new TreeSet<>(Set.of(METHOD, PATH, HOST, EXPECT_STATUS, EXPECT_BODY, TLS_VERIFY, TLS_CA));

    /** {@code GET /}, 200-399, any body, certificates verified. */
    static final HttpProbeSettings DEFAULTS =
            new HttpProbeSettings("GET", "/", null, StatusRanges.DEFAULT, null, true, null);

    HttpProbeSettings {
        requireNonNull(method, "method");
        requireNonNull(path, "path");
        requireNonNull(expectStatus, "expectStatus");
    }

    /**
     * Parses {@code options}.
     *
     * @throws IllegalArgumentException naming the option ({@code probe 'http': <option>}), its value and what was
     *     expected
     */
    static HttpProbeSettings parse(Map<String, String> options) {
        for (String key : new TreeSet<>(options.keySet())) {
            if (!OPTIONS.contains(key)) {
                throw Checks.unknown(what("option"), key, OPTIONS);
            }
        }
        String method = DEFAULTS.method;
        String m = options.get(METHOD);
        if (m != null) {
            method = m.strip().toUpperCase(Locale.ROOT);
            if (!method.equals("GET") && !method.equals("HEAD")) {
                throw new IllegalArgumentException(Checks.message(what(METHOD), "'" + m + "'", "GET or HEAD"));
            }
        }
        String path = DEFAULTS.path;
        String p = options.get(PATH);
        if (p != null) {
            path = p;
            if (!path.startsWith("/") || !visibleAscii(path)) {
                throw new IllegalArgumentException(Checks.message(
                        what(PATH), "'" + p + "'", "a path starting with '/', of visible ASCII characters"));
            }
        }
        String host = options.get(HOST);
        if (host != null && (host.isEmpty() || !visibleAscii(host) || host.indexOf('/') >= 0)) {
            throw new IllegalArgumentException(Checks.message(
                    what(HOST), "'" + host + "'", "a Host header value: host or host:port, no spaces or '/'"));
        }
        String s = options.get(EXPECT_STATUS);
        StatusRanges expectStatus = s == null ? DEFAULTS.expectStatus : StatusRanges.parse(what(EXPECT_STATUS), s);
        String expectBody = options.get(EXPECT_BODY);
        if (expectBody != null) {
            if (expectBody.isEmpty()) {
                throw new IllegalArgumentException(
                        Checks.message(what(EXPECT_BODY), "\"\"", "a non-empty text to find in the body"));
            }
            if (method.equals("HEAD")) {
                throw new IllegalArgumentException(Checks.message(
                        what(EXPECT_BODY), "'" + expectBody + "'", "no expect_body with method HEAD (no body)"));
            }
        }
        boolean tlsVerify = DEFAULTS.tlsVerify;
        String v = options.get(TLS_VERIFY);
        if (v != null) {
            if (v.equals("true")) {
                tlsVerify = true;
            } else if (v.equals("false")) {
                tlsVerify = false;
            } else {
                throw new IllegalArgumentException(Checks.message(what(TLS_VERIFY), "'" + v + "'", "true or false"));
            }
        }
        Path tlsCa = null;
        String ca = options.get(TLS_CA);
        if (ca != null) {
            tlsCa = Path.of(ca);
            if (!Files.isRegularFile(tlsCa) || !Files.isReadable(tlsCa)) {
                throw new IllegalArgumentException(Checks.message(what(TLS_CA), "'" + ca + "'", "a readable PEM file"));
            }
        }
        return new HttpProbeSettings(method, path, host, expectStatus, expectBody, tlsVerify, tlsCa);
    }

    private static String what(String option) {
        return "probe '" + HttpProbeProvider.NAME + "': " + option;
    }

    private static boolean visibleAscii(String s) {
        return s.chars().allMatch(c -> c > 0x20 && c < 0x7f);
    }
}
