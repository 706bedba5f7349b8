package org.reverl.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
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
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reverl.gateway.core.ProviderRegistry;
import org.reverl.server.config.ConfigLoader;

/**
 * A server with two pools behind one listener, routed by Host and by path prefix, with real backends: answers, 404 for
 * what no route matches, the admin API and metrics per pool, reloads that add a pool and a route, then remove a pool,
 * also under load.
 */
class PoolsIT {

    @TempDir
    Path dir;

    private final HttpClient client = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(5))
            .version(HttpClient.Version.HTTP_1_1)
            .build();
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private WebBackend web1;
    private WebBackend web2;
    private WebBackend api1;
    private WebBackend static1;
    private Path file;
    private ReverlServer server;

    @BeforeEach
    void start() throws Exception {
        web1 = backend("web-1");
        web2 = backend("web-2");
        api1 = backend("api-1");
        static1 = backend("static-1");
        file = dir.resolve("reverl.yaml");
        Files.writeString(file, head() + webAndApi() + ROUTES);
        server = ServerLauncher.start(new ConfigLoader(ProviderRegistry.load()).load(file), file);
        toClose.add(server);
    }

    @AfterEach
    void stop() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    private WebBackend backend(String name) throws IOException {
        WebBackend b = WebBackend.start(name);
        toClose.add(b);
        return b;
    }

    private static final String ROUTES = """
            routes:
              - { host: api.example.com, pool: api }
              - { path: /api, pool: api }
              - { host: "*.example.com", pool: web }
            """;

    private static String head() {
        return "listeners: [ { address: \"127.0.0.1:0\" } ]\nadmin: { address: \"127.0.0.1:0\" }\n";
    }

    private String webAndApi() {
        return "pools:\n"
                + "  web:\n"
                + "    backends: [ { id: web-1, address: \"" + web1.address() + "\" }, { id: web-2, address: \""
                + web2.address() + "\" } ]\n"
                + "  api:\n"
                + "    backends: [ { id: api-1, address: \"" + api1.address() + "\" } ]\n"
                + "    strategy: { name: least_conn }\n";
    }

    /** A GET with this Host, on a connection of its own; the whole response as text. */
    private String get(String host, String path) throws IOException {
        InetSocketAddress proxy = server.listenAddresses().get(0);
        try (Socket s = new Socket()) {
            s.connect(proxy, 2000);
            s.setSoTimeout(5000);
            s.getOutputStream()
                    .write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                            .getBytes(StandardCharsets.ISO_8859_1));
            InputStream in = s.getInputStream();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            in.transferTo(got);
            return got.toString(StandardCharsets.ISO_8859_1);
        }
    }

    private String body(String host, String path) throws IOException {
        String r = get(host, path);
        assertThat(r).startsWith("HTTP/1.1 200 ");
        return r.substring(r.indexOf("\r\n\r\n") + 4).strip();
    }

    /** The backends of a history answer of the admin port. */
    private com.fasterxml.jackson.databind.JsonNode history(String path) throws Exception {
        return new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(admin("GET", path).body())
                .path("backends");
    }

    private HttpResponse<String> admin(String method, String path) throws Exception {
        return client.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                                + server.adminAddress().orElseThrow().getPort() + path))
                        .header("Content-Type", "application/json")
                        .method(method, HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void twoPools_routedByHostAndByPath_noMatchIs404() throws Exception {
        assertThat(body("api.example.com", "/")).isEqualTo("api-1");
        assertThat(body("API.Example.com:8080", "/x")).isEqualTo("api-1");
        assertThat(body("www.example.com", "/api/users")).isEqualTo("api-1");
        List<String> web = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            web.add(body("www.example.com", "/"));
        }
        assertThat(web).containsOnly("web-1", "web-2").contains("web-1", "web-2");

        int served = web1.served.get() + web2.served.get() + api1.served.get();
        assertThat(get("other.test", "/")).startsWith("HTTP/1.1 404 ");
        assertThat(get("example.com", "/")).startsWith("HTTP/1.1 404 ");
        assertThat(web1.served.get() + web2.served.get() + api1.served.get()).isEqualTo(served);
    }

    @Test
    void adminAndMetrics_perPool() throws Exception {
        HttpResponse<String> pools = admin("GET", "/pools");
        assertThat(pools.statusCode()).isEqualTo(200);
        assertThat(pools.body())
                .contains("\"defaultPool\" : \"web\"")
                .contains("\"name\" : \"web\"")
                .contains("\"name\" : \"api\"");
        HttpResponse<String> api = admin("GET", "/pools/api/backends");
        assertThat(api.statusCode()).isEqualTo(200);
        assertThat(api.body()).contains("\"api-1\"").doesNotContain("\"web-1\"");
        // today's endpoints speak of the default pool
        assertThat(admin("GET", "/backends").body()).contains("\"web-1\"").doesNotContain("\"api-1\"");
        assertThat(admin("POST", "/pools/api/backends/api-1/maintenance").statusCode())
                .isEqualTo(200);
        assertThat(get("api.example.com", "/")).startsWith("HTTP/1.1 503 ");
        assertThat(admin("POST", "/pools/api/backends/api-1/enable").statusCode())
                .isEqualTo(200);
        assertThat(body("api.example.com", "/")).isEqualTo("api-1");
        HttpResponse<String> unknown = admin("GET", "/pools/nope/backends");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.body()).contains("pool 'nope': no such pool (expected: one of [web, api])");

        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(admin("GET", "/metrics").body())
                        .contains("reverl_backend_responses_total{backend=\"api-1\",pool=\"api\",status=\"2xx\"} 1.0")
                        .contains("reverl_backend_state{backend=\"web-1\",pool=\"web\"} 0.0"));

        // the charts' history, sampled once a second: each pool's own members
        await().atMost(Duration.ofSeconds(10))
                .until(() ->
                        history("/pools/api/history").path("api-1").path("t").size() > 0);
        assertThat(history("/pools/api/history").fieldNames()).toIterable().containsExactly("api-1");
        assertThat(history("/history").fieldNames()).toIterable().containsExactly("web-1", "web-2");
        assertThat(admin("GET", "/pools/nope/history").statusCode()).isEqualTo(404);
    }

    /** Reloads that add and remove pools while clients keep asking: every request is answered 200. */
    @Test
    void reloadUnderLoad_addingAndRemovingPools_dropsNoRequest() throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        AtomicInteger answered = new AtomicInteger();
        ExecutorService clients = Executors.newFixedThreadPool(3);
        toClose.add(clients::shutdownNow);
        String[] hosts = {"api.example.com", "www.example.com", "static.example.com"};
        List<Future<?>> running = new ArrayList<>();
        for (String host : hosts) {
            running.add(clients.submit(() -> {
                for (int i = 0; i < 5_000 && !stop.get(); i++) {
                    try {
                        String r = get(host, "/");
                        if (!r.startsWith("HTTP/1.1 200 ")) {
                            failures.add(host + ": " + r.lines().findFirst().orElse(r));
                        }
                        answered.incrementAndGet();
                    } catch (IOException e) {
                        failures.add(host + ": " + e);
                    }
                }
            }));
        }
        String withStatic = head() + "defaultPool: web\n" + webAndApi()
                + "  static:\n"
                + "    backends: [ { id: static-1, address: \"" + static1.address() + "\" } ]\n"
                + "routes:\n  - { host: static.example.com, pool: static }\n"
                + ROUTES.substring("routes:\n".length());
        String withoutApi = head() + "defaultPool: web\npools:\n"
                + "  web:\n"
                + "    backends: [ { id: web-1, address: \"" + web1.address() + "\" } ]\n"
                + "  static:\n"
                + "    backends: [ { id: static-1, address: \"" + static1.address() + "\" } ]\n"
                + "routes:\n  - { host: static.example.com, pool: static }\n";
        for (int round = 0; round < 6; round++) {
            int before = answered.get();
            await().atMost(Duration.ofSeconds(10)).until(() -> answered.get() >= before + 30);
            Files.writeString(file, round % 2 == 0 ? withStatic : withoutApi);
            assertThat(server.reload().applied()).isTrue();
        }
        stop.set(true);
        for (Future<?> f : running) {
            f.get(30, TimeUnit.SECONDS);
        }
        assertThat(failures).isEmpty();
        assertThat(answered.get()).isGreaterThan(180);
    }

    @Test
    void reload_addsAPoolAndARoute_thenRemovesAPool() throws Exception {
        assertThat(body("www.example.com", "/static/app.js")).startsWith("web-");
        Files.writeString(
                file,
                head() + webAndApi()
                        + "  static:\n"
                        + "    backends: [ { id: static-1, address: \"" + static1.address() + "\" } ]\n"
                        + "routes:\n"
                        + "  - { path: /static, pool: static }\n"
                        + ROUTES.substring("routes:\n".length()));
        ServerControl.ReloadResult r = server.reload();
        assertThat(r.applied()).isTrue();
        assertThat(r.changes())
                .contains("started pool static (1 backend(s))", "routes applied (4 route(s), no match: 404)")
                .noneMatch(c -> c.startsWith("pool web:") || c.startsWith("pool api:"));
        assertThat(body("www.example.com", "/static/app.js")).isEqualTo("static-1");
        assertThat(body("api.example.com", "/")).isEqualTo("api-1");
        assertThat(server.pools()).containsOnlyKeys("web", "api", "static");

        // the api pool goes: its routes with it
        Files.writeString(
                file,
                head() + "defaultPool: web\npools:\n"
                        + "  web:\n"
                        + "    backends: [ { id: web-1, address: \"" + web1.address() + "\" } ]\n"
                        + "    timeouts: { response: 5s }\n"
                        + "  static:\n"
                        + "    backends: [ { id: static-1, address: \"" + static1.address() + "\" } ]\n"
                        + "routes:\n"
                        + "  - { path: /static, pool: static }\n");
        r = server.reload();
        assertThat(r.applied()).isTrue();
        assertThat(r.changes())
                .contains("pool web: draining backend web-2, removed once idle")
                .contains("pool web: backend timeouts and retry.on applied to the next requests")
                .anySatisfy(c -> assertThat(c).startsWith("removed pool api"));
        assertThat(body("api.example.com", "/")).isEqualTo("web-1");
        assertThat(body("other.test", "/static")).isEqualTo("static-1");
        assertThat(server.pools()).containsOnlyKeys("web", "static");
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(admin("GET", "/metrics").body()).doesNotContain("pool=\"api\""));

        // a file with a route to an unknown pool changes nothing
        Files.writeString(
                file,
                head() + "pools:\n  web:\n    backends: [ { id: web-1, address: \"" + web1.address() + "\" } ]\n"
                        + "routes:\n  - { path: /static, pool: static }\n");
        r = server.reload();
        assertThat(r.applied()).isFalse();
        assertThat(r.errors()).containsExactly("routes[0].pool: \"static\" (expected: one of [web])");
        assertThat(body("other.test", "/static")).isEqualTo("static-1");
    }
}
