package org.reverl.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;
import org.reverl.gateway.api.Backend;
import org.reverl.gateway.testing.RefusedPort;

/** The proxy tells its {@link ProxyObserver} about responses, backend failures, retries and its own answers. */
class ObserverIT {

    /** Records each call as one line, e.g. {@code response b2 200}. */
    static final class Recording implements ProxyObserver {
        final ConcurrentLinkedQueue<String> calls = new ConcurrentLinkedQueue<>();

        @Override
        public void onResponse(Backend backend, int status, long nanos) {
            calls.add("response " + backend.id() + " " + status + (nanos > 0 ? "" : " (no time)"));
        }

        @Override
        public void onBackendFailure(Backend backend, Failure failure) {
            calls.add("failure " + backend.id() + " " + failure);
        }

        @Override
        public void onRetry(Backend failed) {
            calls.add("retry " + failed.id());
        }

        @Override
        public void onRejected(int status) {
            calls.add("rejected " + status);
        }
    }

    @Test
    void requests_refusedThenServedThenRefusedByProxy_observerSeesEach() throws Exception {
        Recording observer = new Recording();
        try (RefusedPort dead = RefusedPort.open();
                TestBackend good = TestBackend.start("good");
                ProxyFixture fx =
                        new ProxyFixture(List.of(dead.address(), good.address()), b -> b.observer(observer))) {
            RawHttp.Reply served =
                    RawHttp.exchange(fx.address(), "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 3000);
            assertThat(served.status()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(5))
                    .untilAsserted(() -> assertThat(observer.calls)
                            .containsExactly("failure b1 CONNECT", "retry b1", "response b2 200"));

            RawHttp.Reply malformed = RawHttp.exchange(fx.address(), "GET / HTTP/1.1\r\nHost x\r\n\r\n", 3000);
            assertThat(malformed.status()).isEqualTo(400);
            fx.lb.remove("b2");
            fx.lb.remove("b1");
            RawHttp.Reply none =
                    RawHttp.exchange(fx.address(), "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 3000);
            assertThat(none.status()).isEqualTo(503);
            await().atMost(Duration.ofSeconds(5))
                    .untilAsserted(() -> assertThat(observer.calls).endsWith("rejected 400", "rejected 503"));
        }
    }
}
