package org.reverl.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reverl.gateway.api.BackendState;
import org.reverl.gateway.http.TlsSettings;
import org.reverl.server.admin.AdminSettings;

/** The admin port's transport: many idle or slow clients, a Unix domain socket, TLS. */
class AdminTransportIT {

    private static final String TOKEN = "0123456789abcdef-admin";

    private TestServer server;
    private final List<Socket> sockets = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (Socket s : sockets) {
            s.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void twoHundredIdleConnections_healthzStillAnswersWithin100ms() throws Exception {
        server = TestServer.start(1);
        InetSocketAddress admin = server.admin.address();
        for (int i = 0; i < 200; i++) {
            Socket s = new Socket();
            s.connect(admin, 2000);
            sockets.add(s);
            if (i % 2 == 1) { // half of them idle, half in the middle of a request head (slowloris)
                s.getOutputStream()
                        .write("GET /backends HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "
                                .getBytes(StandardCharsets.ISO_8859_1));
            }
        }
        HttpClient client =
                HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpRequest healthz = HttpRequest.newBuilder(server.adminUri("/healthz"))
                .timeout(Duration.ofSeconds(5))
                .build();
        client.send(healthz, HttpResponse.BodyHandlers.ofString()); // connection set up, classes loaded
        long worst = 0;
        for (int i = 0; i < 20; i++) {
            long start = System.nanoTime();
            HttpResponse<String> r = client.send(healthz, HttpResponse.BodyHandlers.ofString());
            worst = Math.max(worst, System.nanoTime() - start);
            assertThat(r.statusCode()).isEqualTo(200);
        }
        System.out.printf("healthz with 200 idle or slow admin connections open: worst of 20 %.2f ms%n", worst / 1e6);
        assertThat(Duration.ofNanos(worst)).isLessThan(Duration.ofMillis(100));
        assertThat(server.admin("GET", "/readyz", null).statusCode()).isEqualTo(200);
        assertThat(server.admin("GET", "/metrics", null).statusCode()).isEqualTo(200);
        assertThat(server.admin("GET", "/backends", null).statusCode()).isEqualTo(200);
    }

    @Test
    void slowAndIdleClients_closedAfterTheirTimeouts() throws Exception {
        server = TestServer.start(
                1,
                AdminSettings.of(new InetSocketAddress("127.0.0.1", 0), null)
                        .withTimeouts(Duration.ofMillis(300), Duration.ofMillis(600)));
        Socket slow = new Socket();
        slow.connect(server.admin.address(), 2000);
        sockets.add(slow);
        slow.getOutputStream()
                .write("GET /backends HTTP/1.1\r\nHost: 127.0.0.1\r\n".getBytes(StandardCharsets.US_ASCII));
        Socket idle = new Socket();
        idle.connect(server.admin.address(), 2000);
        sockets.add(idle);

        long start = System.nanoTime();
        assertThat(slow.getInputStream().read()).isEqualTo(-1); // closed, nothing answered
        Duration slowClosed = Duration.ofNanos(System.nanoTime() - start);
        assertThat(idle.getInputStream().read()).isEqualTo(-1);
        Duration idleClosed = Duration.ofNanos(System.nanoTime() - start);
        assertThat(slowClosed).isBetween(Duration.ofMillis(200), Duration.ofSeconds(5));
        assertThat(idleClosed).isGreaterThanOrEqualTo(Duration.ofMillis(500));
    }

    @Test
    void unixSocket_servesTheApiWithMode0600() throws Exception {
        Path dir = Files.createTempDirectory("reverl-admin-");
        Path sock = dir.resolve("admin.sock");
        try {
            server = TestServer.start(2, AdminSettings.unix(sock, null));

            assertThat(server.admin.socketFile()).isEqualTo(sock);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(sock)))
                    .isEqualTo("rw-------");
            String list =
                    overUnixSocket(sock, "GET /backends HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
            assertThat(list).startsWith("HTTP/1.1 200").contains("\"id\" : \"b1\"");
            String drain = overUnixSocket(
                    sock,
                    "POST /backends/b2/maintenance HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                            + "Content-Length: 0\r\nConnection: close\r\n\r\n");
            assertThat(drain).startsWith("HTTP/1.1 200");
            assertThat(server.lb.backend("b2").orElseThrow().state()).isEqualTo(BackendState.MAINTENANCE);

            server.close();
            server = null;
            assertThat(sock).doesNotExist();
        } finally {
            Files.deleteIfExists(sock);
            Files.deleteIfExists(dir);
        }
    }

    private static String overUnixSocket(Path sock, String request) throws Exception {
        try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(sock))) {
            ch.write(ByteBuffer.wrap(request.getBytes(StandardCharsets.ISO_8859_1)));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteBuffer buf = ByteBuffer.allocate(8192);
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (ch.read(buf) >= 0 && System.nanoTime() < deadline) {
                out.write(buf.array(), 0, buf.position());
                buf.clear();
            }
            return out.toString(StandardCharsets.ISO_8859_1);
        }
    }

    @Test
    void tls_servesHttpsWithTheConfiguredCertificate_andTheTokenIsStillRequired(@TempDir Path dir) throws Exception {
        SelfSignedCertificates.Generated cert = SelfSignedCertificates.generate("localhost");
        server = TestServer.start(
                1,
                AdminSettings.of(new InetSocketAddress("127.0.0.1", 0), TOKEN)
                        .withTls(TlsSettings.of(cert.key(), cert.certificate())));
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        trust.setCertificateEntry("admin", cert.certificate());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        HttpClient https = HttpClient.newBuilder()
                .sslContext(ctx)
                .version(HttpClient.Version.HTTP_1_1)
                .build();
        URI uri = URI.create("https://127.0.0.1:" + server.admin.address().getPort() + "/backends");

        HttpResponse<String> without =
                https.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> with = https.send(
                HttpRequest.newBuilder(uri)
                        .header("Authorization", "Bearer " + TOKEN)
                        .build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(without.statusCode()).isEqualTo(401);
        assertThat(with.statusCode()).isEqualTo(200);
        assertThat(with.sslSession()).isPresent();
        // plain HTTP on the TLS port gets no API
        String plain = rawPlain(server.admin.address());
        assertThat(plain).doesNotContain("\"backends\"");
    }

    private static String rawPlain(InetSocketAddress to) throws Exception {
        try (Socket s = new Socket()) {
            s.connect(to, 2000);
            s.setSoTimeout(5000);
            s.getOutputStream()
                    .write("GET /backends HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            InputStream in = s.getInputStream();
            try {
                in.transferTo(out);
            } catch (java.net.SocketException reset) {
                // the TLS handler closes the connection on a plain-text record
            }
            return out.toString(StandardCharsets.ISO_8859_1);
        }
    }
}
