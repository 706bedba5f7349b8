package org.reverl.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * HTTP/2 requests that the proxy forwards to HTTP/1.1 backends, built by hand ({@link RawH2#literalBlock}): HTTP/2
 * carries field values as lengths and bytes, so a CR or LF in one, or a body longer than its {@code content-length},
 * would become a second request line or a second request on the backend's connection if translated as it came (the
 * H2.CL and CRLF-injection downgrade attacks). Each malformed one (RFC 9113, section 8.2) is refused on its stream or
 * connection, and the backend gets nothing of it.
 */
class Http2DowngradeIT {

    static RecordingBackend backend;
    static ProxyFixture fx;

    @BeforeAll
    static void start() throws Exception {
        backend = new RecordingBackend(RecordingBackend.Mode.ANSWER);
        fx = new ProxyFixture(List.of(backend.address()), c -> c.http2(true).ioThreads(1));
    }

    @AfterAll
    static void stop() throws Exception {
        fx.close();
        backend.close();
    }

    @BeforeEach
    void clear() {
        backend.clear();
    }

    /** {@code :method GET}, {@code :scheme http}, {@code :path}, {@code :authority}, then {@code more}. */
    static String[] get(String path, String... more) {
        List<String> f =
                new ArrayList<>(List.of(":method", "GET", ":scheme", "http", ":path", path, ":authority", "h2.test"));
        f.addAll(List.of(more));
        return f.toArray(String[]::new);
    }

    static Stream<Arguments> malformed() {
        return Stream.of(
                arguments("CRLF in a value", get("/", "x-a", "1\r\nx-injected: yes")),
                arguments("LF in a value", get("/", "x-a", "1\nx-injected: yes")),
                arguments("CR in a value", get("/", "x-a", "1\rx-injected: yes")),
                arguments("NUL in a value", get("/", "x-a", "1\u0000")),
                arguments("CRLF in :path", get("/ HTTP/1.1\r\nx-injected: yes\r\nx-b: /")),
                arguments("a space in :path", get("/a b")),
                arguments("CRLF in :authority", get("/", ":authority", "x\r\nx-injected: yes")),
                arguments(
                        "a space in :method",
                        new String[] {":method", "GET /x", ":scheme", "http", ":path", "/", ":authority", "h2.test"}),
                arguments("an upper-case name", get("/", "X-A", "1")),
                arguments("a space in a name", get("/", "x a", "1")),
                arguments("transfer-encoding", get("/", "transfer-encoding", "chunked")),
                arguments("connection", get("/", "connection", "keep-alive")),
                arguments("te other than trailers", get("/", "te", "gzip")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void malformed_refused_andNothingForwarded(String name, String[] fields) throws Exception {
        try (RawH2 client = new RawH2(fx.address(), 65536)) {
            client.write(
                    RawH2.frame(RawH2.HEADERS, RawH2.END_HEADERS | RawH2.END_STREAM, 1, RawH2.literalBlock(fields)));
            assertThat(answerOnStream1(client)).as(name).isNotEqualTo("200");
        }
        assertThat(backend.received()).as(name).isEmpty();
    }

    /** H2.CL: a body longer than its content-length would be a second request on the backend's connection. */
    @Test
    void bodyLongerThanContentLength_refused_andNothingForwarded() throws Exception {
        try (RawH2 client = new RawH2(fx.address(), 65536)) {
            String[] fields = {
                ":method", "POST", ":scheme", "http", ":path", "/", ":authority", "h2.test", "content-length", "0"
            };
            client.write(RawH2.frame(RawH2.HEADERS, RawH2.END_HEADERS, 1, RawH2.literalBlock(fields)));
            client.write(RawH2.frame(
                    RawH2.DATA,
                    RawH2.END_STREAM,
                    1,
                    "GET /smuggled HTTP/1.1\r\nHost: s\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1)));
            assertThat(answerOnStream1(client)).isNotEqualTo("200");
        }
        assertThat(backend.received()).doesNotContain("/smuggled");
    }

    /** A request reset on its HEADERS frame whose body follows: the DATA frames after the reset go nowhere. */
    @Test
    void malformedWithABody_refused_itsDataDropped() throws Exception {
        try (RawH2 client = new RawH2(fx.address(), 65536)) {
            String[] fields = {":method", "POST", ":scheme", "http", ":path", "/a b", ":authority", "h2.test"};
            client.write(RawH2.frame(RawH2.HEADERS, RawH2.END_HEADERS, 1, RawH2.literalBlock(fields)));
            byte[] data = "x".repeat(1000).getBytes(StandardCharsets.ISO_8859_1);
            client.write(RawH2.frame(RawH2.DATA, 0, 1, data));
            client.write(RawH2.frame(RawH2.DATA, RawH2.END_STREAM, 1, data));
            assertThat(answerOnStream1(client)).isEqualTo("RST_STREAM");
        }
        assertThat(backend.received()).isEmpty();
    }

    @Test
    void wellFormed_forwardedAsSent() throws Exception {
        try (RawH2 client = new RawH2(fx.address(), 65536)) {
            client.write(RawH2.frame(
                    RawH2.HEADERS,
                    RawH2.END_HEADERS | RawH2.END_STREAM,
                    1,
                    RawH2.literalBlock(get("/ok", "x-a", "1"))));
            assertThat(answerOnStream1(client)).isEqualTo("200");
        }
        assertThat(backend.received()).startsWith("GET /ok HTTP/1.1\r\n").contains("\r\nx-a: 1\r\n");
    }

    /**
     * The other way: a backend's HTTP/1.1 response with the connection-specific fields HTTP/2 forbids (RFC 9113,
     * section 8.2.2) reaches an HTTP/2 client without them; a client's codec that validates, as Netty's and browsers'
     * do, would otherwise refuse the whole response.
     */
    @Test
    void responseWithConnectionSpecificFields_reachesAnHttp2ClientWithoutThem() throws Exception {
        try (RawBackend b = new RawBackend((head, out, s) -> {
                    RawBackend.write(
                            out,
                            "HTTP/1.1 200 OK\r\nConnection: keep-alive, x-hop\r\nKeep-Alive: timeout=5\r\n"
                                    + "Proxy-Connection: keep-alive\r\nX-Hop: 1\r\nTransfer-Encoding: chunked\r\n\r\n"
                                    + "2\r\nok\r\n0\r\n\r\n");
                    s.getInputStream().read(); // until the proxy closes
                });
                ProxyFixture h2 = new ProxyFixture(
                        List.of(b.address()), c -> c.http2(true).maxAttempts(1));
                H2Client client = new H2Client(h2.address())) {
            assertThat(client.send("/").get(10, TimeUnit.SECONDS)).isEqualTo(new H2Client.Reply(200, "ok"));
        }
    }

    /**
     * How stream 1 ended: {@code "RST_STREAM"}, {@code "GOAWAY"}, {@code "closed"}, or the status of its response
     * (read from the first byte of its header block when it is an indexed field of HPACK's static table, as a
     * server's encoder writes {@code :status 200} and {@code 400}; {@code "literal"} otherwise).
     */
    private static String answerOnStream1(RawH2 client) throws Exception {
        for (int i = 0; i < 100; i++) {
            RawH2.Frame f = client.read();
            if (f == null) {
                return "closed";
            }
            if (f.type() == RawH2.GOAWAY) {
                return "GOAWAY";
            }
            if (f.stream() == 1 && f.type() == RawH2.RST_STREAM) {
                return "RST_STREAM";
            }
            if (f.stream() == 1 && f.type() == RawH2.HEADERS) {
                int first = f.payload()[0] & 0xff;
                return switch (first) {
                    case 0x88 -> "200";
                    case 0x8c -> "400";
                    case 0x8d -> "404";
                    case 0x8e -> "500";
                    default -> "literal";
                };
            }
        }
        throw new AssertionError("no answer on stream 1 in 100 frames");
    }
}
