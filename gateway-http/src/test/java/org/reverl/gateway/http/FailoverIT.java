package org.reverl.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.reverl.gateway.api.BackendEvent;
import org.reverl.gateway.api.BackendState;

/**
 * Three backends, one killed while several connections send a bounded load of GETs: no request fails, the killed
 * backend is out after its first failure, and back once it runs again.
 */
class FailoverIT {

    @Test
    void backendKilledUnderLoad_noFailedRequest_downThenBack() throws Exception {
        TestBackend b1 = TestBackend.start("b1");
        TestBackend b2 = TestBackend.start("b2");
        TestBackend b3 = TestBackend.start("b3");
        int clients = 8;
        int perClient = 400;
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try (ProxyFixture fx = new ProxyFixture(List.of(b1.address(), b2.address(), b3.address()))) {
            AtomicInteger done = new AtomicInteger();
            ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
            CountDownLatch finished = new CountDownLatch(clients);
            for (int c = 0; c < clients; c++) {
                pool.execute(() -> {
                    HttpClient client = HttpClient.newBuilder()
                            .version(HttpClient.Version.HTTP_1_1)
                            .build();
                    try {
                        for (int i = 0; i < perClient; i++) {
                            try {
                                HttpResponse<String> r = client.send(
                                        HttpRequest.newBuilder(fx.uri("/"))
                                                .timeout(Duration.ofSeconds(10))
                                                .build(),
                                        HttpResponse.BodyHandlers.ofString());
                                if (r.statusCode() != 200 || !r.body().startsWith("b")) {
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
            await().atMost(Duration.ofSeconds(30)).until(() -> done.get() >= clients * perClient / 4);
            b2.kill();
            assertThat(finished.await(60, TimeUnit.SECONDS)).isTrue();

            assertThat(failures).as("failed requests").isEmpty();
            assertThat(done.get()).isEqualTo(clients * perClient);
            assertThat(fx.events)
                    .as("b2 went out of rotation")
                    .anyMatch(e -> e.backendId().equals("b2")
                            && (e.type() == BackendEvent.Type.EJECTED || e.type() == BackendEvent.Type.DOWN));
            assertThat(fx.lb.backend("b2").orElseThrow().state()).isNotEqualTo(BackendState.UP);

            b2.restart();
            HttpClient client = HttpClient.newHttpClient();
            await().atMost(Duration.ofSeconds(20))
                    .pollInterval(Duration.ofMillis(50))
                    .untilAsserted(() -> {
                        HttpResponse<String> r = client.send(
                                HttpRequest.newBuilder(fx.uri("/")).build(), HttpResponse.BodyHandlers.ofString());
                        assertThat(r.statusCode()).isEqualTo(200);
                        assertThat(fx.lb.backend("b2").orElseThrow().state()).isEqualTo(BackendState.UP);
                    });
            // the event is emitted on the control thread just after the state changes
            await().untilAsserted(() -> assertThat(fx.events)
                    .anyMatch(e -> e.backendId().equals("b2") && e.type() == BackendEvent.Type.RESTORED));
        } finally {
            pool.shutdownNow();
            b1.close();
            b2.close();
            b3.close();
        }
    }
}
