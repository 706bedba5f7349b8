package org.reverl.server.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.OptionalDouble;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.reverl.server.Scrape;
import org.reverl.server.TestServer;
import org.reverl.server.WebBackend;

/**
 * The operator flow under load: add a backend, drain one, remove it, while clients keep sending; no request fails,
 * and the metrics show the change.
 */
class AdminUnderLoadIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int CLIENTS = 4;
    private static final int MAX_PER_CLIENT = 20_000;

    @Test
    void addDrainRemove_underLoad_noFailedRequest_metricsFollow() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
        try (TestServer server = TestServer.start(3);
                WebBackend b4 = WebBackend.start("b4")) {
            AtomicBoolean stop = new AtomicBoolean();
            AtomicInteger done = new AtomicInteger();
            ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
            CountDownLatch finished = new CountDownLatch(CLIENTS);
            for (int c = 0; c < CLIENTS; c++) {
                pool.execute(() -> {
                    HttpClient client = HttpClient.newBuilder()
                            .version(HttpClient.Version.HTTP_1_1)
                            .build();
                    try {
                        for (int i = 0; i < MAX_PER_CLIENT && !stop.get(); i++) {
                            try {
                                HttpResponse<String> r = client.send(
                                        HttpRequest.newBuilder(server.proxyUri("/"))
                                                .timeout(Duration.ofSeconds(10))
                                                .build(),
                                        HttpResponse.BodyHandlers.ofString());
                                if (r.statusCode() != 200) {
                                    failures.add(r.statusCode() + " " + r.body());
                                }
                            } catch (Exception e) {
                                failures.add(e.toString());
                            }
                            done.incrementAndGet();
                        }
                    } finally {
                        finished.countDown();
                    }
                });
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> done.get() >= 200);

            HttpResponse<String> added = server.admin(
                    "POST", "/backends", "{\"id\": \"b4\", \"address\": \"" + b4.address() + "\", \"weight\": 2}");
            assertThat(added.statusCode()).as(added.body()).isEqualTo(201);
            await().atMost(Duration.ofSeconds(20)).until(() -> b4.served.get() >= 20);

            HttpResponse<String> drain = server.admin("POST", "/backends/b2/drain", null);
            assertThat(drain.statusCode()).isEqualTo(202);
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> JSON.readTree(
                                    server.admin("GET", "/backends/b2", null).body())
                            .path("drained")
                            .asBoolean());
            int servedByB2 = server.backends.get(1).served.get();

            HttpResponse<String> removed = server.admin("DELETE", "/backends/b2", null);
            assertThat(removed.statusCode()).isEqualTo(200);
            int before = done.get();
            await().atMost(Duration.ofSeconds(20)).until(() -> done.get() >= before + 200);

            stop.set(true);
            assertThat(finished.await(60, TimeUnit.SECONDS)).isTrue();
            assertThat(failures).as("failed requests").isEmpty();
            assertThat(server.backends.get(1).served.get())
                    .as("b2 got nothing once drained")
                    .isEqualTo(servedByB2);

            String scrape = server.admin("GET", "/metrics", null).body();
            OptionalDouble b4Responses = Scrape.value(
                    scrape, "reverl_backend_responses_total{backend=\"b4\",pool=\"default\",status=\"2xx\"}");
            assertThat(b4Responses).isPresent();
            assertThat(b4Responses.getAsDouble()).isGreaterThanOrEqualTo(20);
            assertThat(Scrape.value(scrape, "reverl_backend_state{backend=\"b4\",pool=\"default\"}"))
                    .hasValue(0);
            assertThat(scrape).doesNotContain("backend=\"b2\"");
            assertThat(JSON.readTree(server.admin("GET", "/backends", null).body())
                            .path("backends")
                            .findValuesAsText("id"))
                    .containsExactly("b1", "b3", "b4");
        } finally {
            pool.shutdownNow();
        }
    }
}
