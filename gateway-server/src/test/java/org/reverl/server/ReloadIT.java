package org.reverl.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reverl.gateway.api.Backend;
import org.reverl.gateway.api.BackendState;
import org.reverl.gateway.core.ProviderRegistry;
import org.reverl.server.config.ConfigException;
import org.reverl.server.config.ConfigLoader;
import org.reverl.server.config.ReverlConfig;

/** Reload of everything that can change while running, under load; save that respects the file; process probes. */
class ReloadIT {

    @TempDir
    Path dir;

    private final HttpClient client = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(5))
            .version(HttpClient.Version.HTTP_1_1)
            .build();
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    private ReverlServer start(Path file) throws Exception {
        ReverlConfig config = new ConfigLoader(ProviderRegistry.load()).load(file);
        ReverlServer server = ServerLauncher.start(config, file);
        toClose.add(server);
        return server;
    }

    private static String backendsYaml(List<String[]> backends) {
        StringBuilder yaml = new StringBuilder("backends:\n");
        for (String[] b : backends) {
            yaml.append("  - { id: ")
                    .append(b[0])
                    .append(", address: \"")
                    .append(b[1])
                    .append('"');
            if (b.length > 2) {
                yaml.append(", weight: ").append(b[2]);
            }
            yaml.append(" }\n");
        }
        return yaml.toString();
    }

    @Test
    void reloadUnderLoad_dropsNoRequest() throws Exception {
        DemoBackends demo = DemoBackends.start(3);
        toClose.add(demo);
        List<String[]> e = demo.endpoints();
        Path file = dir.resolve("reverl.yaml");
        String listener = "listeners: [ { address: \"127.0.0.1:0\" } ]\nadmin: { enabled: false }\n";
        List<String> versions = List.of(
                listener + backendsYaml(List.<String[]>of(e.get(0), e.get(1))),
                // weights in place, another strategy, other timeouts and limits
                listener + "strategy: { name: weighted_round_robin }\ntimeouts: { response: 30s, idle: 20s }\n"
                        + "limits: { maxHeaderCount: 90 }\n"
                        + backendsYaml(List.<String[]>of(new String[] {e.get(0)[0], e.get(0)[1], "3"}, e.get(1))),
                // a backend added, one drained and removed
                listener + "strategy: { name: least_conn }\n" + backendsYaml(List.<String[]>of(e.get(1), e.get(2))),
                // an address replaced under the same id, health checks on
                listener + "health: { probe: tcp, interval: 200ms, timeout: 100ms }\n"
                        + backendsYaml(List.<String[]>of(new String[] {e.get(1)[0], e.get(0)[1]}, e.get(2))),
                // back to the start, breaker and retry settings changed
                listener + "breaker: { failureRateThreshold: 80 }\nretry: { maxAttempts: 2 }\n"
                        + backendsYaml(List.<String[]>of(e.get(0), e.get(1))));
        Files.writeString(file, versions.get(0));
        ReverlServer server = start(file);
        URI uri =
                URI.create("http://127.0.0.1:" + server.listenAddresses().get(0).getPort() + "/");

        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger ok = new AtomicInteger();
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        ExecutorService clients = Executors.newFixedThreadPool(4);
        List<Future<?>> running = new ArrayList<>();
        for (int c = 0; c < 4; c++) {
            running.add(clients.submit(() -> {
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (!stop.get() && System.nanoTime() < deadline && ok.get() < 200_000) {
                    try {
                        HttpResponse<String> r = client.send(
                                HttpRequest.newBuilder(uri)
                                        .timeout(Duration.ofSeconds(10))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString());
                        if (r.statusCode() == 200) {
                            ok.incrementAndGet();
                        } else {
                            failures.add(r.statusCode() + " " + r.body().trim());
                        }
                    } catch (Exception ex) {
                        failures.add(ex.toString());
                    }
                }
                return null;
            }));
        }
        List<ServerControl.ReloadResult> results = new ArrayList<>();
        for (int round = 0; round < 3; round++) {
            for (int v = 1; v <= versions.size(); v++) {
                int before = ok.get();
                await().atMost(Duration.ofSeconds(10)).until(() -> ok.get() >= before + 50); // traffic in between
                Files.writeString(file, versions.get(v % versions.size()));
                ServerControl.ReloadResult r = server.reload();
                assertThat(r.applied()).as(r.errors().toString()).isTrue();
                results.add(r);
            }
        }
        int before = ok.get();
        await().atMost(Duration.ofSeconds(10)).until(() -> ok.get() >= before + 50);
        stop.set(true);
        for (Future<?> f : running) {
            f.get(30, TimeUnit.SECONDS);
        }
        clients.shutdown();

        System.out.printf(
                "reload under load: %d reloads, %d requests answered 200, %d failed%n",
                results.size(), ok.get(), failures.size());
        assertThat(failures).isEmpty();
        assertThat(ok.get()).isGreaterThan(750);
        assertThat(results)
                .flatMap(ServerControl.ReloadResult::changes)
                .contains("updated backend demo-1 (weight 1 -> 3)")
                .anyMatch(c -> c.startsWith("replaced backend demo-2"))
                .anyMatch(c -> c.startsWith("engine settings applied (strategy least_conn"));
        assertThat(results).flatMap(ServerControl.ReloadResult::restartNeeded).isEmpty();
    }

    /**
     * Reloads racing with an operator's adds and removes through the admin API: afterwards the configuration file's
     * backends are exactly the last file's, each operator backend is there exactly when its last answered change says
     * so, and no id is listed twice.
     */
    @Test
    void concurrentReloadAndAdminChanges_leaveAConsistentState() throws Exception {
        DemoBackends demo = DemoBackends.start(3);
        toClose.add(demo);
        List<String[]> e = demo.endpoints();
        Path file = dir.resolve("reverl.yaml");
        String head = "listeners: [ { address: \"127.0.0.1:0\" } ]\nadmin: { address: \"127.0.0.1:0\" }\n";
        List<String> files = List.of(
                head + backendsYaml(List.<String[]>of(e.get(0), e.get(1))),
                head + backendsYaml(List.<String[]>of(e.get(1), e.get(2))),
                head + backendsYaml(List.<String[]>of(new String[] {e.get(0)[0], e.get(2)[1], "4"})));
        Files.writeString(file, files.get(0));
        ReverlServer server = start(file);
        URI admin = URI.create(
                "http://127.0.0.1:" + server.adminAddress().orElseThrow().getPort());

        ExecutorService pool = Executors.newFixedThreadPool(3);
        java.util.Map<String, Boolean> expected = new java.util.concurrent.ConcurrentHashMap<>();
        List<Future<?>> work = new ArrayList<>();
        work.add(pool.submit(() -> {
            for (int i = 1; i <= 30; i++) {
                Files.writeString(file, files.get(i % files.size()));
                assertThat(server.reload().applied()).isTrue();
            }
            return null;
        }));
        for (int t = 0; t < 2; t++) {
            int thread = t;
            work.add(pool.submit(() -> {
                java.util.Random random = new java.util.Random(thread);
                for (int i = 0; i < 60; i++) {
                    String id = "op-" + thread + "-" + random.nextInt(4);
                    HttpRequest.Builder r = HttpRequest.newBuilder(admin.resolve("/backends"))
                            .timeout(Duration.ofSeconds(10))
                            .header("Content-Type", "application/json");
                    boolean add = random.nextBoolean();
                    HttpResponse<String> answer = client.send(
                            add
                                    ? r.POST(HttpRequest.BodyPublishers.ofString(
                                                    "{\"id\": \"" + id + "\", \"address\": \"" + e.get(2)[1] + "\"}"))
                                            .build()
                                    : r.uri(admin.resolve("/backends/" + id))
                                            .DELETE()
                                            .build(),
                            HttpResponse.BodyHandlers.ofString());
                    switch (answer.statusCode()) {
                        case 201 -> expected.put(id, true);
                        case 200 -> expected.put(id, false);
                        case 404, 409 -> {} // already absent, already present: nothing changed
                        default -> throw new AssertionError(answer.statusCode() + " " + answer.body());
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : work) {
            f.get(120, TimeUnit.SECONDS);
        }
        pool.shutdown();
        await().atMost(Duration.ofSeconds(10))
                .until(() ->
                        server.loadBalancer().backends().stream().noneMatch(b -> b.state() == BackendState.DRAINING));

        List<Backend> live = server.loadBalancer().backends();
        assertThat(live).extracting(Backend::id).doesNotHaveDuplicates();
        // the last file written was files[30 % 3] = files[0]: demo-1 and demo-2
        assertThat(live)
                .extracting(Backend::id)
                .filteredOn(id -> id.startsWith("demo-"))
                .containsExactlyInAnyOrder("demo-1", "demo-2");
        assertThat(server.loadBalancer().backend("demo-1").orElseThrow().address())
                .isEqualTo("http://" + e.get(0)[1]);
        expected.forEach((id, present) ->
                assertThat(server.loadBalancer().backend(id).isPresent()).as(id).isEqualTo(present));
    }

    @Test
    void reload_listsWhatNeedsARestart_andStartsAndStopsListeners() throws Exception {
        DemoBackends demo = DemoBackends.start(1);
        toClose.add(demo);
        Path file = dir.resolve("reverl.yaml");
        String backends = backendsYaml(demo.endpoints());
        Files.writeString(file, "listeners: [ { address: \"127.0.0.1:0\" } ]\nadmin: { enabled: false }\n" + backends);
        ReverlServer server = start(file);
        int first = server.listenAddresses().get(0).getPort();
        int second;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            second = s.getLocalPort();
        }

        Files.writeString(
                file,
                "listeners:\n  - address: \"127.0.0.1:" + first + "\"\n  - address: \"127.0.0.1:" + second
                        + "\"\nioThreads: 3\nadmin: { address: \"127.0.0.1:0\" }\n" + backends);
        // the first listener was configured with port 0: its real port is another address, so it is replaced
        ServerControl.ReloadResult r = server.reload();

        assertThat(r.applied()).isTrue();
        assertThat(r.restartNeeded()).containsExactly("ioThreads", "admin");
        assertThat(r.changes()).contains("started listener 127.0.0.1:" + second);
        assertThat(get(second)).isEqualTo("Hello from demo-1");

        Files.writeString(
                file,
                "listeners: [ { address: \"127.0.0.1:" + second + "\" } ]\nadmin: { enabled: false }\n"
                        + "shutdownTimeout: 100ms\n" + backends);
        ServerControl.ReloadResult r2 = server.reload();
        assertThat(r2.changes()).anyMatch(c -> c.startsWith("stopped listener 127.0.0.1:" + first));
        assertThat(server.listenAddresses())
                .extracting(InetSocketAddress::getPort)
                .containsExactly(second);
        assertThat(get(second)).isEqualTo("Hello from demo-1");
    }

    @Test
    void reload_newTlsCertificate_forNewConnections_openOnesKeepTheirs() throws Exception {
        DemoBackends demo = DemoBackends.start(1);
        toClose.add(demo);
        SelfSignedCertificates.Generated a = SelfSignedCertificates.generate("localhost");
        SelfSignedCertificates.Generated b = SelfSignedCertificates.generate("localhost");
        writePem(a, "a");
        writePem(b, "b");
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Path file = dir.resolve("reverl.yaml");
        String rest = "admin: { enabled: false }\n" + backendsYaml(demo.endpoints());
        Files.writeString(
                file,
                "listeners: [ { address: \"127.0.0.1:" + port
                        + "\", tls: { cert: a.crt, key: a.key, provider: jdk } } ]\n" + rest);
        ReverlServer server = start(file);
        SSLSocket open = tlsConnect(port);
        assertThat(((X509Certificate) open.getSession().getPeerCertificates()[0]).getSerialNumber())
                .isEqualTo(a.certificate().getSerialNumber());

        Files.writeString(
                file,
                "listeners: [ { address: \"127.0.0.1:" + port
                        + "\", tls: { cert: b.crt, key: b.key, provider: jdk } } ]\n" + rest);
        ServerControl.ReloadResult r = server.reload();

        assertThat(r.changes()).contains("listener 127.0.0.1:" + port + ": new settings for new connections");
        try (SSLSocket fresh = tlsConnect(port)) {
            assertThat(((X509Certificate) fresh.getSession().getPeerCertificates()[0]).getSerialNumber())
                    .isEqualTo(b.certificate().getSerialNumber());
        }
        // the connection opened before the reload still works, with its certificate
        open.getOutputStream()
                .write("GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
        String reply = new String(open.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        assertThat(reply).startsWith("HTTP/1.1 200").contains("Hello from demo-1");
        assertThat(((X509Certificate) open.getSession().getPeerCertificates()[0]).getSerialNumber())
                .isEqualTo(a.certificate().getSerialNumber());
        open.close();
    }

    private void writePem(SelfSignedCertificates.Generated g, String name) throws Exception {
        g.writeCertificatePem(dir.resolve(name + ".crt"));
        String b64 = java.util.Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(g.key().getEncoded());
        Files.writeString(
                dir.resolve(name + ".key"), "-----BEGIN PRIVATE KEY-----\n" + b64 + "\n-----END PRIVATE KEY-----\n");
    }

    private static SSLSocket tlsConnect(int port) throws Exception {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(
                null,
                new TrustManager[] {
                    new X509TrustManager() {
                        @Override
                        public void checkClientTrusted(X509Certificate[] chain, String authType) {}

                        @Override
                        public void checkServerTrusted(
                                X509Certificate[] chain, String authType) {} // the test checks the serial

                        @Override
                        public X509Certificate[] getAcceptedIssuers() {
                            return new X509Certificate[0];
                        }
                    }
                },
                null);
        SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port);
        s.setSoTimeout(10_000);
        s.startHandshake();
        return s;
    }

    private String get(int port) throws Exception {
        HttpResponse<String> r = client.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return r.body().trim();
    }

    @Test
    void saveConfig_keepsMode0600_andWritesThroughASymlink() throws Exception {
        DemoBackends demo = DemoBackends.start(2);
        toClose.add(demo);
        Path real = dir.resolve("conf").resolve("reverl.yaml");
        Files.createDirectories(real.getParent());
        Files.writeString(
                real,
                "listeners: [ { address: \"127.0.0.1:0\" } ]\nadmin: { enabled: false }\n"
                        + backendsYaml(List.<String[]>of(demo.endpoints().get(0))));
        Files.setPosixFilePermissions(real, PosixFilePermissions.fromString("rw-------"));
        Path link = dir.resolve("reverl.yaml");
        Files.createSymbolicLink(link, real);
        ReverlServer server = start(link);
        server.loadBalancer()
                .add(org.reverl.gateway.api.BackendSpec.of(
                        "demo-2", "http://" + demo.endpoints().get(1)[1]));

        server.saveConfig();

        assertThat(Files.isSymbolicLink(link)).isTrue();
        assertThat(Files.readSymbolicLink(link)).isEqualTo(real);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(real)))
                .isEqualTo("rw-------");
        assertThat(Files.readString(real)).contains("demo-2");
        try (var left = Files.list(real.getParent())) {
            assertThat(left.map(p -> p.getFileName().toString())).containsExactly("reverl.yaml"); // no temporary file
        }
        assertThat(new ConfigLoader(ProviderRegistry.load()).load(link).backends())
                .extracting(org.reverl.gateway.api.BackendSpec::id)
                .containsExactly("demo-1", "demo-2");
    }

    @Test
    void saveConfig_keepsEachBackendsTlsOptions() throws Exception {
        DemoBackends demo = DemoBackends.start(1);
        toClose.add(demo);
        Files.writeString(dir.resolve("ca.pem"), "x");
        Path file = dir.resolve("reverl.yaml");
        Files.writeString(
                file,
                "listeners: [ { address: \"127.0.0.1:0\" } ]\nadmin: { enabled: false }\n"
                        + backendsYaml(List.<String[]>of(demo.endpoints().get(0)))
                        + "  - { id: api, address: \"https://api.internal.test:8443\","
                        + " tls: { verify: false, ca: ca.pem, serverName: api.example.test } }\n");
        ReverlServer server = start(file);

        server.saveConfig();

        org.reverl.gateway.api.BackendSpec api = new ConfigLoader(ProviderRegistry.load())
                .load(file).backends().stream()
                        .filter(b -> b.id().equals("api"))
                        .findFirst()
                        .orElseThrow();
        assertThat(api.address()).isEqualTo("https://api.internal.test:8443");
        assertThat(api.tags())
                .isEqualTo(java.util.Map.of(
                        "tls.verify", "false",
                        "tls.ca", dir.resolve("ca.pem").toString(),
                        "tls.serverName", "api.example.test"));
    }

    @Test
    void processProbe_fromTheConfigFile_followsARealChildProcess() throws Exception {
        Process child = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        ChildWebServer.class.getName())
                .redirectErrorStream(true)
                .start();
        toClose.add(child::destroyForcibly);
        String line =
                new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8)).readLine();
        assertThat(line).startsWith("port ");
        int childPort = Integer.parseInt(line.substring(5).trim());
        Path file = dir.resolve("reverl.yaml");
        Files.writeString(
                file,
                "listeners: [ { address: \"127.0.0.1:0\" } ]\nadmin: { enabled: false }\n"
                        + "health: { probe: process, interval: 100ms, timeout: 100ms, rise: 1, fall: 1 }\n"
                        + "backends:\n  - { id: child, address: \"127.0.0.1:" + childPort + "\", health: { pid: "
                        + child.pid()
                        + " } }\n");
        ReverlServer server = start(file);
        int port = server.listenAddresses().get(0).getPort();
        Backend backend = server.loadBalancer().backend("child").orElseThrow();
        assertThat(backend.spec().healthAddress()).isEqualTo("pid:" + child.pid());

        await().atMost(Duration.ofSeconds(10)).until(() -> backend.state() == BackendState.UP);
        assertThat(get(port)).isEqualTo("child");

        child.destroyForcibly().waitFor(10, TimeUnit.SECONDS);

        await().atMost(Duration.ofSeconds(10)).until(() -> backend.state() == BackendState.DOWN);
        HttpResponse<String> r = client.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(503);
    }

    @Test
    void processProbe_withoutPidOrPidfile_refusedByTheCheck() {
        String yaml = "listeners: [ { address: \"127.0.0.1:0\" } ]\nhealth: { probe: process }\n"
                + "backends:\n  - { id: web, address: \"127.0.0.1:9001\" }\n"
                + "  - { id: web2, address: \"127.0.0.1:9002\", health: { pid: 42 } }\n";
        try {
            new ConfigLoader(ProviderRegistry.load()).parse(yaml, "reverl.yaml", dir);
            throw new AssertionError("accepted");
        } catch (ConfigException e) {
            assertThat(e.errors())
                    .containsExactly("backends[0].health: missing (expected: { pid: ... } or { pidfile: ... } for"
                            + " health.probe: process)");
        }
        String tcp = "listeners: [ { address: \"127.0.0.1:0\" } ]\nhealth: { probe: tcp }\n"
                + "backends:\n  - { id: web, address: \"127.0.0.1:9001\", health: { pidfile: app.pid } }\n"
                + "  - { id: web2, address: \"127.0.0.1:9002\", health: { port: 9090 } }\n";
        try {
            new ConfigLoader(ProviderRegistry.load()).parse(tcp, "reverl.yaml", dir);
            throw new AssertionError("accepted");
        } catch (ConfigException e) {
            assertThat(e.errors()).singleElement().asString().startsWith("backends[0].health: \"pidfile:");
        }
    }
}
