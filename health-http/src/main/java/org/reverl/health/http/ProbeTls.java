package org.reverl.health.http;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import javax.net.ssl.SSLException;
import org.reverl.gateway.api.BackendTlsOptions;
import org.reverl.gateway.api.Checks;

/**
 * The client TLS contexts of one {@code http} probe: the probe's own {@code tls_verify} against its {@code tls_ca} or
 * the JDK's trusted roots, unless the backend's {@link BackendTlsOptions} say otherwise, as they do for the proxy's
 * connections to it (its {@code tls.verify}, its {@code tls.ca}); the probe's {@code tls_cert} and {@code tls_key}, when
 * set, presented to every backend that asks for a client certificate. A context is built when first needed and kept;
 * one that reads files (a CA bundle, the client certificate and key) is built again when one of them changes (its size
 * or modification time), so a replaced bundle or a renewed certificate is read at the next probe. Thread-safe.
 */
final class ProbeTls {

    /** A file as it was on disk when a context was built from it; {@code option} names it in errors. */
    private record FileState(String option, Path file, long size, long modified) {

        static FileState of(String option, Path file) {
            try {
                BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
                return new FileState(
                        option, file, a.size(), a.lastModifiedTime().toMillis());
            } catch (IOException e) {
                throw new IllegalStateException(
                        Checks.message(option, "'" + file + "'", "a readable PEM file") + ": " + e, e);
            }
        }
    }

    /**
     * What a context is built from: whether it verifies, the CA bundle it trusts ({@code null}: the JDK's roots, or
     * none when not verifying) and the client certificate and key ({@code null}: none).
     */
    private record Material(boolean verify, FileState ca, FileState cert, FileState key) {

        /** Whether {@code other} is this material with other file contents: the context it replaces. */
        boolean sameFiles(Material other) {
            return verify == other.verify && Objects.equals(path(ca), path(other.ca));
        }

        private static Path path(FileState f) {
            return f == null ? null : f.file();
        }
    }

    private final boolean verifyByDefault;
    private final Path caByDefault;
    private final Path clientCert;
    private final Path clientKey;
    private final ConcurrentMap<Material, SslContext> contexts = new ConcurrentHashMap<>();

    /**
     * @param verifyByDefault the probe's {@code tls_verify}
     * @param caByDefault the probe's {@code tls_ca}, or {@code null} for the JDK's trusted roots
     * @param clientCert the probe's {@code tls_cert}, or {@code null} for no client certificate
     * @param clientKey the probe's {@code tls_key}; {@code null} exactly when {@code clientCert} is ({@link
     *     HttpProbeSettings} holds them together)
     */
    ProbeTls(boolean verifyByDefault, Path caByDefault, Path clientCert, Path clientKey) {
        this.verifyByDefault = verifyByDefault;
        this.caByDefault = caByDefault;
        this.clientCert = clientCert;
        this.clientKey = clientKey;
    }

    /**
     * The context for a backend with these options.
     *
     * @throws IllegalStateException if a file cannot be read or does not hold what it should, naming the option (the
     *     backend's {@code tls.ca}, the probe's {@code tls_ca}, {@code tls_cert} or {@code tls_key}) and the file
     */
    SslContext context(BackendTlsOptions options) {
        boolean verify = options.verify() != null ? options.verify() : verifyByDefault;
        FileState ca = null;
        if (verify && (options.caBundle() != null || caByDefault != null)) {
            ca = options.caBundle() != null
                    ? FileState.of(BackendTlsOptions.CA, options.caBundle())
                    : FileState.of(HttpProbeSettings.TLS_CA, caByDefault);
        }
        FileState cert = clientCert == null ? null : FileState.of(HttpProbeSettings.TLS_CERT, clientCert);
        FileState key = clientKey == null ? null : FileState.of(HttpProbeSettings.TLS_KEY, clientKey);
        Material now = new Material(verify, ca, cert, key);
        SslContext context = contexts.get(now);
        if (context == null) {
            // a file changed: the context built from its old contents goes
            contexts.keySet().removeIf(m -> m.sameFiles(now) && !m.equals(now));
            context = contexts.computeIfAbsent(now, ProbeTls::build);
        }
        return context;
    }

    private static SslContext build(Material m) {
        SslContextBuilder builder =
                SslContextBuilder.forClient().endpointIdentificationAlgorithm(m.verify() ? "HTTPS" : null);
        try {
            if (!m.verify()) {
                builder.trustManager(InsecureTrustManagerFactory.INSTANCE);
            } else if (m.ca() != null) {
                builder.trustManager(m.ca().file().toFile());
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(
                    Checks.message(m.ca().option(), "'" + m.ca().file() + "'", "a PEM bundle of CA certificates"), e);
        }
        try {
            if (m.cert() != null) {
                builder.keyManager(m.cert().file().toFile(), m.key().file().toFile());
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(
                    Checks.message(
                            m.cert().option() + " and " + m.key().option(),
                            "'" + m.cert().file() + "', '" + m.key().file() + "'",
                            "a PEM certificate chain and its PEM (PKCS#8) private key"),
                    e);
        }
        try {
            return builder.build();
        } catch (SSLException | IllegalArgumentException e) {
            if (m.ca() != null && m.cert() == null) {
                throw new IllegalStateException(
                        Checks.message(m.ca().option(), "'" + m.ca().file() + "'", "a PEM bundle of CA certificates"),
                        e);
            }
            throw new IllegalStateException("cannot set up TLS for the http probe: " + e.getMessage(), e);
        }
    }
}
