package org.reverl.server.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reverl.discovery.etcd.EtcdServer;
import org.reverl.server.Reverl;
import org.reverl.server.WebBackend;

/**
 * Two {@code reverl run} processes configured with the same etcd prefix, sharing nothing else: a backend written to
 * etcd joins both, and leaves both, within a second (measured from each process's own event log lines), and traffic
 * through both reaches it; with etcd stopped both keep serving what they had and say so on {@code /readyz}.
 */
class SharedRegistryIT {

    private static final String PREFIX = "/reverl/pools/web/";
    private static final Pattern LOG_TIME = Pattern.compile("^(\\S+) \\[[A-Z]+\\] .*");

    @TempDir
    Path dir;

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @AfterEach
    void close() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    /** One {@code reverl run} process. */
    private final class Instance {
        final int port = freePort();
        final int admin = freePort();
        final Path log;
        final Process process;

        Instance(String name, String etcd) throws IOException {
            Path config = dir.resolve(name + ".yaml");
            Files.writeString(
                    config,
                    "listeners: [ { address: \"127.0.0.1:" + port + "\" } ]\n"
                            + "admin: { address: \"127.0.0.1:" + admin + "\" }\n"
                            + "discovery: { source: etcd, endpoints: \"" + etcd + "\", prefix: " + PREFIX
                            + ", retry_initial: 200ms, retry_max: 1s, request_timeout: 1s }\n");
            log = dir.resolve(name + ".log");
            process = new ProcessBuilder(
                            Path.of(System.getProperty("java.home"), "bin", "java")
                                    .toString(),
                            "-cp",
                            System.getProperty("java.class.path"),
                            Reverl.class.getName(),
                            "run",
                            "--config",
                            config.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            toClose.add(process::destroyForcibly);
        }

        /** The body of {@code GET /} through the proxy: the name of the backend that answered. */
        String get() throws IOException, InterruptedException {
            return body(port, "/").trim();
        }

        /** The names of the backends that answered {@code n} requests. */
        Set<String> answering(int n) throws IOException, InterruptedException {
            Set<String> names = new HashSet<>();
            for (int i = 0; i < n; i++) {
                names.add(get());
            }
            return names;
        }

        JsonNode readyz() throws IOException, InterruptedException {
            return new ObjectMapper().readTree(body(admin, "/readyz"));
        }

        /** The default pool as the admin API shows it, with where its discovery stands. */
        JsonNode defaultPool() throws IOException, InterruptedException {
            return new ObjectMapper().readTree(body(admin, "/pools/default"));
        }

        String metrics() throws IOException, InterruptedException {
            return body(admin, "/metrics");
        }

        private String body(int toPort, String path) throws IOException, InterruptedException {
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + toPort + path))
                    .timeout(Duration.ofSeconds(5))
                    .build();
            return http.send(request, HttpResponse.BodyHandlers.ofString()).body();
        }

        /** When this process logged a line containing {@code text}, or {@code null} if it has not. */
        OffsetDateTime logged(String text) throws IOException {
            for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
                Matcher m = LOG_TIME.matcher(line);
                if (line.contains(text) && m.matches()) {
                    return OffsetDateTime.parse(m.group(1));
                }
            }
            return null;
        }

        int stop() throws InterruptedException {
            process.destroy(); // SIGTERM
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
            return process.exitValue();
        }
    }

    @Test
    void twoInstances_followOneEtcd_withinOneSecond() throws Exception {
        assertThat(EtcdServer.installed())
                .as("etcd is needed (Debian package etcd-server)")
                .isTrue();
        EtcdServer etcd = EtcdServer.start(dir);
        toClose.add(etcd);
        Client client = Client.builder().endpoints(etcd.endpoint()).build();
        toClose.add(client);
        WebBackend one = WebBackend.start("one");
        WebBackend two = WebBackend.start("two");
        toClose.add(one);
        toClose.add(two);
        put(client, "one", one.address());

        List<Instance> instances = List.of(new Instance("a", etcd.endpoint()), new Instance("b", etcd.endpoint()));
        for (Instance i : instances) {
            try {
                await().atMost(Duration.ofSeconds(60))
                        .ignoreExceptions()
                        .until(() -> i.get().equals("one"));
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                throw new AssertionError(i.log.getFileName() + " does not serve: " + Files.readString(i.log), e);
            }
        }

        // added in etcd: in both within 1 s, and traffic through both reaches it
        OffsetDateTime added = OffsetDateTime.now();
        put(client, "two", two.address());
        for (Instance i : instances) {
            await().atMost(Duration.ofSeconds(10)).until(() -> i.logged("backend two added") != null);
            Duration took = Duration.between(added, i.logged("backend two added"));
            System.out.println(
                    "discovery: backend two added in " + i.log.getFileName() + " after " + took.toMillis() + " ms");
            assertThat(took).isLessThan(Duration.ofSeconds(1));
            assertThat(i.answering(10)).containsExactlyInAnyOrder("one", "two");
        }

        // removed in etcd: drained and removed in both within 1 s
        OffsetDateTime removed = OffsetDateTime.now();
        client.getKVClient().delete(bytes(PREFIX + "two")).get(10, TimeUnit.SECONDS);
        for (Instance i : instances) {
            await().atMost(Duration.ofSeconds(10)).until(() -> i.logged("backend two is removed") != null);
            Duration took = Duration.between(removed, i.logged("backend two is removed"));
            System.out.println(
                    "discovery: backend two removed in " + i.log.getFileName() + " after " + took.toMillis() + " ms");
            assertThat(took).isLessThan(Duration.ofSeconds(1));
            assertThat(i.answering(6)).containsExactly("one");
        }

        // the registry goes away: both keep serving what they had, and say so
        etcd.stop();
        for (Instance i : instances) {
            await().atMost(Duration.ofSeconds(20))
                    .ignoreExceptions()
                    .until(() -> !i.readyz().get("discovery").get("synced").asBoolean());
            JsonNode d = i.readyz().get("discovery");
            assertThat(d.get("backends").asInt()).isEqualTo(1);
            assertThat(d.fieldNames())
                    .as("no source or error where no token is asked for")
                    .toIterable()
                    .containsExactly("synced", "backends");
            assertThat(i.defaultPool().path("discovery").path("lastError").asText())
                    .isNotEmpty();
            assertThat(i.readyz().get("ready").asBoolean()).isTrue();
            assertThat(i.metrics())
                    .contains("reverl_discovery_synced{source=\"etcd 127.0.0.1:")
                    .contains("} 0.0");
            assertThat(i.answering(4)).containsExactly("one");
        }

        // it comes back: both resync, and follow changes again
        etcd.restart();
        put(client, "two", two.address());
        for (Instance i : instances) {
            await().atMost(Duration.ofSeconds(20))
                    .ignoreExceptions()
                    .until(() -> i.readyz().get("discovery").get("synced").asBoolean()
                            && i.readyz().get("discovery").get("backends").asInt() == 2);
            assertThat(i.answering(10)).containsExactlyInAnyOrder("one", "two");
        }

        for (Instance i : instances) {
            assertThat(i.stop()).as(Files.readString(i.log)).isZero();
        }
        assertThat(instances.get(0).logged("discovery etcd 127.0.0.1:")).isNotNull();
    }

    private static void put(Client client, String id, String address) throws Exception {
        client.getKVClient()
                .put(bytes(PREFIX + id), bytes("{\"address\": \"" + address + "\"}"))
                .get(10, TimeUnit.SECONDS);
    }

    private static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
