package org.reverl.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
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
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reverl.discovery.etcd.EtcdServer;
import org.reverl.gateway.api.Backend;
import org.reverl.gateway.api.BackendState;
import org.reverl.gateway.core.ProviderRegistry;
import org.reverl.server.config.ConfigLoader;

/** Static and discovered backends in one server: reload and save touch only the static ones. */
class DiscoveryServerIT {

    private static final String PREFIX = "/reverl/pools/web/";

    @TempDir
    Path dir;

    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    private EtcdServer etcd() throws Exception {
        assertThat(EtcdServer.installed())
                .as("etcd is needed (Debian package etcd-server)")
                .isTrue();
        EtcdServer etcd = EtcdServer.start(dir);
        toClose.add(etcd);
        return etcd;
    }

    private Client client(EtcdServer etcd) {
        Client client = Client.builder().endpoints(etcd.endpoint()).build();
        toClose.add(client);
        return client;
    }

    private WebBackend backend(String name) throws Exception {
        WebBackend b = WebBackend.start(name);
        toClose.add(b);
        return b;
    }

    /** Puts {@code b} under {@code key} in etcd, as a registry would. */
    private static void register(Client client, String key, WebBackend b) throws Exception {
        client.getKVClient()
                .put(bytes(key), bytes("{\"address\": \"" + hostPort(b) + "\"}"))
                .get(10, TimeUnit.SECONDS);
    }

    private static String hostPort(WebBackend b) {
        return b.address().substring("http://".length());
    }

    private Path write(String etcd, String prefix, WebBackend staticBackend, String id) throws Exception {
        Path file = dir.resolve("reverl.yaml");
        Files.writeString(
                file,
                "listeners: [ { address: \"127.0.0.1:0\" } ]\n"
                        + "admin: { enabled: false }\n"
                        + "backends: [ { id: " + id + ", address: \"" + hostPort(staticBackend) + "\" } ]\n"
                        + "discovery: { source: etcd, endpoints: \"" + etcd + "\", prefix: " + prefix + " }\n");
        return file;
    }

    @Test
    void reloadAndSave_leaveDiscoveredBackendsAlone() throws Exception {
        EtcdServer etcd = etcd();
        Client client = client(etcd);
        WebBackend s1 = backend("s1");
        WebBackend s2 = backend("s2");
        WebBackend d1 = backend("d1");
        register(client, PREFIX + "d1", d1);

        Path file = write(etcd.endpoint(), PREFIX, s1, "s1");
        ReverlServer server = ServerLauncher.start(new ConfigLoader(ProviderRegistry.load()).load(file), file);
        toClose.add(server);
        await().atMost(Duration.ofSeconds(15)).until(() -> ids(server).equals(List.of("s1", "d1")));
        assertThat(server.discovery())
                .get()
                .satisfies(d -> assertThat(d.synced()).isTrue());

        write(etcd.endpoint(), PREFIX, s2, "s2");
        ServerControl.ReloadResult r = server.reload();
        assertThat(r.applied()).isTrue();
        assertThat(r.changes()).noneMatch(c -> c.contains("d1"));
        assertThat(server.loadBalancer().backend("d1").map(Backend::state)).contains(BackendState.UP);
        await().atMost(Duration.ofSeconds(15)).until(() -> ids(server).equals(List.of("d1", "s2")));

        write(etcd.endpoint(), "/reverl/pools/other/", s2, "s2");
        assertThat(server.reload().restartNeeded()).containsExactly("discovery");

        server.saveConfig();
        String saved = Files.readString(file);
        assertThat(saved).contains("s2").doesNotContain("d1");
    }

    @Test
    void poolsWithSourcesOfTheirOwn_eachReportedByName() throws Exception {
        EtcdServer etcd = etcd();
        Client client = client(etcd);
        register(client, "/reverl/pools/web/w1", backend("w1"));
        register(client, "/reverl/pools/api/a1", backend("a1"));
        Path file = dir.resolve("reverl.yaml");
        String source = "{ source: etcd, endpoints: \"" + etcd.endpoint() + "\", prefix: ";
        Files.writeString(
                file,
                "listeners: [ { address: \"127.0.0.1:0\" } ]\n"
                        + "admin: { address: \"127.0.0.1:0\" }\n"
                        + "pools:\n"
                        + "  web: { discovery: " + source + "/reverl/pools/web/ } }\n"
                        + "  api: { discovery: " + source + "/reverl/pools/api/ } }\n"
                        + "routes: [ { path: /api, pool: api } ]\n"
                        + "defaultPool: web\n");
        ReverlServer server = ServerLauncher.start(new ConfigLoader(ProviderRegistry.load()).load(file), file);
        toClose.add(server);

        await().atMost(Duration.ofSeconds(15))
                .until(() -> server.discovery("api")
                                .map(d -> d.synced() && d.backends() == 1)
                                .orElse(false)
                        && server.discovery("web")
                                .map(d -> d.synced() && d.backends() == 1)
                                .orElse(false));
        assertThat(server.discovery()).as("the default pool's").isEqualTo(server.discovery("web"));
        assertThat(server.discovery("no-such-pool")).isEmpty();

        int admin = server.adminAddress().orElseThrow().getPort();
        JsonNode readyz = new ObjectMapper().readTree(get(admin, "/readyz"));
        assertThat(readyz.path("ready").asBoolean()).isTrue();
        assertThat(readyz.path("discovery").path("synced").asBoolean()).isTrue();
        assertThat(readyz.path("discovery").fieldNames()).toIterable().containsExactly("synced", "backends");
        assertThat(readyz.path("pools").path("web").path("backends").asInt()).isEqualTo(1);
        assertThat(readyz.path("pools").path("api").path("synced").asBoolean()).isTrue();
        assertThat(readyz.path("pools").path("api").path("backends").asInt()).isEqualTo(1);
        assertThat(readyz.path("pools").path("api").fieldNames())
                .as("no source or error where no token is asked for")
                .toIterable()
                .containsExactly("synced", "backends");
        JsonNode api = new ObjectMapper().readTree(get(admin, "/pools/api"));
        assertThat(api.path("discovery").path("source").asText()).contains("/reverl/pools/api/");

        int port = server.listenAddresses().get(0).getPort();
        assertThat(get(port, "/api").trim())
                .as("a discovered backend of the api pool answers")
                .isEqualTo("a1");
    }

    private static String get(int port, String path) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(5))
                .build();
        return HttpClient.newHttpClient()
                .send(request, HttpResponse.BodyHandlers.ofString())
                .body();
    }

    private static List<String> ids(ReverlServer server) {
        return server.loadBalancer().backends().stream()
                .filter(b -> b.state() != BackendState.DRAINING)
                .map(Backend::id)
                .toList();
    }

    private static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }
}
