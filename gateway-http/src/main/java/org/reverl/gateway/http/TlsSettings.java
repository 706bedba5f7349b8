package org.reverl.gateway.http;

import static java.util.Objects.requireNonNull;

import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLException;

/**
 * The certificate and key an {@link HttpProxyServer} terminates TLS with. TLS 1.2 and 1.3 only; ALPN advertises
 * {@code http/1.1}. OpenSSL (netty-tcnative, e.g. {@code netty-tcnative-boringssl-static}) is used when it is on the
 * class path, the JDK's provider otherwise. Immutable.
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

    private final Source source;
    private final Provider provider;

    private TlsSettings(Source source, Provider provider) {
        this.source = source;
        this.provider = provider;
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
        return provider == this.provider ? this : new TlsSettings(source, provider);
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

    /** Builds the Netty server context; called once when a server starts. */
    SslContext newServerContext() throws SSLException {
        Provider effective = effectiveProvider();
        if (effective == Provider.OPENSSL && !OpenSsl.isAvailable()) {
            throw new SSLException("OpenSSL is not available: " + OpenSsl.unavailabilityCause());
        }
        try {
            return source.builder(null)
                    .sslProvider(effective == Provider.OPENSSL ? SslProvider.OPENSSL : SslProvider.JDK)
                    .protocols(PROTOCOLS)
                    .applicationProtocolConfig(new ApplicationProtocolConfig(
                            ApplicationProtocolConfig.Protocol.ALPN,
                            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                            ApplicationProtocolNames.HTTP_1_1))
                    .build();
        } catch (SSLException e) {
            throw e;
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            throw new SSLException("cannot load the TLS certificate or key: " + e.getMessage(), e);
        }
    }

    private static void readable(String what, Path file) {
        requireNonNull(file, what);
        if (!Files.isReadable(file)) {
            throw new IllegalArgumentException(what + ": " + file + " (expected: a readable file)");
        }
    }

    @Override
    public String toString() {
        return "TlsSettings{provider=" + provider + '}';
    }

    @FunctionalInterface
    private interface Source {
        SslContextBuilder builder(Void unused) throws IOException, GeneralSecurityException;
    }
}
