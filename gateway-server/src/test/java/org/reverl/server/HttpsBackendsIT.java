package org.reverl.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reverl.gateway.core.ProviderRegistry;
import org.reverl.server.config.ConfigLoader;
import org.reverl.server.config.ReverlConfig;

/**
 * An {@code https://} backend from the configuration file, with TLS options of its own ({@code backends[].tls}):
 * verified against its own CA, and refused once a reload takes that CA away (verification is on by default).
 */
class HttpsBackendsIT {

    @TempDir
    Path dir;

    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    /** The JDK's HTTPS server on 127.0.0.1 with {@code g}'s certificate, answering {@code tls backend}. */
    private int httpsBackend(SelfSignedCertificates.Generated g) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("backend", g.key(), new char[0], new X509Certificate[] {g.certificate()});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, new char[0]);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);
        HttpsServer server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.setHttpsConfigurator(new HttpsConfigurator(ctx));
        ExecutorService executor = Executors.newFixedThreadPool(2);
        server.setExecutor(executor);
        server.createContext("/", ex -> {
            byte[] body = "tls backend".getBytes(StandardCharsets.UTF_8);
            ex.getRequestBody().readAllBytes();
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        server.start();
        toClose.add(() -> {
            server.stop(0);
            executor.shutdownNow();
        });
        return server.getAddress().getPort();
    }

    @Test
    void httpsBackend_verifiedAgainstItsOwnCa_refusedByDefault_afterReload() throws Exception {
        SelfSignedCertificates.Generated g = SelfSignedCertificates.generate("localhost"); // SANs localhost, 127.0.0.1
        g.writeCertificatePem(dir.resolve("backend-ca.pem"));
        int port = httpsBackend(g);
        Path file = dir.resolve("reverl.yaml");
        String head = "listeners: [ { address: \"127.0.0.1:0\" } ]\nadmin: { enabled: false }\nbackends:\n";
        Files.writeString(
                file,
                head + "  - { id: web, address: \"https://127.0.0.1:" + port + "\", tls: { ca: backend-ca.pem } }\n");
        ReverlConfig config = new ConfigLoader(ProviderRegistry.load()).load(file);
        ReverlServer server = ServerLauncher.start(config, file);
        toClose.add(server);
        int proxyPort = server.listenAddresses().get(0).getPort();

        HttpResponse<String> verified = get(proxyPort);
        assertThat(verified.statusCode()).isEqualTo(200);
        assertThat(verified.body()).isEqualTo("tls backend");

        // the same backend without its CA: the JDK's trust store does not know a self-signed certificate
        Files.writeString(file, head + "  - { id: web, address: \"https://127.0.0.1:" + port + "\" }\n");
        server.reload();
        assertThat(get(proxyPort).statusCode()).isEqualTo(502);
    }

    private static HttpResponse<String> get(int port) throws Exception {
        return HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .build()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                                .timeout(Duration.ofSeconds(10))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
    }
}
