package org.reverl.health.http;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import javax.net.ssl.SSLException;
import org.reverl.gateway.api.BackendTlsOptions;
import org.reverl.gateway.api.Checks;

/**
 * The client TLS contexts of one {@code http} probe: the probe's own {@code tls_verify} against its {@code tls_ca} or
 * the JDK's trusted roots, unless the backend's {@link BackendTlsOptions} say otherwise, as they do for the proxy's
 * connections to it (its {@code tls.verify}, its {@code tls.ca}). A context is built when first needed and kept; one
 * for a CA bundle is built again when the file changes (its size or modification time), so a replaced bundle is read
 * at the next probe. Thread-safe.
 */
final class ProbeTls {

    /** A CA bundle as it was on disk when its context was built. */
    private record Bundle(Path file, long size, long modified) {}

    /** The keys of the contexts without a CA bundle of their own. */
    private static final Object VERIFYING = "verifying against the JDK's roots";

    private static final Object TRUSTING_ALL = "trusting any certificate";

    private final boolean verifyByDefault;
    private final Path caByDefault;
    private final ConcurrentMap<Object, SslContext> contexts = new ConcurrentHashMap<>();
    private final ConcurrentMap<Path, Bundle> bundles = new ConcurrentHashMap<>();

    /**
     * @param verifyByDefault the probe's {@code tls_verify}
     * @param caByDefault the probe's {@code tls_ca}, or {@code null} for the JDK's trusted roots
     */
    ProbeTls(boolean verifyByDefault, Path caByDefault) {
        this.verifyByDefault = verifyByDefault;
        this.caByDefault = caByDefault;
    }

    /**
     * The context for a backend with these options.
     *
     * @throws IllegalStateException if the CA bundle cannot be read or holds no certificate, naming the option (the
     *     backend's {@code tls.ca} or the probe's {@code tls_ca}) and the file
     */
    SslContext context(BackendTlsOptions options) {
        boolean verify = options.verify() != null ? options.verify() : verifyByDefault;
        if (!verify) {
            return contexts.computeIfAbsent(TRUSTING_ALL, k -> build(false, null, null));
        }
        String option = options.caBundle() != null ? BackendTlsOptions.CA : HttpProbeSettings.TLS_CA;
        Path ca = options.caBundle() != null ? options.caBundle() : caByDefault;
        if (ca == null) {
            return contexts.computeIfAbsent(VERIFYING, k -> build(true, null, null));
        }
        Bundle now = bundle(option, ca);
        Bundle before = bundles.put(ca, now);
        if (before != null && !before.equals(now)) {
            contexts.remove(before);
        }
        return contexts.computeIfAbsent(now, k -> build(true, ca, option));
    }

    private static Bundle bundle(String option, Path ca) {
        try {
            BasicFileAttributes a = Files.readAttributes(ca, BasicFileAttributes.class);
            return new Bundle(ca, a.size(), a.lastModifiedTime().toMillis());
        } catch (IOException e) {
            throw new IllegalStateException(
                    Checks.message(option, "'" + ca + "'", "a readable PEM file") + ": " + e, e);
        }
    }

    private static SslContext build(boolean verify, Path caBundle, String option) {
        try {
            SslContextBuilder builder =
                    SslContextBuilder.forClient().endpointIdentificationAlgorithm(verify ? "HTTPS" : null);
            if (!verify) {
                builder.trustManager(InsecureTrustManagerFactory.INSTANCE);
            } else if (caBundle != null) {
                builder.trustManager(caBundle.toFile());
            }
            return builder.build();
        } catch (SSLException | IllegalArgumentException e) {
            if (caBundle != null) {
                throw new IllegalStateException(
                        Checks.message(option, "'" + caBundle + "'", "a PEM bundle of CA certificates"), e);
            }
            throw new IllegalStateException("cannot set up TLS for the http probe: " + e.getMessage(), e);
        }
    }
}
