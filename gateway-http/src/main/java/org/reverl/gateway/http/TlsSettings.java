package org.reverl.gateway.http;

import static java.util.Objects.requireNonNull;

import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import io.netty.util.DomainWildcardMappingBuilder;
import io.netty.util.Mapping;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLException;
import javax.net.ssl.X509TrustManager;

/**
 * The certificate and key an {@link HttpProxyServer} terminates TLS with, and more certificates chosen by the name the
 * client asks for (SNI, {@link #withSniCertificate}). TLS 1.2 and 1.3 only, with the {@link #CIPHERS} listed; ALPN
 * advertises {@code http/1.1}. OpenSSL (netty-tcnative, e.g. {@code netty-tcnative-boringssl-static}) is used when it
 * is on the class path, the JDK's provider otherwise. Immutable.
 */
public final class TlsSettings {

    /** Which TLS implementation to use. */
    public enum Provider {
        /** OpenSSL if netty-tcnative is available, else the JDK. */
        AUTO,
        /** The JDK's {@code SSLEngine}. */
        JDK,
        /** OpenSSL through netty-tcnative; fails at start if it is not available. */
        OPENSSL
    }

    /** The protocols enabled, newest first. */
    public static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    /**
     * The cipher suites enabled, in order of preference: the three of TLS 1.3, and for TLS 1.2 only ECDHE (forward
     * secrecy) with AES-GCM or ChaCha20-Poly1305 (AEAD), as Mozilla's "intermediate" profile. No CBC, no RSA key
     * exchange, no SHA-1 MAC. Used both in front and towards {@code https://} backends.
     */
    public static final List<String> CIPHERS = List.of(
            "TLS_AES_128_GCM_SHA256",
            "TLS_AES_256_GCM_SHA384",
            "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

    private static final java.util.regex.Pattern DNS_NAME = java.util.regex.Pattern.compile(
            "(\\*\\.)?[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+");

    private final Source source;
    private final Provider provider;
    /** Certificates chosen by SNI, in the order added; each name in lower case. */
    private final List<Map.Entry<String, TlsSettings>> byName;

    private TlsSettings(Source source, Provider provider) {
        this(source, provider, List.of());
    }

    private TlsSettings(Source source, Provider provider, List<Map.Entry<String, TlsSettings>> byName) {
        this.source = source;
        this.provider = provider;
        this.byName = byName;
    }

    /**
     * These settings, and {@code certificate} for the clients that ask for {@code name} by SNI: an exact DNS name
     * ({@code api.example.com}) or a wildcard for one label ({@code *.example.com} matches {@code a.example.com}, not
     * {@code example.com} nor {@code a.b.example.com}). An exact name wins over a wildcard; a client that sends no
     * name, or one no entry matches, gets this certificate (the default).
     *
     * @throws IllegalArgumentException if {@code name} is not such a name, is listed already, or {@code certificate}
     *     has SNI certificates of its own
     */
    public TlsSettings withSniCertificate(String name, TlsSettings certificate) {
        requireNonNull(certificate, "certificate");
        String n = sniName(name);
        if (!certificate.byName.isEmpty()) {
            throw new IllegalArgumentException(
                    "sni certificate for '" + name + "': has SNI certificates of its own (expected: one certificate)");
        }
        for (Map.Entry<String, TlsSettings> e : byName) {
            if (e.getKey().equals(n)) {
                throw new IllegalArgumentException(
                        org.reverl.gateway.api.Checks.message("sni name", "'" + name + "'", "each name once"));
            }
        }
        List<Map.Entry<String, TlsSettings>> next = new java.util.ArrayList<>(byName);
        next.add(Map.entry(n, certificate));
        return new TlsSettings(source, provider, List.copyOf(next));
    }

    /** What {@link #sniName} accepts, for error messages. */
    public static final String SNI_NAME_FORM = "a DNS name with a dot, or *. and one, e.g. *.example.com";

    /**
     * A name a certificate is chosen by, in lower case: an exact DNS name with at least one dot, or {@code *.} and such
     * a name (a wildcard for one label).
     *
     * @throws IllegalArgumentException if {@code name} is neither, naming it and what was expected
     * @since 0.2
     */
    public static String sniName(String name) {
        requireNonNull(name, "name");
        String n = name.trim().toLowerCase(java.util.Locale.ROOT);
        if (!DNS_NAME.matcher(n).matches()) {
            throw new IllegalArgumentException(
                    org.reverl.gateway.api.Checks.message("sni name", "'" + name + "'", SNI_NAME_FORM));
        }
        return n;
    }

    /** The names with a certificate of their own, in the order added. */
    public List<String> sniNames() {
        return byName.stream().map(Map.Entry::getKey).toList();
    }

    /**
     * A PEM certificate chain (server certificate first) and its PEM PKCS#8 private key, unencrypted.
     *
     * @throws IllegalArgumentException if a file is not readable
     */
    public static TlsSettings pem(Path certificateChain, Path privateKey) {
        readable("tls certificate", certificateChain);
        readable("tls key", privateKey);
        return new TlsSettings(
                b -> {
                    // the JDK reads a PKCS#8 key; Netty's own reading would load BouncyCastle when it is present
                    PrivateKey key = PemFiles.privateKey(privateKey);
                    return key != null
                            ? SslContextBuilder.forServer(key, PemFiles.certificates(certificateChain))
                            : SslContextBuilder.forServer(certificateChain.toFile(), privateKey.toFile());
                },
                Provider.AUTO);
    }

    /**
     * A PKCS#12 key store holding one private key entry and its certificate chain.
     *
     * @throws IllegalArgumentException if the file is not readable
     */
    public static TlsSettings pkcs12(Path keyStore, char[] password) {
        readable("tls keystore", keyStore);
        char[] pass = requireNonNull(password, "password").clone();
        return new TlsSettings(
                b -> {
                    KeyStore ks = KeyStore.getInstance("PKCS12");
                    try (InputStream in = Files.newInputStream(keyStore)) {
                        ks.load(in, pass);
                    }
                    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                    kmf.init(ks, pass);
                    return SslContextBuilder.forServer(kmf);
                },
                Provider.AUTO);
    }

    /** A key and its certificate chain, server certificate first; e.g. a generated self-signed one. */
    public static TlsSettings of(PrivateKey key, X509Certificate... chain) {
        requireNonNull(key, "key");
        if (chain.length == 0) {
            throw new IllegalArgumentException("chain: [] (expected: at least one certificate)");
        }
        X509Certificate[] copy = chain.clone();
        return new TlsSettings(b -> SslContextBuilder.forServer(key, copy), Provider.AUTO);
    }

    /** These settings with {@code provider}. */
    public TlsSettings withProvider(Provider provider) {
        requireNonNull(provider, "provider");
        return provider == this.provider ? this : new TlsSettings(source, provider, byName);
    }

    /** The provider asked for. */
    public Provider provider() {
        return provider;
    }

    /** The provider that will be used here: {@link Provider#AUTO} resolved. */
    public Provider effectiveProvider() {
        if (provider == Provider.AUTO) {
            return OpenSsl.isAvailable() ? Provider.OPENSSL : Provider.JDK;
        }
        return provider;
    }

    /**
     * Builds a Netty server context from these settings, reading the certificate and key now: TLS 1.2 and 1.3, ALPN
     * {@code http/1.1}. The proxy calls it when it starts or is reconfigured; other servers of the same process (the
     * admin port) use it to serve the same kinds of certificates.
     *
     * @throws SSLException if the material cannot be loaded or the provider is unavailable
     * @since 0.2
     */
    public SslContext newServerContext() throws SSLException {
        return newServerContext(false);
    }

    /**
     * {@link #newServerContext()}, offering {@code h2} by ALPN before {@code http/1.1} if {@code http2}.
     *
     * @throws SSLException if the material cannot be loaded or the provider is unavailable
     * @since 0.2
     */
    public SslContext newServerContext(boolean http2) throws SSLException {
        Provider effective = effectiveProvider();
        if (effective == Provider.OPENSSL && !OpenSsl.isAvailable()) {
            throw new SSLException("OpenSSL is not available: " + OpenSsl.unavailabilityCause());
        }
        try {
            return source.builder(null)
                    .sslProvider(effective == Provider.OPENSSL ? SslProvider.OPENSSL : SslProvider.JDK)
                    .protocols(PROTOCOLS)
                    .ciphers(CIPHERS, SupportedCipherSuiteFilter.INSTANCE)
                    .trustManager(NoClientCertificates.INSTANCE)
                    .applicationProtocolConfig(new ApplicationProtocolConfig(
                            ApplicationProtocolConfig.Protocol.ALPN,
                            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                            http2
                                    ? List.of(ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1)
                                    : List.of(ApplicationProtocolNames.HTTP_1_1)))
                    .build();
        } catch (SSLException e) {
            throw e;
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            throw new SSLException("cannot load the TLS certificate or key: " + e.getMessage(), e);
        }
    }

    /**
     * The contexts chosen by SNI, {@code defaultContext} for any other name or none; {@code null} when these settings
     * have no SNI certificates (one context serves every client, and no client hello is parsed for a name). Reads
     * every certificate and key now; the proxy calls it with {@link #newServerContext()} when it starts or is
     * reconfigured (a reload), so a replaced certificate is served to the connections accepted from then on.
     *
     * @throws SSLException if a certificate or key cannot be loaded
     * @since 0.2
     */
    public Mapping<String, SslContext> newSniMapping(SslContext defaultContext) throws SSLException {
        return newSniMapping(defaultContext, false);
    }

    /**
     * {@link #newSniMapping(SslContext)}, each context offering {@code h2} by ALPN if {@code http2}.
     *
     * @throws SSLException if a certificate or key cannot be loaded
     * @since 0.2
     */
    public Mapping<String, SslContext> newSniMapping(SslContext defaultContext, boolean http2) throws SSLException {
        if (byName.isEmpty()) {
            return null;
        }
        DomainWildcardMappingBuilder<SslContext> b = new DomainWildcardMappingBuilder<>(defaultContext);
        for (Map.Entry<String, TlsSettings> e : byName) {
            b.add(e.getKey(), e.getValue().withProvider(provider).newServerContext(http2));
        }
        return b.build();
    }

    private static void readable(String what, Path file) {
        requireNonNull(file, what);
        if (!Files.isReadable(file)) {
            throw new IllegalArgumentException(what + ": " + file + " (expected: a readable file)");
        }
    }

    @Override
    public String toString() {
        return "TlsSettings{provider=" + provider + (byName.isEmpty() ? "" : ", sni=" + sniNames()) + '}';
    }

    /**
     * The trust of a listener that never asks for a client certificate: it trusts none. Without it, Netty builds the
     * JDK's default trust manager for every server context, which parses the JDK's whole CA store (about 140
     * certificates: about 1 MB of a TLS proxy's live heap) for checks that never run.
     */
    static final class NoClientCertificates implements X509TrustManager {
        static final NoClientCertificates INSTANCE = new NoClientCertificates();

        private NoClientCertificates() {}

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("this listener does not accept client certificates");
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("a listener's trust does not verify servers");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }

    @FunctionalInterface
    private interface Source {
        SslContextBuilder builder(Void unused) throws IOException, GeneralSecurityException;
    }
}
