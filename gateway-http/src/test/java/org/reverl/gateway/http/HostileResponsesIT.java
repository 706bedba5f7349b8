package org.reverl.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Backend responses that a client could read two ways, or not at all: each becomes the proxy's 502, and nothing of it
 * reaches the client. The backend keeps its connection open after each, so the response is complete as far as its
 * own framing goes and only the proxy's checks refuse it. (Generated ones: {@link ResponseFramingFuzzIT}.)
 */
class HostileResponsesIT {

    static Stream<Arguments> refused() {
        String ok = "Content-Length: 2\r\n\r\nok";
        return Stream.of(
                arguments("a bare CR in a field value", "HTTP/1.1 200 OK\r\nX-A: 1\rContent-Length: 9\r\n" + ok),
                arguments("a NUL in a field value", "HTTP/1.1 200 OK\r\nX-A: 1\u0000\r\n" + ok),
                arguments("a four-digit status code", "HTTP/1.1 2000 OK\r\n" + ok),
                arguments("status code 600", "HTTP/1.1 600 Beyond\r\n" + ok),
                arguments("status code 099", "HTTP/1.1 099 Below\r\n" + ok),
                arguments("a control byte in the reason phrase", "HTTP/1.1 200 O\u0001K\r\n" + ok),
                arguments(
                        "a coding that is not chunked, and content-length",
                        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked;q=1\r\n" + ok),
                arguments(
                        "chunked and content-length",
                        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 9\r\n\r\n2\r\nok\r\n0\r\n\r\n"),
                arguments("gzip alone", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nok"),
                arguments(
                        "chunked twice",
                        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n"),
                arguments(
                        "a 101 to a request that asked for no upgrade",
                        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
                                + "GET /smuggled HTTP/1.1\r\n\r\n"),
                arguments(
                        "chunked not last",
                        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n2\r\nok\r\n0\r\n\r\n"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refused")
    void refused_502_nothingOfItForwarded(String name, String response) throws Exception {
        try (RawBackend b = heldOpenAfter(response);
                ProxyFixture fx = new ProxyFixture(List.of(b.address()), c -> c.maxAttempts(1))) {
            RawHttp.Reply r = RawHttp.send(fx.address(), "GET / HTTP/1.1\r\nHost: x\r\n\r\n");

            assertThat(r.status()).as(r.text()).isEqualTo(502);
            assertThat(r.text()).doesNotContain("ok", "X-A", "smuggled", "websocket");
        }
    }

    @Test
    void codingsBeforeChunked_framedByChunked_andForwarded() throws Exception {
        try (RawBackend b = heldOpenAfter(
                        "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n");
                ProxyFixture fx = new ProxyFixture(List.of(b.address()), c -> c.maxAttempts(1))) {
            RawHttp.Reply r =
                    RawHttp.exchange(fx.address(), "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 5000);

            assertThat(r.status()).isEqualTo(200);
            assertThat(r.text().toLowerCase()).contains("\r\ntransfer-encoding: gzip, chunked\r\n");
            assertThat(r.text()).endsWith("\r\n\r\n2\r\nok\r\n0\r\n\r\n");
        }
    }

    /** A backend that sends {@code response} to the first request on each connection and then keeps it open. */
    private static RawBackend heldOpenAfter(String response) throws Exception {
        return new RawBackend((head, out, s) -> {
            RawBackend.write(out, response);
            s.getInputStream().read(); // until the proxy closes
        });
    }
}
