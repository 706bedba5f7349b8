package org.reverl.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
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
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reverl.gateway.api.Backend;
import org.reverl.gateway.api.BackendState;
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
        return httpsBackend(g, null);
    }

    /**
     * The same, which refuses a client without a certificate when {@code client} is set, and trusts that one alone.
     */
    private int httpsBackend(SelfSignedCertificates.Generated g, X509Certificate client) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("backend", g.key(), new char[0], new X509Certificate[] {g.certificate()});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, new char[0]);
        TrustManager[] trust = null;
        if (client != null) {
            KeyStore clients = KeyStore.getInstance("PKCS12");
            clients.load(null, null);
            clients.setCertificateEntry("client", client);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(clients);
            trust = tmf.getTrustManagers();
        }
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), trust, null);
        HttpsServer server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.setHttpsConfigurator(new HttpsConfigurator(ctx) {
            @Override
            public void configure(HttpsParameters params) {
                SSLParameters p = ctx.getDefaultSSLParameters();
                p.setNeedClientAuth(client != null);
                params.setSSLParameters(p);
            }
        });
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

    @Test
    void httpProbe_reachesAnHttpsBackendAsTheProxyDoes_throughBackendTls() throws Exception {
        SelfSignedCertificates.Generated g = SelfSignedCertificates.generate("localhost");
        g.writeCertificatePem(dir.resolve("backend-ca.pem"));
        SelfSignedCertificates.Generated client = SelfSignedCertificates.generate("reverl");
        client.writeCertificatePem(dir.resolve("client.pem"));
        Files.writeString(
                dir.resolve("client.key"),
                "-----BEGIN PRIVATE KEY-----\n"
                        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                                .encodeToString(client.key().getEncoded())
                        + "\n-----END PRIVATE KEY-----\n");
        // a private CA's certificate, and a client certificate asked for: neither the JDK's roots nor a probe
        // without one gets through
        int port = httpsBackend(g, client.certificate());
        Path file = dir.resolve("reverl.yaml");
        Files.writeString(
                file,
                "listeners: [ { address: \"127.0.0.1:0\" } ]\nadmin: { enabled: false }\n"
                        + "backendTls: { caBundle: backend-ca.pem, clientCert: client.pem, clientKey: client.key }\n"
                        + "health: { probe: http, interval: 100ms, timeout: 100ms, rise: 1, fall: 1, initiallyUp: false }\n"
                        + "backends:\n  - { id: web, address: \"https://127.0.0.1:" + port + "\" }\n");
        ReverlConfig config = new ConfigLoader(ProviderRegistry.load()).load(file);
        ReverlServer server = ServerLauncher.start(config, file);
        toClose.add(server);
        Backend web = server.loadBalancer().backend("web").orElseThrow();

        // down until its first probe passes: up proves the probe verified the backend and was let in
        await().atMost(Duration.ofSeconds(10)).until(() -> web.state() == BackendState.UP);
        HttpResponse<String> r = get(server.listenAddresses().get(0).getPort());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("tls backend");
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
