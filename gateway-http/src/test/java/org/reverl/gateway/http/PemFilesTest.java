package org.reverl.gateway.http;

import static java.time.temporal.ChronoUnit.DAYS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.handler.ssl.SslContext;
import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.CertificateException;
import java.time.Instant;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class PemFilesTest {

    @TempDir
    Path dir;

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                        .encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    @ParameterizedTest
    @ValueSource(strings = {"RSA", "EC", "Ed25519"})
    void pkcs8Key_readByTheJdk_sameKey(String algorithm) throws Exception {
        KeyPair pair = KeyPairGenerator.getInstance(algorithm).generateKeyPair();
        Path file = Files.writeString(
                dir.resolve("key.pem"), pem("PRIVATE KEY", pair.getPrivate().getEncoded()));

        assertThat(PemFiles.privateKey(file)).isEqualTo(pair.getPrivate());
    }

    @Test
    void otherKeyForms_leftToNetty() throws Exception {
        Path pkcs1 = Files.writeString(dir.resolve("rsa.pem"), pem("RSA PRIVATE KEY", new byte[] {48, 0}));
        Path encrypted = Files.writeString(dir.resolve("enc.pem"), pem("ENCRYPTED PRIVATE KEY", new byte[] {48, 0}));

        assertThat(PemFiles.privateKey(pkcs1)).isNull();
        assertThat(PemFiles.privateKey(encrypted)).isNull();
    }

    @Test
    void pkcs8OfNoKnownAlgorithm_failsNamingTheFile() throws Exception {
        Path file = Files.writeString(dir.resolve("bad.pem"), pem("PRIVATE KEY", new byte[] {48, 3, 2, 1, 0}));

        assertThatThrownBy(() -> PemFiles.privateKey(file)).hasMessageContaining(file.toString());
    }

    @Test
    void certificates_inFileOrder_noneIsAnError() throws Exception {
        X509Bundle a = selfSigned("CN=a");
        X509Bundle b = selfSigned("CN=b");
        Path chain = Files.writeString(
                dir.resolve("chain.pem"),
                pem("CERTIFICATE", a.getCertificate().getEncoded())
                        + pem("CERTIFICATE", b.getCertificate().getEncoded()));
        Path empty = Files.writeString(dir.resolve("empty.pem"), "");

        assertThat(PemFiles.certificates(chain)).containsExactly(a.getCertificate(), b.getCertificate());
        assertThatThrownBy(() -> PemFiles.certificates(empty))
                .isInstanceOf(CertificateException.class)
                .hasMessageContaining("no certificate");
    }

    @ParameterizedTest
    @EnumSource(
            value = TlsSettings.Provider.class,
            names = {"JDK", "OPENSSL"})
    void pemSettings_buildAServerContext(TlsSettings.Provider provider) throws Exception {
        X509Bundle bundle = selfSigned("CN=localhost");
        Path cert = Files.writeString(
                dir.resolve("cert.pem"),
                pem("CERTIFICATE", bundle.getCertificate().getEncoded()));
        Path key = Files.writeString(
                dir.resolve("key.pem"),
                pem("PRIVATE KEY", bundle.getKeyPair().getPrivate().getEncoded()));

        SslContext ctx = TlsSettings.pem(cert, key).withProvider(provider).newServerContext();

        assertThat(ctx.isServer()).isTrue();
    }

    private static X509Bundle selfSigned(String subject) throws Exception {
        return new CertificateBuilder()
                .subject(subject)
                .notBefore(Instant.now().minus(1, DAYS))
                .notAfter(Instant.now().plus(1, DAYS))
                .setIsCertificateAuthority(true)
                .buildSelfSigned();
    }
}
