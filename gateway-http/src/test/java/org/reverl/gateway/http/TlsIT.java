package org.reverl.gateway.http;

import static java.time.temporal.ChronoUnit.DAYS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** HTTPS front-end: a client that trusts only the generated certificate gets through; TLS 1.1 is refused. */
class TlsIT {

    static X509Bundle cert;
    static TestBackend backend;

    @BeforeAll
    static void start() throws Exception {
        cert = new CertificateBuilder()
                .subject("CN=localhost")
                .addSanDnsName("localhost")
                .addSanIpAddress("127.0.0.1")
                .notBefore(Instant.now().minus(1, DAYS))
                .notAfter(Instant.now().plus(1, DAYS))
                .setIsCertificateAuthority(true)
                .buildSelfSigned();
        backend = TestBackend.start("b1");
    }

    @AfterAll
    static void stop() throws Exception {
        backend.close();
    }

    /** The front end's settings with the generated certificate. */
    private static TlsSettings settings(TlsSettings.Provider provider) {
        return TlsSettings.of(cert.getKeyPair().getPrivate(), cert.getCertificate())
                .withProvider(provider);
    }

    private static SSLContext trustingOnly(X509Bundle bundle) throws Exception {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, trustManagersFor(bundle), null);
        return ctx;
    }

    private static TrustManager[] trustManagersFor(X509Bundle bundle) throws Exception {
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        ks.load(null, null);
        ks.setCertificateEntry("server", bundle.getCertificate());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        return tmf.getTrustManagers();
    }

    @ParameterizedTest
    @EnumSource(
            value = TlsSettings.Provider.class,
            names = {"JDK", "OPENSSL"})
    void https_trustedCertificate_throughAndForwardedProtoHttps(TlsSettings.Provider provider) throws Exception {
        TlsSettings tls = settings(provider);
        try (ProxyFixture fx = new ProxyFixture(List.of(backend.address()), c -> c.tls(tls))) {
            assertThat(fx.proxy.tlsProvider()).isEqualTo(provider.name().toLowerCase());
            HttpClient client = HttpClient.newBuilder()
                    .sslContext(trustingOnly(cert))
                    .version(HttpClient.Version.HTTP_1_1)
                    .build();
            String base = "https://127.0.0.1:" + fx.address().getPort();
            HttpResponse<String> r = client.send(
                    HttpRequest.newBuilder(java.net.URI.create(base + "/echo")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).contains("x-forwarded-proto: https\n");
            for (int i = 0; i < 20; i++) {
                assertThat(client.send(
                                        HttpRequest.newBuilder(java.net.URI.create(base + "/"))
                                                .build(),
                                        HttpResponse.BodyHandlers.ofString())
                                .body())
                        .isEqualTo("b1");
            }

            // TLS 1.1 is refused
            try (SSLSocket s = (SSLSocket) trustingOnly(cert)
                    .getSocketFactory()
                    .createSocket("127.0.0.1", fx.address().getPort())) {
                s.setEnabledProtocols(new String[] {"TLSv1.1"});
                s.setSoTimeout(5000);
                assertThatThrownBy(s::startHandshake).isInstanceOf(SSLException.class);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(
            value = TlsSettings.Provider.class,
            names = {"JDK", "OPENSSL"})
    void clientCertificate_neitherAskedForNorTrusted(TlsSettings.Provider provider) throws Exception {
        TlsSettings tls = settings(provider);
        X509Bundle client = new CertificateBuilder()
                .subject("CN=client")
                .notBefore(Instant.now().minus(1, DAYS))
                .notAfter(Instant.now().plus(1, DAYS))
                .setIsCertificateAuthority(true)
                .buildSelfSigned();
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setKeyEntry(
                "client", client.getKeyPair().getPrivate(), "pw".toCharArray(), new java.security.cert.Certificate[] {
                    client.getCertificate()
                });
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, "pw".toCharArray());
        SSLContext withCertificate = SSLContext.getInstance("TLS");
        withCertificate.init(kmf.getKeyManagers(), trustManagersFor(cert), null);
        try (ProxyFixture fx = new ProxyFixture(List.of(backend.address()), c -> c.tls(tls));
                SSLSocket s = (SSLSocket) withCertificate
                        .getSocketFactory()
                        .createSocket("127.0.0.1", fx.address().getPort())) {
            s.setSoTimeout(5000);
            s.startHandshake();
            // the listener does not ask for one, so the client sends none
            assertThat(s.getSession().getLocalCertificates()).isNull();
        }
        // and the trust behind the listener would accept none if it were asked
        assertThatThrownBy(() -> TlsSettings.NoClientCertificates.INSTANCE.checkClientTrusted(
                        new X509Certificate[] {client.getCertificate()}, "RSA"))
                .isInstanceOf(CertificateException.class)
                .hasMessageContaining("does not accept client certificates");
        assertThat(TlsSettings.NoClientCertificates.INSTANCE.getAcceptedIssuers())
                .isEmpty();
    }
}
