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
 * @param tlsCert for {@code https} addresses: the client certificate chain (PEM) presented to a backend that asks for
 *     one, or {@code null}
 * @param tlsKey the private key (PEM, PKCS#8) of {@code tlsCert}; {@code null} exactly when it is
 */
record HttpProbeSettings(
        String method,
        String path,
        String host,
        StatusRanges expectStatus,
        String expectBody,
        boolean tlsVerify,
        Path tlsCa,
        Path tlsCert,
        Path tlsKey) {

    /** How much of a body is searched for {@code expect_body}; a health page is small. */
    static final int MAX_BODY_BYTES = 64 * 1024;

    static final String METHOD = "method";
    static final String PATH = "path";
    static final String HOST = "host";
    static final String EXPECT_STATUS = "expect_status";
    static final String EXPECT_BODY = "expect_body";
    static final String TLS_VERIFY = "tls_verify";
    static final String TLS_CA = "tls_ca";
    static final String TLS_CERT = "tls_cert";
    static final String TLS_KEY = "tls_key";

    /** The options that name files. */
    static final Set<String> FILE_OPTIONS = Set.of(TLS_CA, TLS_CERT, TLS_KEY);

    /** The options, sorted, for error messages. */
    static final Set<String> OPTIONS = new TreeSet<>(
            Set.of(METHOD, PATH, HOST, EXPECT_STATUS, EXPECT_BODY, TLS_VERIFY, TLS_CA, TLS_CERT, TLS_KEY));

    /** {@code GET /}, 200-399, any body, certificates verified. */
    static final HttpProbeSettings DEFAULTS =
            new HttpProbeSettings("GET", "/", null, StatusRanges.DEFAULT, null, true, null, null, null);

    HttpProbeSettings {
        requireNonNull(method, "method");
        requireNonNull(path, "path");
        requireNonNull(expectStatus, "expectStatus");
        if ((tlsCert == null) != (tlsKey == null)) {
            throw new IllegalArgumentException("tlsCert and tlsKey go together");
        }
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
        Path tlsCa = file(options, TLS_CA);
        Path tlsCert = file(options, TLS_CERT);
        Path tlsKey = file(options, TLS_KEY);
        if ((tlsCert == null) != (tlsKey == null)) {
            String given = tlsCert != null ? TLS_CERT : TLS_KEY;
            String missing = tlsCert != null ? TLS_KEY : TLS_CERT;
            throw new IllegalArgumentException(Checks.message(
                    what(given),
                    "'" + options.get(given) + "'",
                    "together with " + missing + " (a client certificate and its key)"));
        }
        return new HttpProbeSettings(method, path, host, expectStatus, expectBody, tlsVerify, tlsCa, tlsCert, tlsKey);
    }

    /** The file an option names, which must be readable now; {@code null} when the option is not given. */
    private static Path file(Map<String, String> options, String option) {
        String name = options.get(option);
        if (name == null) {
            return null;
        }
        Path file = Path.of(name);
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw new IllegalArgumentException(Checks.message(what(option), "'" + name + "'", "a readable PEM file"));
        }
        return file;
    }

    private static String what(String option) {
        return "probe '" + HttpProbeProvider.NAME + "': " + option;
    }

    private static boolean visibleAscii(String s) {
        return s.chars().allMatch(c -> c > 0x20 && c < 0x7f);
    }
}
