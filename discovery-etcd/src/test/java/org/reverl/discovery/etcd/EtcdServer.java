package org.reverl.discovery.etcd;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real single-member etcd on 127.0.0.1 and free ports, its data in a directory of the test's; it can be stopped
 * and started again on the same ports with the same data. Public so that other modules' tests can start one.
 */
public final class EtcdServer implements AutoCloseable {

    private static final String BINARY = findBinary();

    private final Path dir;
    private final int clientPort;
    private final int peerPort;
    private final Path cert;
    private final Path key;
    private Process process;

    private EtcdServer(Path dir, int clientPort, int peerPort, Path cert, Path key) {
        this.dir = dir;
        this.clientPort = clientPort;
        this.peerPort = peerPort;
        this.cert = cert;
        this.key = key;
    }

    /** Whether the etcd binary is installed ({@code .ci/run} installs the etcd-server package). */
    public static boolean installed() {
        return BINARY != null;
    }

    /** Starts etcd with its data under {@code dir}. */
    public static EtcdServer start(Path dir) throws IOException {
        return start(dir, null, null);
    }

    /**
     * Starts etcd serving clients over TLS with this PEM certificate and key (the peer port stays plain: one member).
     */
    public static EtcdServer startTls(Path dir, Path cert, Path key) throws IOException {
        return start(dir, cert, key);
    }

    private static EtcdServer start(Path dir, Path cert, Path key) throws IOException {
        IOException last = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            EtcdServer e = new EtcdServer(dir, freePort(), freePort(), cert, key);
            try {
                e.launch();
                return e;
            } catch (IOException ex) {
                last = ex; // a port was taken between the probe and etcd's bind: others
                e.close();
            }
        }
        throw last;
    }

    /** {@code http://127.0.0.1:port} ({@code https} with TLS), as the {@code endpoints} option takes it. */
    public String endpoint() {
        return (cert == null ? "http" : "https") + "://127.0.0.1:" + clientPort;
    }

    /** Stops etcd (SIGTERM), keeping its data. */
    public void stop() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /** Starts etcd again, same ports, same data. */
    public void restart() throws IOException, InterruptedException {
        stop();
        launch();
    }

    private void launch() throws IOException {
        String peer = "http://127.0.0.1:" + peerPort;
        List<String> command = new java.util.ArrayList<>(List.of(
                BINARY,
                "--name=reverl-test",
                "--data-dir=" + dir.resolve("data"),
                "--listen-client-urls=" + endpoint(),
                "--advertise-client-urls=" + endpoint(),
                "--listen-peer-urls=" + peer,
                "--initial-advertise-peer-urls=" + peer,
                "--initial-cluster=reverl-test=" + peer,
                "--initial-cluster-state=new",
                "--logger=zap",
                "--log-level=warn"));
        if (cert != null) {
            command.add("--cert-file=" + cert);
            command.add("--key-file=" + key);
        }
        process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(
                        ProcessBuilder.Redirect.appendTo(dir.resolve("etcd.log").toFile()))
                .start();
        URIHealth health = new URIHealth(endpoint() + "/health", cert);
        try {
            await().atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> !process.isAlive() || health.ok());
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new IOException("etcd did not become healthy on " + endpoint() + ": " + log());
        }
        if (!process.isAlive()) {
            throw new IOException("etcd exited with " + process.exitValue() + ": " + log());
        }
    }

    String log() throws IOException {
        Path log = dir.resolve("etcd.log");
        return Files.exists(log) ? Files.readString(log) : "";
    }

    @Override
    public void close() {
        try {
            stop();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static String findBinary() {
        for (String p : List.of("/usr/bin/etcd", "/usr/local/bin/etcd")) {
            if (Files.isExecutable(Path.of(p))) {
                return p;
            }
        }
        return null;
    }

    /** etcd's {@code /health}: {@code {"health":"true"}} once it serves. */
    private record URIHealth(String url, Path cert) {
        boolean ok() {
            try {
                java.net.http.HttpClient.Builder client = java.net.http.HttpClient.newBuilder();
                if (cert != null) {
                    client.sslContext(trusting(cert));
                }
                java.net.http.HttpResponse<String> r = client.build()
                        .send(
                                java.net.http.HttpRequest.newBuilder(java.net.URI.create(url))
                                        .timeout(Duration.ofSeconds(2))
                                        .build(),
                                java.net.http.HttpResponse.BodyHandlers.ofString());
                return r.statusCode() == 200 && r.body().contains("\"true\"");
            } catch (IOException | java.security.GeneralSecurityException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }

        private static javax.net.ssl.SSLContext trusting(Path pem)
                throws IOException, java.security.GeneralSecurityException {
            java.security.KeyStore ks = java.security.KeyStore.getInstance(java.security.KeyStore.getDefaultType());
            ks.load(null, null);
            try (java.io.InputStream in = Files.newInputStream(pem)) {
                ks.setCertificateEntry(
                        "etcd",
                        java.security.cert.CertificateFactory.getInstance("X.509")
                                .generateCertificate(in));
            }
            javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance(
                    javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        }
    }
}
