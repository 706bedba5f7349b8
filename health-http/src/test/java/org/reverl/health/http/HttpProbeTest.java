package org.reverl.health.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reverl.gateway.api.Backend;
import org.reverl.gateway.api.BackendAddress;
import org.reverl.gateway.api.BackendSpec;
import org.reverl.gateway.api.BackendTlsOptions;
import org.reverl.gateway.api.LivenessProbe;
import org.reverl.gateway.api.LivenessProbeProvider;
import org.reverl.gateway.api.ProbeResult;
import org.reverl.gateway.testing.FakeBackend;

class HttpProbeTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private HealthServer server;

    @AfterEach
    void tearDown() {
        if (server != null) {
            server.close();
        }
    }

    private static Backend backend(String address) {
        return FakeBackend.of(BackendSpec.of("b1", address));
    }

    private static LivenessProbe probe(Map<String, String> options) {
        return new HttpProbeProvider().create(options);
    }

    private static ProbeResult run(LivenessProbe probe, String address, Duration timeout) throws Exception {
        return probe.probe(backend(address), timeout)
                .toCompletableFuture()
                .get(timeout.toMillis() + 5_000, TimeUnit.MILLISECONDS);
    }

    private String local() {
        return "http://127.0.0.1:" + server.port();
    }

    @Test
    void foundByServiceLoader_checksHttpAndHttpsAddressesOnly() {
        List<LivenessProbeProvider> found = new ArrayList<>();
        ServiceLoader.load(LivenessProbeProvider.class).forEach(found::add);
        assertThat(found).extracting(LivenessProbeProvider::name).contains("http");
        assertThat(probe(Map.of()).schemes())
                .containsExactlyInAnyOrder(BackendAddress.Scheme.HTTP, BackendAddress.Scheme.HTTPS);
    }

    @Test
    void ok_fromHealthPath_isUp_andTheRequestIsAGetWithHostAndConnectionClose() throws Exception {
        server = HealthServer.http();
        ProbeResult r = run(probe(Map.of("path", "/health")), local(), TIMEOUT);
        assertThat(r).isEqualTo(ProbeResult.up());
        assertThat(server.received)
                .containsExactly(new HealthServer.Received("GET", "/health", "127.0.0.1:" + server.port(), "close"));
    }

    @Test
    void status503_isDown_reasonNamesStatusAndPath() throws Exception {
        server = HealthServer.http();
        server.status = 503;
        assertThat(run(probe(Map.of("path", "/health")), local(), TIMEOUT))
                .isEqualTo(ProbeResult.down("http probe: 503 from /health"));
    }

    @Test
    void defaultRange_is200to399() throws Exception {
        server = HealthServer.http();
        LivenessProbe probe = probe(Map.of());
        for (int status : new int[] {200, 204, 301, 399}) {
            server.status = status;
            assertThat(run(probe, local(), TIMEOUT)).as("status %d", status).isEqualTo(ProbeResult.up());
        }
        for (int status : new int[] {400, 404, 500}) {
            server.status = status;
            assertThat(run(probe, local(), TIMEOUT).alive())
                    .as("status %d", status)
                    .isFalse();
        }
    }

    @Test
    void expectStatus_listsAndRanges() throws Exception {
        server = HealthServer.http();
        LivenessProbe probe = probe(Map.of("expect_status", "204, 401-403"));
        server.status = 402;
        assertThat(run(probe, local(), TIMEOUT).alive()).isTrue();
        server.status = 200;
        assertThat(run(probe, local(), TIMEOUT)).isEqualTo(ProbeResult.down("http probe: 200 from /"));
    }

    @Test
    void head_sendsHead_andTheHostOption() throws Exception {
        server = HealthServer.http();
        ProbeResult r =
                run(probe(Map.of("method", "head", "path", "/ready?full=1", "host", "app.example")), local(), TIMEOUT);
        assertThat(r.alive()).isTrue();
        assertThat(server.received)
                .containsExactly(new HealthServer.Received("HEAD", "/ready?full=1", "app.example", "close"));
    }

    @Test
    void expectBody_passesWhenTheBodyHasIt_elseDownWithAReason() throws Exception {
        server = HealthServer.http();
        LivenessProbe probe = probe(Map.of("path", "/health", "expect_body", "\"status\":\"UP\""));
        server.body = "{\"status\":\"UP\",\"checks\":[]}";
        assertThat(run(probe, local(), TIMEOUT)).isEqualTo(ProbeResult.up());
        server.body = "{\"status\":\"DOWN\"}";
        assertThat(run(probe, local(), TIMEOUT))
                .isEqualTo(ProbeResult.down("http probe: 200 from /health without '\"status\":\"UP\"' in its body"));
    }

    @Test
    void nothingListening_connectionRefused() throws Exception {
        server = HealthServer.http();
        String address = local();
        server.close();
        server = null;
        assertThat(run(probe(Map.of()), address, TIMEOUT)).isEqualTo(ProbeResult.down("connection refused"));
    }

    @Test
    void acceptsButNeverAnswers_timedOutAfterTheTimeout() throws Exception {
        // a listening socket that never accepts: the kernel completes the connect, nobody answers
        try (ServerSocket silent = new ServerSocket()) {
            silent.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            long start = System.nanoTime();
            ProbeResult r = run(probe(Map.of()), "http://127.0.0.1:" + silent.getLocalPort(), Duration.ofSeconds(1));
            assertThat(r).isEqualTo(ProbeResult.down("timed out after 1s"));
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(990));
        }
    }

    @Test
    void closesWithoutAnswering_reasonSaysSo() throws Exception {
        try (ServerSocket rude = new ServerSocket()) {
            rude.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            Thread closer = new Thread(() -> {
                try (java.net.Socket s = rude.accept()) {
                    // read the whole request (unread bytes would turn the close into a reset), then hang up
                    java.io.InputStream in = s.getInputStream();
                    int last4 = 0;
                    for (int b; last4 != 0x0d0a0d0a && (b = in.read()) >= 0; ) {
                        last4 = (last4 << 8) | b;
                    }
                } catch (java.io.IOException ignored) {
                    // the test fails on the probe's result instead
                }
            });
            closer.start();
            ProbeResult r = run(probe(Map.of("path", "/health")), "http://127.0.0.1:" + rude.getLocalPort(), TIMEOUT);
            closer.join(TIMEOUT.toMillis());
            assertThat(r).isEqualTo(ProbeResult.down("http probe: connection closed before a response from /health"));
        }
    }

    @Test
    void tcpAddress_isNotAnHttpAddress() throws Exception {
        assertThat(run(probe(Map.of()), "tcp://127.0.0.1:1", TIMEOUT).reason())
                .isEqualTo("bad address: 'tcp://127.0.0.1:1' (expected: an HTTP address: http://host:port or "
                        + "https://host:port)");
    }

    private static SSLContext serverTls(X509Bundle cert) throws Exception {
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(cert.toKeyManagerFactory().getKeyManagers(), null, null);
        return tls;
    }

    /** A certificate for {@code subject}, valid from yesterday to tomorrow. */
    private static CertificateBuilder certificate(String subject) {
        return new CertificateBuilder()
                .subject(subject)
                .notBefore(Instant.now().minus(1, ChronoUnit.DAYS))
                .notAfter(Instant.now().plus(1, ChronoUnit.DAYS));
    }

    /** A CA certificate for {@code subject}, signed by itself. */
    private static X509Bundle selfSignedCa(String subject) throws Exception {
        return certificate(subject).setIsCertificateAuthority(true).buildSelfSigned();
    }

    private static X509Bundle selfSigned() throws Exception {
        return certificate("CN=localhost")
                .addSanDnsName("localhost")
                .addSanIpAddress("127.0.0.1")
                .setIsCertificateAuthority(true)
                .buildSelfSigned();
    }

    @Test
    void https_selfSigned_upWithoutVerification_downWithIt() throws Exception {
        server = HealthServer.https(serverTls(selfSigned()));
        String address = "https://127.0.0.1:" + server.port();
        assertThat(run(probe(Map.of("path", "/health", "tls_verify", "false")), address, TIMEOUT))
                .isEqualTo(ProbeResult.up());
        assertThat(server.received).extracting(HealthServer.Received::path).containsExactly("/health");

        ProbeResult verified = run(probe(Map.of("path", "/health")), address, TIMEOUT);
        assertThat(verified.alive()).isFalse();
        assertThat(verified.reason()).startsWith("TLS handshake failed: ");
        assertThat(server.received).hasSize(1);
    }

    @Test
    void https_backendsOwnTlsOptions_applyAsToTheProxysConnections(@TempDir Path dir) throws Exception {
        X509Bundle ca = selfSignedCa("CN=internal CA");
        // the certificate names a service, not the address it is reached at
        X509Bundle cert =
                certificate("CN=api.internal").addSanDnsName("api.internal").buildIssuedBy(ca);
        Path caPem = Files.writeString(dir.resolve("ca.pem"), ca.getCertificatePEM());
        server = HealthServer.https(serverTls(cert));
        String address = "https://127.0.0.1:" + server.port();
        LivenessProbe probe = probe(Map.of("path", "/health"));

        // the JDK's roots do not know the CA
        assertThat(probeWith(probe, address, Map.of()).reason()).startsWith("TLS handshake failed: ");
        // the CA alone: the certificate does not name 127.0.0.1
        assertThat(probeWith(probe, address, Map.of(BackendTlsOptions.CA, caPem.toString()))
                        .reason())
                .startsWith("TLS handshake failed: ");
        // the CA and the name the proxy verifies too
        assertThat(probeWith(
                        probe,
                        address,
                        Map.of(BackendTlsOptions.CA, caPem.toString(), BackendTlsOptions.SERVER_NAME, "api.internal")))
                .isEqualTo(ProbeResult.up());
        // the backend turns verification off, over the probe's default
        assertThat(probeWith(probe, address, Map.of(BackendTlsOptions.VERIFY, "false")))
                .isEqualTo(ProbeResult.up());
        // the CA for every backend in the probe's options, the name in the backend's
        assertThat(probeWith(
                        probe(Map.of("path", "/health", "tls_ca", caPem.toString())),
                        address,
                        Map.of(BackendTlsOptions.SERVER_NAME, "api.internal")))
                .isEqualTo(ProbeResult.up());
        assertThat(server.received).hasSize(3);

        // a CA bundle that is not one: down, naming the tag and the file
        Path notPem = Files.writeString(dir.resolve("not.pem"), "not a certificate");
        assertThat(probeWith(probe, address, Map.of(BackendTlsOptions.CA, notPem.toString()))
                        .reason())
                .isEqualTo("bad tls.ca: '" + notPem + "' (expected: a PEM bundle of CA certificates)");
        assertThat(probeWith(
                                probe,
                                address,
                                Map.of(
                                        BackendTlsOptions.CA,
                                        dir.resolve("gone.pem").toString()))
                        .reason())
                .isEqualTo("bad tls.ca: '" + dir.resolve("gone.pem") + "' (expected: a readable PEM file)");
    }

    @Test
    void https_clientCertificate_presentedToABackendThatAsksForOne(@TempDir Path dir) throws Exception {
        X509Bundle clientCa = selfSignedCa("CN=clients CA");
        X509Bundle client = certificate("CN=reverl").buildIssuedBy(clientCa);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(
                selfSigned().toKeyManagerFactory().getKeyManagers(),
                clientCa.toTrustManagerFactory().getTrustManagers(),
                null);
        server = HealthServer.httpsNeedingClientCertificate(tls);
        String address = "https://127.0.0.1:" + server.port();
        Path cert = Files.writeString(dir.resolve("client.pem"), client.getCertificatePathPEM());
        Path key = Files.writeString(dir.resolve("client.key"), client.getPrivateKeyPEM());

        assertThatThrownBy(() -> probe(Map.of("tls_cert", cert.toString())))
                .hasMessage("probe 'http': tls_cert: '" + cert
                        + "' (expected: together with tls_key (a client certificate and its key))");

        // without a certificate the backend refuses the client (with TLS 1.3 after the client's side of the
        // handshake is done, so the probe may see the close rather than a failed handshake): down, nothing asked
        assertThat(run(probe(Map.of("path", "/health", "tls_verify", "false")), address, TIMEOUT)
                        .alive())
                .isFalse();
        assertThat(server.received).isEmpty();

        LivenessProbe withCert = probe(Map.of(
                "path", "/health", "tls_verify", "false", "tls_cert", cert.toString(), "tls_key", key.toString()));
        assertThat(run(withCert, address, TIMEOUT)).isEqualTo(ProbeResult.up());
        assertThat(server.received).extracting(HealthServer.Received::path).containsExactly("/health");

        // a renewed certificate is read at the next probe: one the backend does not trust is refused
        X509Bundle stranger = selfSignedCa("CN=stranger");
        Files.writeString(cert, stranger.getCertificatePEM());
        Files.writeString(key, stranger.getPrivateKeyPEM());
        // within one tick of the clock, a rewrite may keep the time: move it on so that the change shows
        Files.setLastModifiedTime(cert, FileTime.from(Instant.now().plusSeconds(60)));
        assertThat(run(withCert, address, TIMEOUT).alive()).isFalse();
        assertThat(server.received).hasSize(1);

        // files that hold no certificate: down, naming both options and files
        Files.writeString(cert, "not a certificate");
        Files.setLastModifiedTime(cert, FileTime.from(Instant.now().plusSeconds(120)));
        assertThat(run(withCert, address, TIMEOUT).reason())
                .isEqualTo("bad tls_cert and tls_key: '" + cert + "', '" + key
                        + "' (expected: a PEM certificate chain and its PEM (PKCS#8) private key)");
        assertThat(server.received).hasSize(1);
    }

    private static ProbeResult probeWith(LivenessProbe probe, String address, Map<String, String> tags)
            throws Exception {
        return probe.probe(FakeBackend.of(new BackendSpec("b1", address, 1, tags)), TIMEOUT)
                .toCompletableFuture()
                .get(TIMEOUT.toMillis() + 5_000, TimeUnit.MILLISECONDS);
    }

    @Test
    void badOptions_failAtCreation_namingOptionValueAndExpectation() {
        assertThatThrownBy(() -> probe(Map.of("path", "health")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("probe 'http': path: 'health' (expected: a path starting with '/', of visible ASCII "
                        + "characters)");
        assertThatThrownBy(() -> probe(Map.of("method", "POST")))
                .hasMessage("probe 'http': method: 'POST' (expected: GET or HEAD)");
        assertThatThrownBy(() -> probe(Map.of("expect_status", "300-200")))
                .hasMessage("probe 'http': expect_status: '300-200' (expected: ranges low-high with low <= high)");
        assertThatThrownBy(() -> probe(Map.of("expect_status", "2xx")))
                .hasMessage("probe 'http': expect_status: '2xx' (expected: status codes 100-599 or ranges of them, "
                        + "comma-separated, e.g. 200-399,404)");
        assertThatThrownBy(() -> probe(Map.of("method", "HEAD", "expect_body", "ok")))
                .hasMessage("probe 'http': expect_body: 'ok' (expected: no expect_body with method HEAD (no body))");
        assertThatThrownBy(() -> probe(Map.of("tls_verify", "no")))
                .hasMessage("probe 'http': tls_verify: 'no' (expected: true or false)");
        assertThatThrownBy(() -> probe(Map.of("tls_ca", "/no/such/ca.pem")))
                .hasMessage("probe 'http': tls_ca: '/no/such/ca.pem' (expected: a readable PEM file)");
        assertThatThrownBy(() -> probe(Map.of("tls_cert", "/no/such/cert.pem")))
                .hasMessage("probe 'http': tls_cert: '/no/such/cert.pem' (expected: a readable PEM file)");
        assertThatThrownBy(() -> probe(Map.of("uri", "/")))
                .hasMessage("probe 'http': option: 'uri' (expected: one of [expect_body, expect_status, host, method, "
                        + "path, tls_ca, tls_cert, tls_key, tls_verify])");
    }

    @Test
    void timeoutFormat_secondsWhenWhole() {
        assertThat(HttpProbe.format(Duration.ofSeconds(1))).isEqualTo("1s");
        assertThat(HttpProbe.format(Duration.ofMillis(1500))).isEqualTo("1500ms");
    }
}
