package org.reverl.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hostile and borderline requests through a real proxy to a backend that records every byte it receives: each case
 * has the status the client must get and the exact bytes the backend must receive, or none at all. Smuggling variants
 * of Content-Length and Transfer-Encoding, chunk syntax, request lines, targets, versions, header names and values,
 * forwarding fields and limits.
 */
class HostileRequestsIT {

    static RecordingBackend backend;
    static ProxyFixture fx;

    @BeforeAll
    static void start() throws Exception {
        backend = new RecordingBackend(RecordingBackend.Mode.ANSWER);
        fx = new ProxyFixture(
                List.of(backend.address()),
                c -> c.ioThreads(1)
                        .maxInitialLineLength(1024)
                        .maxHeaderSize(4096)
                        .maxHeaderCount(20)
                        .maxBody(1000));
    }

    @AfterAll
    static void stop() throws Exception {
        fx.close();
        backend.close();
    }

    /** The fields the proxy appends to a request from this test's client for {@code host}. */
    static String added(String host) {
        return "x-forwarded-for: 127.0.0.1\r\nx-forwarded-proto: http\r\n"
                + (host == null ? "" : "x-forwarded-host: " + host + "\r\n")
                + "via: 1.1 reverl\r\n\r\n";
    }

    /** A request as the backend must receive it: the line, the client's fields kept, what the proxy adds, a body. */
    static String fwd(String line, String fields, String host, String body) {
        return line + "\r\n" + fields + added(host) + body;
    }

    static Arguments refused(String name, String request, int status) {
        return Arguments.of(name, request, status, null);
    }

    static Arguments passed(String name, String request, String forwarded) {
        return Arguments.of(name, request, 200, forwarded);
    }

    static List<Arguments> cases() {
        List<Arguments> c = new ArrayList<>();
        String post = "POST / HTTP/1.1\r\nHost: x\r\n";
        String chunked = post + "Transfer-Encoding: chunked\r\n\r\n";
        // --- Content-Length and Transfer-Encoding: one framing, or none
        c.add(refused("te and cl", post + "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n", 400));
        c.add(refused("cl and te", post + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400));
        c.add(refused("repeated cl", post + "Content-Length: 1\r\nContent-Length: 1\r\n\r\na", 400));
        c.add(refused("conflicting cl", post + "Content-Length: 1\r\nContent-Length: 2\r\n\r\nab", 400));
        c.add(refused("cl list", post + "Content-Length: 1, 2\r\n\r\nab", 400));
        c.add(refused("cl list of equal values", post + "Content-Length: 1, 1\r\n\r\na", 400));
        c.add(refused("cl with a plus sign", post + "Content-Length: +1\r\n\r\na", 400));
        c.add(refused("negative cl", post + "Content-Length: -1\r\n\r\n", 400));
        c.add(refused("hex cl", post + "Content-Length: 0x1\r\n\r\na", 400));
        c.add(refused("cl with inner space", post + "Content-Length: 1 0\r\n\r\n", 400));
        c.add(refused("empty cl", post + "Content-Length: \r\n\r\n", 400));
        c.add(refused("cl overflowing a long", post + "Content-Length: 99999999999999999999\r\n\r\n", 400));
        c.add(refused("cl over maxBody", post + "Content-Length: 1001\r\n\r\n", 413));
        c.add(refused("te chunked not last", post + "Transfer-Encoding: chunked, gzip\r\n\r\n", 400));
        c.add(refused("te identity", post + "Transfer-Encoding: identity\r\n\r\n", 400));
        c.add(refused("te xchunked", post + "Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n", 400));
        c.add(refused("te gzip then chunked", post + "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501));
        c.add(refused(
                "te chunked twice",
                post + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                400));
        c.add(refused("te in http/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400));
        c.add(refused("te folded", post + "Transfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n", 400));
        c.add(refused("te with space before colon", post + "Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n", 400));
        c.add(refused("te with a vertical tab", post + "Transfer-Encoding: chunked\u000b\r\n\r\n0\r\n\r\n", 400));
        c.add(passed(
                "te chunked with whitespace around",
                post + "Transfer-Encoding:   chunked  \r\n\r\n1\r\na\r\n0\r\n\r\n",
                fwd("POST / HTTP/1.1", "Host: x\r\nTransfer-Encoding: chunked\r\n", "x", "1\r\na\r\n0\r\n\r\n")));
        c.add(passed(
                "underscore te is a plain field: no body",
                post + "Transfer_Encoding: chunked\r\n\r\n",
                fwd("POST / HTTP/1.1", "Host: x\r\nTransfer_Encoding: chunked\r\n", "x", "")));
        c.add(passed(
                "legacy websocket keys give a GET no body",
                "GET /first HTTP/1.1\r\nHost: a\r\nSec-WebSocket-Key1: 1\r\nSec-WebSocket-Key2: 2\r\n\r\n",
                fwd("GET /first HTTP/1.1", "Host: a\r\nSec-WebSocket-Key1: 1\r\nSec-WebSocket-Key2: 2\r\n", "a", "")));
        c.add(passed(
                "cl zero",
                post + "Content-Length: 0\r\n\r\n",
                fwd("POST / HTTP/1.1", "Host: x\r\nContent-Length: 0\r\n", "x", "")));
        // --- chunk syntax
        c.add(refused("chunk size overflow", chunked + "FFFFFFFFFFFFFFFFF\r\nabc\r\n0\r\n\r\n", 400));
        c.add(refused("chunk size not hex", chunked + "zz\r\nabc\r\n0\r\n\r\n", 400));
        c.add(refused("chunk data past its size", chunked + "3\r\nabcdef\r\n0\r\n\r\n", 400));
        c.add(refused("chunk without crlf after data", chunked + "3\r\nabc0\r\n\r\n", 400));
        c.add(refused("chunk size with 0x", chunked + "0x3\r\nabc\r\n0\r\n\r\n", 400));
        c.add(refused("negative chunk size", chunked + "-3\r\nabc\r\n0\r\n\r\n", 400));
        c.add(refused("chunk size with a leading space", chunked + " 3\r\nabc\r\n0\r\n\r\n", 400));
        c.add(refused("empty chunk size", chunked + "\r\nabc\r\n0\r\n\r\n", 400));
        c.add(refused("bare lf after chunk size", chunked + "3\nabc\r\n0\r\n\r\n", 400));
        c.add(refused("invalid trailer name", chunked + "0\r\nBad Trailer: x\r\n\r\n", 400));
        c.add(refused("chunked over maxBody", chunked + "3e9\r\n" + "a".repeat(1001) + "\r\n0\r\n\r\n", 413));
        c.add(passed(
                "chunk extension",
                chunked + "3;name=value\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
                fwd("POST / HTTP/1.1", "Host: x\r\nTransfer-Encoding: chunked\r\n", "x", "5\r\nabcde\r\n0\r\n\r\n")));
        c.add(passed(
                "chunked with a trailer",
                chunked + "1\r\na\r\n0\r\nX-Trailer: t\r\n\r\n",
                fwd(
                        "POST / HTTP/1.1",
                        "Host: x\r\nTransfer-Encoding: chunked\r\n",
                        "x",
                        "1\r\na\r\n0\r\nX-Trailer: t\r\n\r\n")));
        c.add(passed(
                "empty chunked body",
                chunked + "0\r\n\r\n",
                fwd("POST / HTTP/1.1", "Host: x\r\nTransfer-Encoding: chunked\r\n", "x", "0\r\n\r\n")));
        c.add(passed(
                "uppercase hex and leading zeros",
                chunked + "00A\r\n0123456789\r\n0\r\n\r\n",
                fwd(
                        "POST / HTTP/1.1",
                        "Host: x\r\nTransfer-Encoding: chunked\r\n",
                        "x",
                        "a\r\n0123456789\r\n0\r\n\r\n")));
        // --- the request line
        c.add(refused("nul in target", "GET /a\u0000b HTTP/1.1\r\nHost: x\r\n\r\n", 400));
        c.add(refused("space before method", " GET / HTTP/1.1\r\nHost: x\r\n\r\n", 400));
        c.add(refused("tab before method", "\tGET / HTTP/1.1\r\nHost: x\r\n\r\n", 400));
        c.add(refused("lowercase version", "GET / http/1.1\r\nHost: x\r\n\r\n", 400));
        c.add(refused("version 1.2", "GET / HTTP/1.2\r\nHost: x\r\n\r\n", 505));
        c.add(refused("version 2.0", "GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505));
        c.add(refused("version with trailing space", "GET / HTTP/1.1 \r\nHost: x\r\n\r\n", 400));
        c.add(refused("version 1.10", "GET / HTTP/1.10\r\nHost: x\r\n\r\n", 400));
        c.add(refused("two spaces after method", "GET  / HTTP/1.1\r\nHost: x\r\n\r\n", 400));
        c.add(refused("tab as separator", "GET\t/ HTTP/1.1\r\nHost: x\r\n\r\n", 400));
        c.add(refused("fragment in target", "GET /a#frag HTTP/1.1\r\nHost: x\r\n\r\n", 400));
        c.add(refused("del in target", "GET /a\u007fb HTTP/1.1\r\nHost: x\r\n\r\n", 400));
        c.add(refused("non-ascii byte in target", "GET /caf\u00e9 HTTP/1.1\r\nHost: x\r\n\r\n", 400));
        c.add(refused("control byte in target", "GET /a\u0001 HTTP/1.1\r\nHost: x\r\n\r\n", 400));
        c.add(refused("invalid method character", "GE(T / HTTP/1.1\r\nHost: x\r\n\r\n", 400));
        c.add(refused("no version", "GET /\r\nHost: x\r\n\r\n", 400));
        c.add(refused("garbage line", "HELLO\r\n\r\n", 400));
        c.add(refused("bare lf line ends", "GET / HTTP/1.1\nHost: x\n\n", 400));
        c.add(refused("asterisk with GET", "GET * HTTP/1.1\r\nHost: x\r\n\r\n", 400));
        c.add(refused("relative target", "GET abc HTTP/1.1\r\nHost: x\r\n\r\n", 400));
        c.add(refused("connect", "CONNECT x:443 HTTP/1.1\r\nHost: x:443\r\n\r\n", 405));
        c.add(refused("uri too long", "GET /" + "a".repeat(2000) + " HTTP/1.1\r\nHost: x\r\n\r\n", 414));
        c.add(passed(
                "asterisk with OPTIONS",
                "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n",
                fwd("OPTIONS * HTTP/1.1", "Host: x\r\n", "x", "")));
        c.add(passed(
                "empty lines before the request line",
                "\r\n\r\nGET /e HTTP/1.1\r\nHost: x\r\n\r\n",
                fwd("GET /e HTTP/1.1", "Host: x\r\n", "x", "")));
        // --- absolute-form targets: origin-form with Host from the authority, or refused
        c.add(refused("userinfo in target", "GET http://user@x/ HTTP/1.1\r\nHost: x\r\n\r\n", 400));
        c.add(refused("empty authority", "GET http:///a HTTP/1.1\r\nHost: x\r\n\r\n", 400));
        c.add(refused("port without host", "GET http://:80/a HTTP/1.1\r\nHost: x\r\n\r\n", 400));
        c.add(refused("ftp target", "GET ftp://x/a HTTP/1.1\r\nHost: x\r\n\r\n", 400));
        c.add(passed(
                "absolute target disagreeing with host",
                "GET http://good:8080/p?q HTTP/1.1\r\nHost: evil\r\n\r\n",
                fwd("GET /p?q HTTP/1.1", "host: good:8080\r\n", "good:8080", "")));
        c.add(passed(
                "absolute target without a path",
                "GET HTTP://good HTTP/1.1\r\nHost: good\r\n\r\n",
                fwd("GET / HTTP/1.1", "host: good\r\n", "good", "")));
        c.add(passed(
                "absolute target with a query and no path",
                "GET http://good?a=1 HTTP/1.1\r\nHost: good\r\n\r\n",
                fwd("GET /?a=1 HTTP/1.1", "host: good\r\n", "good", "")));
        // --- header names and values
        c.add(refused("nul in a value", "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\u0000b\r\n\r\n", 400));
        c.add(refused("bare cr in a value", "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n", 400));
        c.add(refused("control byte in a value", "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\u0001b\r\n\r\n", 400));
        c.add(refused("space in a name", "GET / HTTP/1.1\r\nHost: x\r\nBad Name: v\r\n\r\n", 400));
        c.add(refused("space before colon", "GET / HTTP/1.1\r\nHost: x\r\nX-A : v\r\n\r\n", 400));
        c.add(refused("empty name", "GET / HTTP/1.1\r\nHost: x\r\n: v\r\n\r\n", 400));
        c.add(refused("invalid name character", "GET / HTTP/1.1\r\nHost: x\r\nX(A): v\r\n\r\n", 400));
        c.add(refused("obs-fold", "GET / HTTP/1.1\r\nHost: x\r\nX-A: one\r\n two\r\n\r\n", 400));
        c.add(refused("obs-fold with tab", "GET / HTTP/1.1\r\nHost: x\r\nX-A: one\r\n\ttwo\r\n\r\n", 400));
        c.add(refused("missing host", "GET / HTTP/1.1\r\nX-A: 1\r\n\r\n", 400));
        c.add(refused("repeated host", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400));
        c.add(refused("host with userinfo", "GET / HTTP/1.1\r\nHost: u@a\r\n\r\n", 400));
        c.add(refused("host with a space", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400));
        c.add(refused(
                "headers too large", "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(5000) + "\r\n\r\n", 431));
        c.add(refused("too many headers", "GET / HTTP/1.1\r\nHost: x\r\n" + "X-H: v\r\n".repeat(25) + "\r\n", 431));
        // --- forwarding and hop-by-hop fields
        c.add(passed(
                "client forwarding fields replaced or removed",
                "GET / HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 6.6.6.6\r\nForwarded: for=6.6.6.6\r\n"
                        + "X-Real-IP: 6.6.6.6\r\nX-Forwarded-Host: evil\r\n\r\n",
                fwd("GET / HTTP/1.1", "Host: x\r\n", "x", "")));
        c.add(passed(
                "fields named by connection removed, framing kept",
                "POST / HTTP/1.1\r\nHost: x\r\nConnection: X-Secret, Content-Length\r\nX-Secret: s\r\n"
                        + "Content-Length: 1\r\n\r\na",
                fwd("POST / HTTP/1.1", "Host: x\r\nContent-Length: 1\r\n", "x", "a")));
        // an upgrade is passed on (a 101 would open a tunnel; this backend answers 200, relayed as it is); every other
        // hop-by-hop field is removed
        c.add(passed(
                "upgrade passed on, other hop-by-hop fields removed",
                "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: upgrade\r\nKeep-Alive: 5\r\n"
                        + "TE: trailers\r\nProxy-Authorization: secret\r\n\r\n",
                fwd("GET / HTTP/1.1", "Host: x\r\nconnection: upgrade\r\nupgrade: websocket\r\n", "x", "")));
        c.add(passed(
                "upgrade without connection: upgrade removed",
                "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nKeep-Alive: 5\r\n\r\n",
                fwd("GET / HTTP/1.1", "Host: x\r\n", "x", "")));
        c.add(passed(
                "upgrade to h2c removed",
                "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: h2c\r\nConnection: upgrade, HTTP2-Settings\r\n"
                        + "HTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n",
                fwd("GET / HTTP/1.1", "Host: x\r\n", "x", "")));
        c.add(passed(
                "upgrade in http/1.0 removed",
                "GET / HTTP/1.0\r\nHost: x\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: x\r\n" + "x-forwarded-for: 127.0.0.1\r\nx-forwarded-proto: http\r\n"
                        + "x-forwarded-host: x\r\nvia: 1.0 reverl\r\n\r\n"));
        c.add(passed(
                "http/1.0 without host",
                "GET /old HTTP/1.0\r\n\r\n",
                "GET /old HTTP/1.1\r\nx-forwarded-for: 127.0.0.1\r\nx-forwarded-proto: http\r\nvia: 1.0 reverl\r\n"
                        + "host: {backend}\r\n\r\n"));
        return c;
    }

    /** The sequence that poisoned a pooled connection: the backend gets two requests, each exactly as sent, no more. */
    @Test
    void legacyWebSocketLength_cannotSmuggleTheNextRequest() throws Exception {
        backend.clear();
        int before = backend.requests.get();
        try (Socket s = new Socket("127.0.0.1", fx.address().getPort())) {
            s.setSoTimeout(5000);
            s.getOutputStream()
                    .write(("GET /first HTTP/1.1\r\nHost: a\r\nSec-WebSocket-Key1: 1\r\nSec-WebSocket-Key2: 2\r\n\r\n"
                                    + "GET /xx HTTP/1.1\r\nHost: a\r\n\r\n")
                            .getBytes(StandardCharsets.ISO_8859_1));
            assertThat(RawHttp.readResponse(s).status()).isEqualTo(200);
            assertThat(RawHttp.readResponse(s).status()).isEqualTo(200);
        }
        assertThat(backend.requests.get() - before).isEqualTo(2);
        assertThat(backend.received())
                .isEqualTo(fwd(
                                "GET /first HTTP/1.1",
                                "Host: a\r\nSec-WebSocket-Key1: 1\r\nSec-WebSocket-Key2: 2\r\n",
                                "a",
                                "")
                        + fwd("GET /xx HTTP/1.1", "Host: a\r\n", "a", ""));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void eachRequest_itsStatus_andExactlyTheBytesTheBackendMayGet(
            String name, String request, int status, String forwarded) throws Exception {
        backend.clear();
        RawHttp.Reply r = send(request);
        assertThat(r.status()).as(r.text()).isEqualTo(status);
        assertThat(r.text()).doesNotContain("Exception").doesNotContain("\tat ");
        if (forwarded == null) {
            assertThat(r.text().toLowerCase()).contains("connection: close");
            assertThat(r.closed()).as("a refused request closes its connection").isTrue();
            // a request after it shows what the backend got in between: exactly that request, nothing before
            String probe = "GET /probe HTTP/1.1\r\nHost: p\r\n\r\n";
            assertThat(send(probe).status()).isEqualTo(200);
            assertThat(backend.received()).isEqualTo(fwd("GET /probe HTTP/1.1", "Host: p\r\n", "p", ""));
        } else {
            // an HTTP/1.0 request without Host gets the backend's address as its Host
            assertThat(backend.received()).isEqualTo(forwarded.replace("{backend}", backend.address()));
        }
    }

    private static RawHttp.Reply send(String request) throws IOException {
        return RawHttp.send(fx.address(), request);
    }
}
