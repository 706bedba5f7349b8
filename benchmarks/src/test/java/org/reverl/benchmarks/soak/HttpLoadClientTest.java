package org.reverl.benchmarks.soak;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.reverl.gateway.http.internal.Ticker;

@Timeout(30)
class HttpLoadClientTest {

    /** What the client reported, in order. */
    private static final class Recorded implements Outcomes {
        final List<String> ends = new CopyOnWriteArrayList<>();

        @Override
        public void started(long lagNanos) {}

        @Override
        public void answered(Kind kind, long latencyNanos, int status) {
            ends.add(kind + " " + status);
        }

        @Override
        public void failed(Kind kind, Failure failure) {
            ends.add(kind + " " + failure);
        }
    }

    @Test
    void requestsBeyondTheBound_failAtOnce_withoutBeingSent() throws Exception {
        CompletableFuture<Integer> held = new CompletableFuture<>();
        try (TestBackend backend = new TestBackend(n -> n == 0 ? held : TestBackend.now(200));
                HttpLoadClient client =
                        new HttpLoadClient(backend.uri(), 1, Duration.ofSeconds(10), 1, Ticker.SYSTEM)) {
            client.start();
            Recorded recorded = new Recorded();
            long now = System.nanoTime();

            client.send(Kind.KEEP_ALIVE, now, recorded);
            client.send(Kind.KEEP_ALIVE, now, recorded);
            client.send(Kind.NEW_CONNECTION, now, recorded);

            // the first is outstanding until its answer, so the other two were refused in send itself
            assertThat(recorded.ends).containsExactly("KEEP_ALIVE OVER_BOUND", "NEW_CONNECTION OVER_BOUND");
            await().atMost(Duration.ofSeconds(10))
                    .untilAsserted(() -> assertThat(backend.received).hasValue(1));
            held.complete(200);
            await().atMost(Duration.ofSeconds(10)).until(() -> recorded.ends.size() == 3);
            assertThat(recorded.ends.get(2)).isEqualTo("KEEP_ALIVE 200");
            assertThat(client.outstanding()).isZero();
            assertThat(backend.received).hasValue(1);
        }
    }

    @Test
    void aConnectionClosedUnderARequest_failsIt_andThePoolOpensAnother() throws Exception {
        CompletableFuture<Integer> never = new CompletableFuture<>();
        try (TestBackend backend = new TestBackend(n -> n == 0 ? never : TestBackend.now(200));
                HttpLoadClient client =
                        new HttpLoadClient(backend.uri(), 1, Duration.ofMillis(300), 10, Ticker.SYSTEM)) {
            client.start();
            Recorded recorded = new Recorded();

            client.send(Kind.KEEP_ALIVE, System.nanoTime(), recorded);
            await().atMost(Duration.ofSeconds(10)).until(() -> recorded.ends.size() == 1);
            client.send(Kind.KEEP_ALIVE, System.nanoTime(), recorded);
            await().atMost(Duration.ofSeconds(10)).until(() -> recorded.ends.size() == 2);

            // the first timed out and its connection was closed; the second went over a new one
            assertThat(recorded.ends).containsExactly("KEEP_ALIVE TIMEOUT", "KEEP_ALIVE 200");
            assertThat(client.keepAliveOpened()).isEqualTo(2);
            assertThat(backend.keepAlivePorts).hasSize(2);
        }
    }
}
