package org.reverl.gateway.http;

import static java.util.Objects.requireNonNull;

import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.net.ssl.SSLException;

/**
 * How an {@link HttpProxyServer} speaks TLS to {@code https://} backends. By default the backend's certificate is
 * verified against the JDK's trust store, and its name against the host of the backend's address (which is also sent
 * as SNI); {@link #withCaBundle} trusts a PEM bundle instead, {@link #withClientCertificate} presents a certificate
 * (mutual TLS), and only {@link #insecure()} turns verification off. A backend may differ in these by its own
 * {@link org.reverl.gateway.api.BackendTlsOptions}. TLS 1.2 and 1.3 only. Sessions are cached per backend host and
 * port, so new pooled connections resume them. Immutable; equal settings share one client context (and its session
 * cache).
 *
 * @since 0.2
 */
public final class BackendTlsSettings {

    private static final BackendTlsSettings DEFAULTS =
            new BackendTlsSettings(null, null, null, true, TlsSettings.Provider.AUTO);

    private final Path caBundle;
    private final Path clientCertificate;
    private final Path clientKey;
    private final boolean verify;
    private final TlsSettings.Provider provider;

    private BackendTlsSettings(
            Path caBundle, Path clientCertificate, Path clientKey, boolean verify, TlsSettings.Provider provider) {
        this.caBundle = caBundle;
        this.clientCertificate = clientCertificate;
        this.clientKey = clientKey;
        this.verify = verify;
        this.provider = provider;
    }

    /** Verification on, against the JDK's trust store; no client certificate. */
    public static BackendTlsSettings defaults() {
        return DEFAULTS;
    }

    /**
     * Trusts the CA certificates of a PEM bundle instead of the JDK's trust store.
     *
     * @throws IllegalArgumentException if the file is not readable
     */
    public BackendTlsSettings withCaBundle(Path pem) {
        readable("backend tls caBundle", pem);
        return new BackendTlsSettings(pem, clientCertificate, clientKey, verify, provider);
    }

    /**
     * Presents this certificate chain (PEM, own certificate first) and PEM PKCS#8 key to backends that ask for one.
     *
     * @throws IllegalArgumentException if a file is not readable
     */
    public BackendTlsSettings withClientCertificate(Path certificateChain, Path privateKey) {
        readable("backend tls client certificate", certificateChain);
        readable("backend tls client key", privateKey);
        return new BackendTlsSettings(caBundle, certificateChain, privateKey, verify, provider);
    }

    /**
     * No verification at all: any certificate, any name. Only for a backend network the operator trusts as much as the
     * loopback interface; it is never the default.
     */
    public BackendTlsSettings insecure() {
        return new BackendTlsSettings(caBundle, clientCertificate, clientKey, false, provider);
    }

    /**
     * These settings with verification on or off; {@code false} is {@link #insecure()}.
     *
     * @since 0.2
     */
    public BackendTlsSettings withVerify(boolean verify) {
        return verify == this.verify
                ? this
                : new BackendTlsSettings(caBundle, clientCertificate, clientKey, verify, provider);
    }

    /** These settings with {@code provider}. */
    public BackendTlsSettings withProvider(TlsSettings.Provider provider) {
        return new BackendTlsSettings(
                caBundle, clientCertificate, clientKey, verify, requireNonNull(provider, "provider"));
    }

    /** Whether backends' certificates and names are verified. */
    public boolean verifies() {
        return verify;
    }

    /** The PEM bundle trusted instead of the JDK's trust store, or {@code null}. */
    public Path caBundle() {
        return caBundle;
    }

    /**
     * The client certificate chain presented to backends that ask for one, or {@code null}.
     *
     * @since 0.3
     */
    public Path clientCertificate() {
        return clientCertificate;
    }

    /**
     * The private key of {@link #clientCertificate()}, or {@code null}.
     *
     * @since 0.3
     */
    public Path clientKey() {
        return clientKey;
    }

    /**
     * The files these settings read when a context is built: the CA bundle, the client certificate and key, those set.
     *
     * @since 0.2
     */
    public java.util.List<Path> files() {
        java.util.List<Path> files = new java.util.ArrayList<>(3);
        for (Path p : new Path[] {caBundle, clientCertificate, clientKey}) {
            if (p != null) {
                files.add(p);
            }
        }
        return java.util.List.copyOf(files);
    }

    /**
     * Builds the client context, reading the files now.
     *
     * @throws SSLException if the material cannot be loaded or the provider is unavailable
     */
    public SslContext newClientContext() throws SSLException {
        boolean openssl = provider == TlsSettings.Provider.OPENSSL
                || provider == TlsSettings.Provider.AUTO && OpenSsl.isAvailable();
        if (provider == TlsSettings.Provider.OPENSSL && !OpenSsl.isAvailable()) {
            throw new SSLException("OpenSSL is not available: " + OpenSsl.unavailabilityCause());
        }
        try {
            SslContextBuilder b = SslContextBuilder.forClient()
                    .sslProvider(openssl ? SslProvider.OPENSSL : SslProvider.JDK)
                    .protocols(TlsSettings.PROTOCOLS)
                    .ciphers(TlsSettings.CIPHERS, io.netty.handler.ssl.SupportedCipherSuiteFilter.INSTANCE);
            if (!verify) {
                b.trustManager(InsecureTrustManagerFactory.INSTANCE).endpointIdentificationAlgorithm(null);
            } else {
                b.endpointIdentificationAlgorithm("HTTPS");
                if (caBundle != null) {
                    b.trustManager(caBundle.toFile());
                }
            }
            if (clientCertificate != null) {
                b.keyManager(clientCertificate.toFile(), clientKey.toFile());
            }
            return b.build();
        } catch (SSLException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new SSLException("cannot load the backend TLS material: " + e.getMessage(), e);
        }
    }

    private static void readable(String what, Path file) {
        requireNonNull(file, what);
        if (!Files.isReadable(file)) {
            throw new IllegalArgumentException(what + ": " + file + " (expected: a readable file)");
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BackendTlsSettings other
                && verify == other.verify
                && provider == other.provider
                && java.util.Objects.equals(caBundle, other.caBundle)
                && java.util.Objects.equals(clientCertificate, other.clientCertificate)
                && java.util.Objects.equals(clientKey, other.clientKey);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(caBundle, clientCertificate, clientKey, verify, provider);
    }

    @Override
    public String toString() {
        return "BackendTlsSettings{verify=" + verify + (caBundle != null ? ", caBundle=" + caBundle : "")
                + (clientCertificate != null ? ", clientCertificate=" + clientCertificate : "") + ", provider="
                + provider + '}';
    }
}
