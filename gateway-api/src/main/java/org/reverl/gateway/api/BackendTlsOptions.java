package org.reverl.gateway.api;

import static java.util.Objects.requireNonNull;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * How one {@code https://} backend is reached when it differs from the proxy's defaults (in gateway-http, {@code
 * BackendTlsSettings}): whether its certificate is verified, which CA bundle it is verified against, and which name is
 * sent as SNI and checked against the certificate instead of the address's host. The proxy's connections and the
 * {@code http} health probe both read it. Carried in the backend's tags ({@link #VERIFY}, {@link #CA}, {@link
 * #SERVER_NAME}), so a backend added by the API, the admin API, a reload or discovery brings its own:
 *
 * <pre>{@code
 * BackendSpec api = new BackendSpec("api-1", "https://10.0.0.5:8443", 1,
 *         BackendTlsOptions.none().withServerName("api.internal").withCaBundle(Path.of("internal-ca.pem")).tags());
 * }</pre>
 *
 * <p>Verification stays on unless {@code tls.verify} is {@code false} for the backend (or the proxy's settings turn it
 * off and the backend does not turn it on again). Immutable.
 *
 * @since 0.2
 */
public final class BackendTlsOptions {

    /** Tag: {@code true} or {@code false}, whether the backend's certificate and name are verified. */
    public static final String VERIFY = "tls.verify";
    /** Tag: a PEM bundle of CA certificates trusted for this backend instead of the proxy's. */
    public static final String CA = "tls.ca";
    /** Tag: the name sent as SNI and verified against the certificate instead of the address's host. */
    public static final String SERVER_NAME = "tls.serverName";

    private static final BackendTlsOptions NONE = new BackendTlsOptions(null, null, null);

    private final Boolean verify;
    private final Path caBundle;
    private final String serverName;

    private BackendTlsOptions(Boolean verify, Path caBundle, String serverName) {
        this.verify = verify;
        this.caBundle = caBundle;
        this.serverName = serverName;
    }

    /** No option of its own: the proxy's settings and the address's host. */
    public static BackendTlsOptions none() {
        return NONE;
    }

    /**
     * The options in a backend's tags; tags outside {@code tls.} are ignored.
     *
     * @throws IllegalArgumentException for an unknown {@code tls.} tag or a bad value, naming the tag, the value and
     *     what was expected
     */
    public static BackendTlsOptions fromTags(Map<String, String> tags) {
        BackendTlsOptions o = NONE;
        for (Map.Entry<String, String> e : tags.entrySet()) {
            String key = e.getKey();
            String value = e.getValue();
            if (!key.startsWith("tls.")) {
                continue;
            }
            switch (key) {
                case VERIFY:
                    if (!value.equals("true") && !value.equals("false")) {
                        throw new IllegalArgumentException(Checks.message(VERIFY, "'" + value + "'", "true or false"));
                    }
                    o = o.withVerify(Boolean.parseBoolean(value));
                    break;
                case CA:
                    o = o.withCaBundle(Path.of(value));
                    break;
                case SERVER_NAME:
                    o = o.withServerName(value);
                    break;
                default:
                    throw new IllegalArgumentException(Checks.message(
                            "tag", "'" + key + "'", "one of " + VERIFY + ", " + CA + ", " + SERVER_NAME));
            }
        }
        return o;
    }

    /** These options with verification on or off for this backend. */
    public BackendTlsOptions withVerify(boolean verify) {
        return new BackendTlsOptions(verify, caBundle, serverName);
    }

    /**
     * These options trusting the CA certificates of a PEM bundle for this backend.
     *
     * @throws IllegalArgumentException if the file is not readable
     */
    public BackendTlsOptions withCaBundle(Path pem) {
        requireNonNull(pem, CA);
        if (!Files.isRegularFile(pem) || !Files.isReadable(pem)) {
            throw new IllegalArgumentException(Checks.message(CA, "'" + pem + "'", "a readable PEM file"));
        }
        return new BackendTlsOptions(verify, pem, serverName);
    }

    /**
     * These options sending {@code name} as SNI and verifying the certificate against it.
     *
     * @throws IllegalArgumentException if {@code name} is not a DNS name or IP literal
     */
    public BackendTlsOptions withServerName(String name) {
        requireNonNull(name, SERVER_NAME);
        try {
            BackendAddress.of(BackendAddress.Scheme.HTTPS, name, 443);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    Checks.message(SERVER_NAME, "'" + name + "'", "a DNS name or an IP literal"), e);
        }
        return new BackendTlsOptions(verify, caBundle, name);
    }

    /** Whether verification is set for this backend: {@code null} when the proxy's setting applies. */
    public Boolean verify() {
        return verify;
    }

    /** The CA bundle of this backend, or {@code null}. */
    public Path caBundle() {
        return caBundle;
    }

    /** The name sent as SNI and verified, or {@code null} for the address's host. */
    public String serverName() {
        return serverName;
    }

    /** The tags that carry these options, to add to a backend's. */
    public Map<String, String> tags() {
        Map<String, String> tags = new LinkedHashMap<>();
        if (verify != null) {
            tags.put(VERIFY, verify.toString());
        }
        if (caBundle != null) {
            tags.put(CA, caBundle.toString());
        }
        if (serverName != null) {
            tags.put(SERVER_NAME, serverName);
        }
        return tags;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BackendTlsOptions other
                && Objects.equals(verify, other.verify)
                && Objects.equals(caBundle, other.caBundle)
                && Objects.equals(serverName, other.serverName);
    }

    @Override
    public int hashCode() {
        return Objects.hash(verify, caBundle, serverName);
    }

    @Override
    public String toString() {
        return "BackendTlsOptions" + tags();
    }
}
