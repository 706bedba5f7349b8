package org.reverl.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reverl.gateway.api.BackendEvent;
import org.reverl.gateway.api.BackendState;
import org.reverl.gateway.core.ProviderRegistry;
import org.reverl.server.config.ConfigLoader;
import org.reverl.server.config.ReverlConfig;

/**
 * Outlier ejection with real backends through the running server: a backend answering 503 to every request is ejected
 * after N of them while the pool serves 200 from the others; its trials fail while it still answers 503, and it is
 * restored once it answers 200 again. A backend far slower than the others is ejected as a latency outlier.
 */
class OutlierEjectionIT {

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

    /** A backend on 127.0.0.1 answering its name with the status a test sets. */
    static final class StatusBackend implements AutoCloseable {
        final String name;
        final AtomicInteger status = new AtomicInteger(200);
        final AtomicInteger served = new AtomicInteger();
        /** How long each answer waits, in milliseconds. */
        final AtomicInteger delayMillis = new AtomicInteger();

        private final HttpServer server;
        /** Answers after {@link #delayMillis} without holding a thread meanwhile. */
        private final java.util.concurrent.ScheduledExecutorService answers =
                java.util.concurrent.Executors.newSingleThreadScheduledExecutor();

        StatusBackend(String name) throws IOException {
            this.name = name;
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
            server.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(4));
            server.createContext("/", this::handle);
            server.start();
        }

        String address() {
            return "http://127.0.0.1:" + server.getAddress().getPort();
        }

        private void handle(HttpExchange ex) throws IOException {
            ex.getRequestBody().readAllBytes();
            served.incrementAndGet(); // before the answer, so that a client that has it sees the count
            int delay = delayMillis.get();
            if (delay > 0) {
                // the backend's own slowness: the answer is scheduled, no thread waits for it
                answers.schedule(() -> answer(ex), delay, java.util.concurrent.TimeUnit.MILLISECONDS);
            } else {
                answer(ex);
            }
        }

        private void answer(HttpExchange ex) {
            try (ex) {
                byte[] body = name.getBytes(StandardCharsets.UTF_8);
                ex.sendResponseHeaders(status.get(), body.length);
                try (OutputStream out = ex.getResponseBody()) {
                    out.write(body);
                }
            } catch (IOException e) {
                // the proxy closed the connection first: nothing to answer
            }
        }

        @Override
        public void close() {
            server.stop(0);
            ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
            answers.shutdownNow();
        }
    }

    private StatusBackend backend(String name) throws IOException {
        StatusBackend b = new StatusBackend(name);
        toClose.add(b);
        return b;
    }

    private HttpResponse<String> get(ReverlServer server) throws Exception {
        InetSocketAddress a = server.listenAddresses().get(0);
        return client.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + a.getPort() + "/"))
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aBackendAnswering503_isEjectedAfterN_thePoolServes200_andItIsRestoredWhenItRecovers() throws Exception {
        StatusBackend b1 = backend("b1");
        StatusBackend b2 = backend("b2");
        StatusBackend b3 = backend("b3");
        b2.status.set(503);
        Path file = dir.resolve("reverl.yaml");
        Files.writeString(file, """
                listeners: [ { address: 127.0.0.1:0 } ]
                backends:
                  - { id: b1, address: "%s" }
                  - { id: b2, address: "%s" }
                  - { id: b3, address: "%s" }
                outlier: { consecutive5xx: 3, baseEjectionTime: 2s }
                admin: { enabled: false }
                """.formatted(b1.address(), b2.address(), b3.address()));
        ReverlConfig config = new ConfigLoader(ProviderRegistry.load()).load(file);
        ReverlServer server = ServerLauncher.start(config, file);
        toClose.add(server);
        List<BackendEvent> events = new CopyOnWriteArrayList<>();
        server.loadBalancer().addListener(events::add);

        // round robin: b2 answers every third request with 503 until its third one ejects it
        int failures = 0;
        for (int i = 0; i < 9; i++) {
            HttpResponse<String> r = get(server);
            if (r.statusCode() == 503) {
                assertThat(r.body()).isEqualTo("b2");
                failures++;
            } else {
                assertThat(r.statusCode()).isEqualTo(200);
            }
        }
        assertThat(failures).isEqualTo(3);
        // the state changes before listeners hear of it: wait for both
        await().atMost(Duration.ofSeconds(5))
                .until(() -> server.loadBalancer().backend("b2").orElseThrow().state() == BackendState.EJECTED
                        && events.stream().anyMatch(e -> e.describe().startsWith("backend b2 is ejected")));
        assertThat(events)
                .extracting(BackendEvent::describe)
                .contains("backend b2 is ejected: 3 consecutive 5xx (last: 503); out for 2s (ejection 1)");

        // ejected: the others serve every request
        int servedByB2 = b2.served.get();
        for (int i = 0; i < 20; i++) {
            HttpResponse<String> r = get(server);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isIn("b1", "b3");
        }
        assertThat(b2.served.get()).isEqualTo(servedByB2);

        // still failing: its first trial request (after 2 s) fails, and it is out again for 4 s
        await().atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> {
                    get(server);
                    return b2.served.get() > servedByB2;
                });
        assertThat(b2.served.get()).isEqualTo(servedByB2 + 1);
        assertThat(server.loadBalancer().backend("b2").orElseThrow().state()).isEqualTo(BackendState.EJECTED);

        // it recovers: the next trial restores it, and it serves its share again
        b2.status.set(200);
        await().atMost(Duration.ofSeconds(15))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> {
                    assertThat(get(server).statusCode()).isEqualTo(200);
                    return server.loadBalancer().backend("b2").orElseThrow().state() == BackendState.UP
                            && events.stream().anyMatch(e -> e.describe().startsWith("backend b2 is restored"));
                });
        assertThat(events)
                .extracting(BackendEvent::describe)
                .anySatisfy(e -> assertThat(e).startsWith("backend b2 is restored: trial request succeeded (200 in"));
        int before = b2.served.get();
        for (int i = 0; i < 9; i++) {
            assertThat(get(server).statusCode()).isEqualTo(200);
        }
        assertThat(b2.served.get()).isEqualTo(before + 3);
    }

    @Test
    void aBackendFarSlowerThanThePoolMedian_isEjectedAtTheEndOfAWindow() throws Exception {
        StatusBackend b1 = backend("b1");
        StatusBackend b2 = backend("b2");
        StatusBackend b3 = backend("b3");
        b3.delayMillis.set(300);
        Path file = dir.resolve("reverl.yaml");
        Files.writeString(file, """
                listeners: [ { address: 127.0.0.1:0 } ]
                backends:
                  - { id: b1, address: "%s" }
                  - { id: b2, address: "%s" }
                  - { id: b3, address: "%s" }
                outlier: { consecutive5xx: 0, baseEjectionTime: 30s, latency: { factor: 4, window: 1s, minRequests: 2 } }
                admin: { enabled: false }
                """.formatted(b1.address(), b2.address(), b3.address()));
        ReverlConfig config = new ConfigLoader(ProviderRegistry.load()).load(file);
        ReverlServer server = ServerLauncher.start(config, file);
        toClose.add(server);
        List<BackendEvent> events = new CopyOnWriteArrayList<>();
        server.loadBalancer().addListener(events::add);

        // sequential requests: in each 1 s window b3 answers about 3 of them, in 300 ms each, the others in about 1 ms
        await().atMost(Duration.ofSeconds(15))
                .pollInterval(Duration.ofMillis(1))
                .until(() -> {
                    assertThat(get(server).statusCode()).isEqualTo(200);
                    // the state changes before listeners hear of it: wait for both
                    return server.loadBalancer().backend("b3").orElseThrow().state() == BackendState.EJECTED
                            && events.stream().anyMatch(e -> e.describe().startsWith("backend b3 is ejected"));
                });
        assertThat(events)
                .extracting(BackendEvent::describe)
                .anySatisfy(e -> assertThat(e)
                        .startsWith("backend b3 is ejected: mean latency ")
                        .contains(" over 1s (")
                        .contains(" > 4.0 x pool median ")
                        .endsWith("; out for 30s (ejection 1)"));
        int servedByB3 = b3.served.get();
        for (int i = 0; i < 20; i++) {
            HttpResponse<String> r = get(server);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isIn("b1", "b2");
        }
        assertThat(b3.served.get()).isEqualTo(servedByB3);
    }
}
