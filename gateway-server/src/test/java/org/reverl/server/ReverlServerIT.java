package org.reverl.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reverl.gateway.api.Backend;
import org.reverl.gateway.api.BackendSpec;
import org.reverl.gateway.core.ProviderRegistry;
import org.reverl.gateway.http.Warmup;
import org.reverl.server.config.ConfigLoader;
import org.reverl.server.config.ReverlConfig;

/** The server from a real configuration file, with real backends: reload by difference, save, graceful shutdown. */
class ReverlServerIT {

    @TempDir
    Path dir;

    private final HttpClient client =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    private DemoBackends backends(int n) throws IOException {
        DemoBackends b = DemoBackends.start(n);
        toClose.add(b);
        return b;
    }

    private Path writeConfig(List<String[]> backends) throws IOException {
        return writeConfig(backends, "admin: { enabled: false }\n");
    }

    private Path writeConfig(List<String[]> backends, String admin) throws IOException {
        StringBuilder yaml = new StringBuilder("listeners:\n  - address: 127.0.0.1:0\nbackends:\n");
        for (String[] b : backends) {
            yaml.append("  - { id: ")
                    .append(b[0])
                    .append(", address: \"")
                    .append(b[1])
                    .append("\" }\n");
        }
        yaml.append(admin).append("shutdownTimeout: 10s\n");
        Path file = dir.resolve("reverl.yaml");
        Files.writeString(file, yaml);
        return file;
    }

    private ReverlServer start(Path file) throws Exception {
        ReverlConfig config = new ConfigLoader(ProviderRegistry.load()).load(file);
        ReverlServer server = ServerLauncher.start(config, file);
        toClose.add(server);
        return server;
    }

    private String get(ReverlServer server) throws Exception {
        InetSocketAddress a = server.listenAddresses().get(0);
        HttpResponse<String> r = client.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + a.getPort() + "/"))
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return r.body().trim();
    }

    @Test
    void warmUp_plainThroughItsOwnBackend_evenBeforeATlsListener_neverTheConfiguredBackends() throws Exception {
        WebBackend b1 = WebBackend.start("b1");
        toClose.add(b1);
        // the warm-up is plain HTTP whatever the listener terminates: it needs no certificate
        Path file = dir.resolve("reverl.yaml");
        Files.writeString(
                file,
                "listeners:\n"
                        + "  - { address: 127.0.0.1:0, tls: { selfSigned: true } }\n"
                        + "backends:\n"
                        + "  - { id: b1, address: \"" + b1.address() + "\" }\n"
                        + "admin: { enabled: false }\n");
        ReverlConfig config = new ConfigLoader(ProviderRegistry.load()).load(file);

        Warmup.Result r =
                ServerLauncher.warmUp(config, ProviderRegistry.load(), 50).orElseThrow();

        assertThat(r.connections()).isEqualTo(50);
        assertThat(r.failed()).isZero();
        assertThat(r.backendConnections()).isEqualTo(50);
        assertThat(r.failovers())
                .as("its refusing backend's first request, served by the other")
                .isPositive();
        assertThat(b1.served).hasValue(0);
        assertThat(ServerLauncher.warmUp(config, ProviderRegistry.load(), 0)).isEmpty();
    }

    @Test
    void run_fromFile_roundRobinOverTheConfiguredBackends() throws Exception {
        DemoBackends b = backends(2);
        ReverlServer server = start(writeConfig(b.endpoints()));

        assertThat(List.of(get(server), get(server), get(server), get(server)))
                .containsExactly("Hello from demo-1", "Hello from demo-2", "Hello from demo-1", "Hello from demo-2");
        assertThat(server.ready()).isTrue();
    }

    @Test
    void metrics_keptOnlyWhereTheAdminPortServesThem() throws Exception {
        DemoBackends b = backends(1);
        ReverlServer plain = start(writeConfig(b.endpoints()));
        get(plain);
        assertThat(plain.metrics())
                .as("no admin port: nothing can read meters, none are kept")
                .isNull();
        plain.close();

        ReverlServer admin = start(writeConfig(b.endpoints(), "admin: { address: 127.0.0.1:0 }\n"));
        get(admin);
        assertThat(admin.metrics()).isNotNull();
        assertThat(admin.metrics().registry().scrape()).contains("backend=\"demo-1\"");
    }

    @Test
    void reload_addsNewBackends_drainsAndRemovesGoneOnes() throws Exception {
        DemoBackends b = backends(3);
        List<String[]> e = b.endpoints();
        Path file = writeConfig(List.<String[]>of(e.get(0), e.get(1)));
        ReverlServer server = start(file);

        writeConfig(List.<String[]>of(e.get(1), e.get(2)));
        ServerControl.ReloadResult result = server.reload();

        assertThat(result.applied()).isTrue();
        assertThat(result.changes())
                .containsExactly(
                        "added backend demo-3 (http://" + e.get(2)[1] + ", weight 1)",
                        "draining backend demo-1, removed once idle");
        await().atMost(Duration.ofSeconds(10))
                .until(() -> server.loadBalancer().backend("demo-1").isEmpty());
        List<String> bodies = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            bodies.add(get(server));
        }
        assertThat(bodies).containsOnly("Hello from demo-2", "Hello from demo-3");
    }

    @Test
    void reload_invalidFile_leavesTheRunningConfigurationAndSaysWhy() throws Exception {
        DemoBackends b = backends(2);
        Path file = writeConfig(b.endpoints());
        ReverlServer server = start(file);

        Files.writeString(
                file, "listeners: [ { address: 127.0.0.1:0 } ]\nbackends: [ { id: x, address: \"nowhere\" } ]\n");
        ServerControl.ReloadResult result = server.reload();

        assertThat(result.applied()).isFalse();
        assertThat(result.errors()).containsExactly("backends[0].address: \"nowhere\" (expected: host:port)");
        assertThat(server.loadBalancer().backends()).extracting(Backend::id).containsExactly("demo-1", "demo-2");
        assertThat(List.of(get(server), get(server))).containsExactly("Hello from demo-1", "Hello from demo-2");
    }

    @Test
    void saveConfig_writesRuntimeChangesBack_soTheySurviveARestart() throws Exception {
        DemoBackends b = backends(2);
        Path file = writeConfig(List.<String[]>of(b.endpoints().get(0)));
        ReverlServer server = start(file);
        server.loadBalancer()
                .add(new BackendSpec("demo-2", "http://" + b.endpoints().get(1)[1], 3, java.util.Map.of()));

        server.saveConfig();

        ReverlConfig saved = new ConfigLoader(ProviderRegistry.load()).load(file);
        assertThat(saved.backends())
                .containsExactly(
                        BackendSpec.of("demo-1", "http://" + b.endpoints().get(0)[1]),
                        new BackendSpec("demo-2", "http://" + b.endpoints().get(1)[1], 3, java.util.Map.of()));
        assertThat(saved.admin().enabled()).isFalse(); // the other sections are kept
    }

    @Test
    void shutdown_stopsAccepting_letsTheRequestInFlightFinish() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        HttpServer slow = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        slow.createContext("/", ex -> {
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            byte[] body = "slow but complete".getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        slow.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        slow.start();
        toClose.add(() -> slow.stop(0));
        ReverlServer server = start(writeConfig(List.<String[]>of(
                new String[] {"slow", "127.0.0.1:" + slow.getAddress().getPort()})));
        int port = server.listenAddresses().get(0).getPort();

        CompletableFuture<HttpResponse<String>> inFlight = client.sendAsync(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        await().atMost(Duration.ofSeconds(10))
                .until(() -> server.loadBalancer().backends().get(0).inFlight() == 1);
        CompletableFuture<Integer> shutdown = CompletableFuture.supplyAsync(() -> {
            try {
                return server.shutdown(Duration.ofSeconds(20));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });

        await().atMost(Duration.ofSeconds(10)).until(() -> refusesConnections(port));
        assertThat(inFlight).isNotDone();
        release.countDown();

        assertThat(inFlight.get(10, TimeUnit.SECONDS).body()).isEqualTo("slow but complete");
        assertThat(shutdown.get(10, TimeUnit.SECONDS)).isZero();
    }

    private static boolean refusesConnections(int port) {
        try (java.net.Socket s = new java.net.Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
            return false;
        } catch (ConnectException e) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Test
    void process_warmsUpBeforeListening_sighupReloads_sigtermStopsGracefullyWithExitZero() throws Exception {
        DemoBackends b = backends(2);
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Path file = dir.resolve("reverl.yaml");
        String head = "listeners: [ { address: \"127.0.0.1:" + port + "\" } ]\nadmin: { enabled: false }\n";
        Files.writeString(
                file,
                head + "backends: [ { id: demo-1, address: \"" + b.endpoints().get(0)[1] + "\" } ]\n");
        Process p = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        Reverl.class.getName(),
                        "run",
                        "--config",
                        file.toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("out.log").toFile())
                .start();
        toClose.add(p::destroyForcibly);
        URI uri = URI.create("http://127.0.0.1:" + port + "/");
        await().atMost(Duration.ofSeconds(30))
                .ignoreExceptions()
                .until(() -> client.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString())
                        .body()
                        .trim()
                        .equals("Hello from demo-1"));

        Files.writeString(
                file,
                head + "backends: [ { id: demo-2, address: \"" + b.endpoints().get(1)[1] + "\" } ]\n");
        new ProcessBuilder("kill", "-HUP", Long.toString(p.pid())).start().waitFor(10, TimeUnit.SECONDS);
        try {
            await().atMost(Duration.ofSeconds(30))
                    .ignoreExceptions()
                    .until(() -> client.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString())
                            .body()
                            .trim()
                            .equals("Hello from demo-2"));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("not reloaded; the server said:\n" + Files.readString(dir.resolve("out.log")), e);
        }

        p.destroy(); // SIGTERM
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(Files.readString(dir.resolve("out.log"))).isZero();
        String out = Files.readString(dir.resolve("out.log"));
        assertThat(out).contains("reloaded", "reverl: stopped");
        assertThat(out.indexOf("warm-up: " + RunCommand.DEFAULT_WARMUP + " connections (" + RunCommand.DEFAULT_WARMUP
                        + " to its backend, "))
                .as("the default warm-up, done before the listener opened:\n%s", out)
                .isNotNegative()
                .isLessThan(out.indexOf("listening on"));
        assertThat(out)
                .as("the warm-up's load balancer logs none of its backends' events")
                .doesNotContain("backend warm-up");
    }
}
