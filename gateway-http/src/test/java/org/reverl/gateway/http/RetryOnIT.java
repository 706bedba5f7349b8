package org.reverl.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code retry.on} with real backends: one answering 503 to everything costs idempotent requests nothing. */
class RetryOnIT {

    @Test
    void backendAnswering503_idempotentRequestsServedByTheOthers_postsGetTheAnswer() throws Exception {
        try (TestBackend b1 = TestBackend.start("b1");
                TestBackend b2 = TestBackend.start("b2");
                TestBackend b3 = TestBackend.start("b3");
                ProxyFixture fx = new ProxyFixture(
                        List.of(b1.address(), b2.address(), b3.address()),
                        c -> c.retryOn(RetryOn.parse("retry.on", List.of("gateway-error"))))) {
            b2.answerEverythingWith(503);
            int fromB2 = 0;
            for (int i = 0; i < 60; i++) {
                RawHttp.Reply r = RawHttp.send(fx.address(), "GET /x HTTP/1.1\r\nHost: x\r\n\r\n");
                assertThat(r.status()).as("GET %d", i).isEqualTo(200);
                assertThat(r.text()).doesNotEndWith("b2");
            }
            assertThat(b2.requests).as("b2 was asked, and its answers dropped").isNotEmpty();

            for (int i = 0; i < 6; i++) {
                RawHttp.Reply r =
                        RawHttp.send(fx.address(), "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nz");
                if (r.status() == 503) {
                    assertThat(r.text()).as("the backend's own answer").endsWith("b2");
                    fromB2++;
                } else {
                    assertThat(r.status()).isEqualTo(200);
                }
            }
            assertThat(fromB2)
                    .as("a POST is never sent twice: b2's answers reach the client")
                    .isPositive();
        }
    }
}
