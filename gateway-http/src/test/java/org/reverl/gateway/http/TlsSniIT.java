package org.reverl.gateway.http;

import static java.time.temporal.ChronoUnit.DAYS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Several certificates on one listener, chosen by SNI (exact, wildcard, default), a certificate replaced by a
 * reconfiguration, and the TLS 1.2 cipher list.
 */
class TlsSniIT {

    static X509Bundle ca;
    static TestBackend backend;
    static ProxyFixture fx;

    static X509Bundle cert(String cn, String... names) throws Exception {
        CertificateBuilder b = new CertificateBuilder()
                .subject("CN=" + cn)
                .notBefore(Instant.now().minus(1, DAYS))
                .notAfter(Instant.now().plus(1, DAYS));
        for (String n : names) {
            b.addSanDnsName(n);
        }
        return b.buildIssuedBy(ca);
    }

    static TlsSettings settings(X509Bundle bundle) {
        return TlsSettings.of(bundle.getKeyPair().getPrivate(), bundle.getCertificatePath());
    }

    @BeforeAll
    static void start() throws Exception {
        ca = new CertificateBuilder()
                .subject("CN=Reverl Test CA")
                .setIsCertificateAuthority(true)
                .notBefore(Instant.now().minus(1, DAYS))
                .notAfter(Instant.now().plus(1, DAYS))
                .buildSelfSigned();
        backend = TestBackend.start("b1");
        TlsSettings tls = settings(cert("default", "default.test"))
                .withSniCertificate("api.example.test", settings(cert("api", "api.example.test")))
                .withSniCertificate("*.example.test", settings(cert("wildcard")));
        fx = new ProxyFixture(List.of(backend.address()), b -> b.tls(tls));
    }

    @AfterAll
    static void stop() throws Exception {
        fx.close();
        backend.close();
    }

    /** The certificate the proxy presents to a client asking for {@code sni} ({@code null}: no SNI). */
    static X509Certificate presented(String sni, String cipher) throws Exception {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, new javax.net.ssl.TrustManager[] {ca.toTrustManager()}, null);
        try (SSLSocket s = (SSLSocket)
                ctx.getSocketFactory().createSocket("127.0.0.1", fx.address().getPort())) {
            s.setSoTimeout(5000);
            SSLParameters p = s.getSSLParameters();
            p.setServerNames(sni == null ? List.of() : List.of(new SNIHostName(sni)));
            if (cipher != null) {
                p.setProtocols(new String[] {"TLSv1.2"});
                p.setCipherSuites(new String[] {cipher});
            }
            s.setSSLParameters(p);
            s.startHandshake();
            return (X509Certificate) s.getSession().getPeerCertificates()[0];
        }
    }

    @ParameterizedTest
    @CsvSource({
        "api.example.test, CN=api",
        "www.example.test, CN=wildcard",
        "a.b.example.test, CN=default",
        "example.test, CN=default",
        "other.test, CN=default"
    })
    void certificateChosenByName_exactBeforeWildcard_defaultOtherwise(String sni, String subject) throws Exception {
        assertThat(presented(sni, null).getSubjectX500Principal().getName()).isEqualTo(subject);
    }

    @Test
    void noServerName_defaultCertificate() throws Exception {
        assertThat(presented(null, null).getSubjectX500Principal().getName()).isEqualTo("CN=default");
    }

    /** The test certificates have EC keys: the same key exchange with CBC instead of GCM is refused. */
    @Test
    void tls12_onlyEcdheWithAeadCiphers() throws Exception {
        assertThat(presented("api.example.test", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256")
                        .getSubjectX500Principal()
                        .getName())
                .isEqualTo("CN=api");
        assertThatThrownBy(() -> presented("api.example.test", "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256"))
                .isInstanceOf(SSLException.class);
        assertThatThrownBy(() -> presented("api.example.test", "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA"))
                .isInstanceOf(SSLException.class);
    }

    @Test
    void certificateReplaced_byReconfigure_newConnectionsGetIt() throws Exception {
        TestBackend b = TestBackend.start("b2");
        TlsSettings first = settings(cert("first", "first.test"));
        try (ProxyFixture own = new ProxyFixture(List.of(b.address()), c -> c.tls(first))) {
            assertThat(subjectOn(own, null)).isEqualTo("CN=first");
            own.proxy.reconfigure(own.proxy.config().toBuilder()
                    .tls(settings(cert("second", "second.test"))
                            .withSniCertificate("api.example.test", settings(cert("api2", "api.example.test"))))
                    .build());
            assertThat(subjectOn(own, null)).isEqualTo("CN=second");
            assertThat(subjectOn(own, "api.example.test")).isEqualTo("CN=api2");
        } finally {
            b.close();
        }
    }

    private static String subjectOn(ProxyFixture f, String sni) throws Exception {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, new javax.net.ssl.TrustManager[] {ca.toTrustManager()}, null);
        try (SSLSocket s = (SSLSocket)
                ctx.getSocketFactory().createSocket("127.0.0.1", f.address().getPort())) {
            s.setSoTimeout(5000);
            SSLParameters p = s.getSSLParameters();
            p.setServerNames(sni == null ? List.of() : List.of(new SNIHostName(sni)));
            s.setSSLParameters(p);
            s.startHandshake();
            return ((X509Certificate) s.getSession().getPeerCertificates()[0])
                    .getSubjectX500Principal()
                    .getName();
        }
    }

    @Test
    void sniName_validated() {
        TlsSettings base = TlsSettings.of(ca.getKeyPair().getPrivate(), ca.getCertificate());
        assertThatThrownBy(() -> base.withSniCertificate("localhost", base))
                .hasMessageContaining("sni name: 'localhost' (expected: a DNS name with a dot");
        assertThatThrownBy(() -> base.withSniCertificate("a.*.test", base)).hasMessageContaining("'a.*.test'");
        assertThatThrownBy(() -> base.withSniCertificate("a.test", base).withSniCertificate("A.test", base))
                .hasMessageContaining("each name once");
    }
}
