package org.reverl.gateway.http;

import static java.util.stream.Collectors.toSet;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Connections are accepted on a thread of their own, apart from the io threads, and it ends with the server. */
class AcceptorIT {

    private static Set<Thread> acceptors() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("reverl-accept"))
                .collect(toSet());
    }

    @Test
    void oneAcceptorThread_servingThroughTheIoThreads_endsWithTheServer() throws Exception {
        try (TestBackend backend = TestBackend.start("b1")) {
            Set<Thread> before = acceptors();
            List<Thread> started;
            try (ProxyFixture fx = new ProxyFixture(List.of(backend.address()))) {
                HttpClient client = HttpClient.newBuilder()
                        .version(HttpClient.Version.HTTP_1_1)
                        .build();
                for (int i = 0; i < 3; i++) {
                    HttpResponse<String> r = client.send(
                            HttpRequest.newBuilder(fx.uri("/"))
                                    .timeout(Duration.ofSeconds(10))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
                    assertThat(r.body()).isEqualTo("b1");
                }
                started = acceptors().stream().filter(t -> !before.contains(t)).toList();
                assertThat(started).as("the server's acceptor threads").hasSize(1);
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> started.stream().noneMatch(Thread::isAlive));
        }
    }

    @Test
    void stopAccepting_thenClose_theAcceptorEnds() throws Exception {
        try (TestBackend backend = TestBackend.start("b1")) {
            Set<Thread> before = acceptors();
            ProxyFixture fx = new ProxyFixture(List.of(backend.address()));
            List<Thread> started =
                    acceptors().stream().filter(t -> !before.contains(t)).toList();
            fx.proxy.stopAccepting(); // the first step of a graceful shutdown
            fx.proxy.stopAccepting(); // idempotent
            fx.close();
            await().atMost(Duration.ofSeconds(5)).until(() -> started.stream().noneMatch(Thread::isAlive));
            assertThat(started).hasSize(1);
        }
    }
}
