package org.reverl.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each malformed or ambiguous request gets its status, {@code Connection: close} and a closed connection, and nothing
 * of it reaches the backend.
 */
class HostileInputIT {

    static TestBackend backend;
    static ProxyFixture fx;

    @BeforeAll
    static void start() throws Exception {
        backend = TestBackend.start("b1");
        fx = new ProxyFixture(
                List.of(backend.address()),
                c -> c.maxInitialLineLength(1024)
                        .maxHeaderSize(4096)
                        .maxHeaderCount(20)
                        .requestHeadTimeout(Duration.ofMillis(400)));
    }

    @AfterAll
    static void stop() throws Exception {
        fx.close();
        backend.close();
    }

    @AfterEach
    void nothingReachedTheBackend() {
        assertThat(backend.requests).isEmpty();
    }

    static List<Arguments> cases() {
        String longUri = "/" + "a".repeat(2000);
        String bigHeader = "X-Big: " + "b".repeat(5000) + "\r\n";
        StringBuilder many = new StringBuilder();
        for (int i = 0; i < 25; i++) {
            many.append("X-H").append(i).append(": v\r\n");
        }
        return List.of(
                Arguments.of(
                        "te and cl",
                        "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n",
                        400),
                Arguments.of(
                        "repeated cl",
                        "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\na",
                        400),
                Arguments.of(
                        "conflicting cl",
                        "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
                        400),
                Arguments.of("cl list", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1, 2\r\n\r\nab", 400),
                Arguments.of("invalid cl", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", 400),
                Arguments.of(
                        "te not chunked last",
                        "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
                        400),
                Arguments.of("te in http/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
                Arguments.of("obs-fold", "GET / HTTP/1.1\r\nHost: x\r\nX-A: one\r\n two\r\n\r\n", 400),
                Arguments.of("obs-fold tab", "GET / HTTP/1.1\r\nHost: x\r\nX-A: one\r\n\ttwo\r\n\r\n", 400),
                Arguments.of("missing host", "GET / HTTP/1.1\r\nX-A: 1\r\n\r\n", 400),
                Arguments.of("repeated host", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
                Arguments.of("invalid host", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400),
                Arguments.of("space in header name", "GET / HTTP/1.1\r\nHost: x\r\nBad Name: v\r\n\r\n", 400),
                Arguments.of("space before colon", "GET / HTTP/1.1\r\nHost: x\r\nX-A : v\r\n\r\n", 400),
                Arguments.of("invalid name char", "GET / HTTP/1.1\r\nHost: x\r\nX(A): v\r\n\r\n", 400),
                Arguments.of("control char in value", "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\u0001b\r\n\r\n", 400),
                Arguments.of("bare lf", "GET / HTTP/1.1\nHost: x\n\n", 400),
                Arguments.of("no version", "GET /\r\nHost: x\r\n\r\n", 400),
                Arguments.of("garbage line", "HELLO\r\n\r\n", 400),
                Arguments.of("bad version", "GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505),
                Arguments.of("relative uri", "GET abc HTTP/1.1\r\nHost: x\r\n\r\n", 400),
                Arguments.of("connect", "CONNECT x:443 HTTP/1.1\r\nHost: x:443\r\n\r\n", 405),
                Arguments.of("uri too long", "GET " + longUri + " HTTP/1.1\r\nHost: x\r\n\r\n", 414),
                Arguments.of("headers too large", "GET / HTTP/1.1\r\nHost: x\r\n" + bigHeader + "\r\n", 431),
                Arguments.of("too many headers", "GET / HTTP/1.1\r\nHost: x\r\n" + many + "\r\n", 431));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void rejected_statusCloseAndNothingForwarded(String name, String request, int status) throws Exception {
        RawHttp.Reply r = RawHttp.exchange(fx.address(), request, 3000);
        assertThat(r.status()).as(r.text()).isEqualTo(status);
        assertThat(r.text().toLowerCase()).contains("connection: close");
        assertThat(r.text()).doesNotContain("Exception").doesNotContain("\tat ");
        assertThat(r.closed()).isTrue();
    }

    @Test
    void slowHead_408AndClosed() throws Exception {
        try (Socket s = new Socket("127.0.0.1", fx.address().getPort())) {
            s.setSoTimeout(5000);
            long start = System.nanoTime();
            s.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
            RawHttp.Reply r = RawHttp.readAll(s.getInputStream());
            assertThat(r.status()).isEqualTo(408);
            assertThat(r.closed()).isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
        }
    }

    @Test
    void silentConnection_closedWithoutResponse() throws Exception {
        try (Socket s = new Socket("127.0.0.1", fx.address().getPort())) {
            s.setSoTimeout(5000);
            RawHttp.Reply r = RawHttp.readAll(s.getInputStream());
            assertThat(r.text()).isEmpty();
            assertThat(r.closed()).isTrue();
        }
    }
}
