package org.reverl.gateway.http.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.reverl.gateway.http.HttpProxyConfig;
import org.reverl.gateway.http.Route;

/**
 * Request heads taken as bytes against the same heads decoded and encoded again, through the whole data path in
 * memory: the backend gets the same bytes, the client the same answer, and the connections end the same, whichever
 * way a request went, for the common heads and for the ones the decoder must take (hostile ones among them).
 */
class SplicedRequestsTest {

    private static final String OK = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

    /** What the backend and the client saw, and how both connections ended. */
    private static List<String> run(boolean splice, UnaryOperator<HttpProxyConfig.Builder> config, String... pieces) {
        try (DataPath path = new DataPath(2, config)) {
            path.settings.spliceRequests = splice;
            List<String> seen = new ArrayList<>();
            for (String piece : pieces) {
                path.clientSends(piece);
                seen.add("client got: " + path.clientReceived());
            }
            // answer every request that reached a backend, in order, as long as the client is there
            for (int round = 0; round < 4; round++) {
                for (int i = 0; i < path.connections.size(); i++) {
                    String got = path.backendReceived(i);
                    if (!got.isEmpty()) {
                        seen.add("backend " + path.connectionPorts.get(i) + " got: " + got);
                        if (path.connections.get(i).isActive()) {
                            path.backendSends(i, OK);
                        }
                    }
                }
            }
            seen.add("client got: " + path.clientReceived());
            seen.add("client open: " + path.client.isActive());
            seen.add("backend connections: " + path.connections.size());
            return seen;
        }
    }

    private static void sameEitherWay(String... pieces) {
        assertThat(run(true, UnaryOperator.identity(), pieces)).isEqualTo(run(false, UnaryOperator.identity(), pieces));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                // spliced
                "GET / HTTP/1.1\r\nHost: example.test\r\n\r\n",
                "GET /a?b=c&d HTTP/1.1\r\nHost: example.test:8080\r\nUser-Agent: curl/8\r\nAccept: */*\r\n\r\n",
                "GET /p HTTP/1.1\r\nhost:x\r\nAccept-Language:  en-GB, en;q=0.9 \t\r\nCookie: a=1; b=2\r\n\r\n",
                "GET /k HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\nX-Empty:\r\n\r\n",
                "GET /c HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                // rewritten before Host: its value moves in the head the backend gets
                "GET /m HTTP/1.1\r\nConnection: keep-alive\r\nAccept:  */*\r\nHost:\texample.test:81 \r\n\r\n",
                "DELETE /d HTTP/1.1\r\nHost: x\r\n\r\n",
                "OPTIONS /o HTTP/1.1\r\nHost: x\r\n\r\n",
                "POST /no-body HTTP/1.1\r\nHost: x\r\n\r\n",
                "PURGE /custom HTTP/1.1\r\nHost: x\r\n\r\n",
                "get /lower-case-method HTTP/1.1\r\nHost: x\r\n\r\n",
                "HEAD /h HTTP/1.1\r\nHost: x\r\n\r\n",
                // the decoder's
                "GET / HTTP/1.0\r\n\r\n",
                "GET / HTTP/1.0\r\nHost: x\r\n\r\n",
                "GET http://example.test/abs HTTP/1.1\r\nHost: other\r\n\r\n",
                "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n",
                "CONNECT example.test:443 HTTP/1.1\r\nHost: example.test:443\r\n\r\n",
                "CONNECT / HTTP/1.1\r\nHost: x\r\n\r\n",
                "POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi",
                "POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
                "POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: x\r\nTE: trailers\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: x\r\nProxy-Authorization: secret\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 6.6.6.6\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: x\r\nx-forwarded-host: evil\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: x\r\nForwarded: for=6.6.6.6\r\nX-Real-IP: 6.6.6.6\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: x\r\nVia: 1.0 other\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: x\r\nConnection: close, X-Secret\r\nX-Secret: s\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nClose: 1\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: x\r\nKeep-Alive: timeout=5\r\n\r\n",
                // hostile: refused whichever way
                "GET / HTTP/1.1\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: a b\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: user@evil\r\n\r\n",
                "GET / HTTP/1.1\r\nHost:\r\n\r\n",
                "GET / HTTP/1.1\r\nHost : x\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: x\r\nX(y): z\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: x\r\n: empty\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: x\r\nX: a\u0000b\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: x\r\nX: a\u000bb\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: x\r\nX: a\u007f\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: x\r\nX: a\rb\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: x\r\nX: a\nb\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: x\nX: y\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: x\r\nX: y\r\n folded\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: x\r\nX: trailing\u001f\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                "GET /a#frag HTTP/1.1\r\nHost: x\r\n\r\n",
                "GET  / HTTP/1.1\r\nHost: x\r\n\r\n",
                "GET / HTTP/1.2\r\nHost: x\r\n\r\n",
                "GET / http/1.1\r\nHost: x\r\n\r\n",
                "\r\nGET /after-empty-line HTTP/1.1\r\nHost: x\r\n\r\n",
                " GET / HTTP/1.1\r\nHost: x\r\n\r\n",
            })
    void sameEitherWay(String request) {
        sameEitherWay(new String[] {request});
    }

    @Test
    void rfc7239Forwarded_andAnotherViaName_sameEitherWay() {
        UnaryOperator<HttpProxyConfig.Builder> config =
                c -> c.forwarded(HttpProxyConfig.Forwarded.RFC7239).via("edge-7");
        String request = "GET /f HTTP/1.1\r\nHost: example.test:8443\r\nAccept: */*\r\n\r\n";
        List<String> spliced = run(true, config, request);
        assertThat(spliced).isEqualTo(run(false, config, request));
        assertThat(String.join("\n", spliced))
                .contains("forwarded: for=unknown;proto=http;host=\"example.test:8443\"\r\nvia: 1.1 edge-7\r\n");
    }

    @Test
    void pipelinedHeads_sameEitherWay() {
        sameEitherWay("GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\n"
                + "POST /3 HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nzGET /4 HTTP/1.1\r\nHost: x\r\n\r\n");
        // the same target and Host again, then longer, shorter and other ones: each request keeps its own
        sameEitherWay("GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /1 HTTP/1.1\r\nHost: x\r\n\r\n"
                + "GET /12 HTTP/1.1\r\nHost: xy\r\n\r\nGET /1 HTTP/1.1\r\nHost: x\r\n\r\n"
                + "GET /2 HTTP/1.1\r\nHost: y\r\n\r\n");
        // a spliced head after a refused one: nothing after the refusal is read, either way
        sameEitherWay("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n");
    }

    @Test
    void headsInPieces_sameEitherWay() {
        sameEitherWay("GET /split HTTP/1.1\r\nHo", "st: x\r\nAccept: */*\r", "\n\r\n");
        sameEitherWay("GET /split HTTP/1.1\r\nHost: x\r\n", "\r\n");
        sameEitherWay("G", "ET / HTTP/1.1\r\nHost: x\r\n\r\nGET /next HTTP/1.1\r\nHo", "st: y\r\n\r\n");
    }

    @Test
    void tooManyFields_orTooLong_theDecodersAnswer() {
        StringBuilder many = new StringBuilder("GET / HTTP/1.1\r\nHost: x\r\n");
        for (int i = 0; i < 120; i++) {
            many.append("X-").append(i).append(": v\r\n");
        }
        sameEitherWay(many.append("\r\n").toString());
        sameEitherWay("GET /" + "a".repeat(9000) + " HTTP/1.1\r\nHost: x\r\n\r\n");
        sameEitherWay("GET / HTTP/1.1\r\nHost: x\r\nX: " + "b".repeat(20000) + "\r\n\r\n");
    }

    @Test
    void theFieldsOfASplicedHead_parsedWhenAsked_withoutConnection() {
        String head = "GET / HTTP/1.1\r\nHost: x\r\nX-Tenant:  blue \r\nConnection: close\r\n\r\n";
        io.netty.buffer.ByteBuf in =
                io.netty.buffer.Unpooled.copiedBuffer(head, java.nio.charset.StandardCharsets.US_ASCII);
        SplicedRequest req = new RequestSplicer(4096, 8192, 100).splice(in, head.length());
        in.release();
        assertThat(req).isNotNull();
        assertThat(req.close()).isTrue();
        assertThat(req.host()).isEqualTo("x");
        assertThat(req.headers().get("x-tenant")).isEqualTo("blue");
        assertThat(req.headers().get("host")).isEqualTo("x");
        assertThat(req.headers().contains("connection")).isFalse();
        Route byTenant = Route.builder().header("X-Tenant", "blue").pool("p").build();
        assertThat(byTenant.matches("GET", "x", "/", req.headers())).isTrue();
    }

    /** The heads, through one splicer on a thread with a pool (as an event loop has), each recycled before the next. */
    private static List<String> spliceInTurn(List<SplicedRequest> seen, String... heads) throws Exception {
        List<String> out = new ArrayList<>();
        Thread t = new io.netty.util.concurrent.FastThreadLocalThread(() -> {
            RequestSplicer splicer = new RequestSplicer(4096, 8192, 100);
            for (String head : heads) {
                io.netty.buffer.ByteBuf in =
                        io.netty.buffer.Unpooled.copiedBuffer(head, java.nio.charset.StandardCharsets.ISO_8859_1);
                SplicedRequest req = splicer.splice(in, head.length());
                in.release();
                seen.add(req);
                io.netty.buffer.ByteBuf bytes = req.forward(
                        io.netty.buffer.UnpooledByteBufAllocator.DEFAULT,
                        "10.0.0.1",
                        io.netty.util.AsciiString.of("http"),
                        null,
                        io.netty.util.AsciiString.of("1.1 reverl"));
                out.add(req.method() + " " + req.uri() + " host=" + req.host() + " close=" + req.close()
                        + " tenant=" + req.headers().get("x-tenant") + " | "
                        + bytes.toString(java.nio.charset.StandardCharsets.ISO_8859_1));
                bytes.release();
                req.recycle();
            }
        });
        t.start();
        t.join(10_000);
        return out;
    }

    @Test
    void pooledRequests_eachHeadAsSent_nothingLeftFromTheOneBefore() throws Exception {
        String big = "c".repeat(3000); // grows the array past what the pool keeps
        List<SplicedRequest> seen = new ArrayList<>();
        List<String> out = spliceInTurn(
                seen,
                "GET /a HTTP/1.1\r\nHost: one\r\nX-Tenant: blue\r\n\r\n",
                "POST /bb HTTP/1.1\r\nHost: two.example\r\nConnection: close\r\n\r\n",
                "GET /c HTTP/1.1\r\nHost: 3\r\nCookie: " + big + "\r\n\r\n",
                "DELETE /d HTTP/1.1\r\nConnection: keep-alive\r\nHost:four\r\nX-Tenant:red\r\n\r\n",
                "GET /a HTTP/1.1\r\nHost: one\r\n\r\n");
        String fwd = "x-forwarded-for: 10.0.0.1\r\nx-forwarded-proto: http\r\n";
        assertThat(out)
                .containsExactly(
                        "GET /a host=one close=false tenant=blue | GET /a HTTP/1.1\r\nHost: one\r\nX-Tenant: blue\r\n"
                                + fwd + "x-forwarded-host: one\r\nvia: 1.1 reverl\r\n\r\n",
                        "POST /bb host=two.example close=true tenant=null | POST /bb HTTP/1.1\r\nHost: two.example\r\n"
                                + fwd + "x-forwarded-host: two.example\r\nvia: 1.1 reverl\r\n\r\n",
                        "GET /c host=3 close=false tenant=null | GET /c HTTP/1.1\r\nHost: 3\r\nCookie: " + big + "\r\n"
                                + fwd + "x-forwarded-host: 3\r\nvia: 1.1 reverl\r\n\r\n",
                        "DELETE /d host=four close=false tenant=red | DELETE /d HTTP/1.1\r\nHost: four\r\n"
                                + "X-Tenant: red\r\n" + fwd + "x-forwarded-host: four\r\nvia: 1.1 reverl\r\n\r\n",
                        "GET /a host=one close=false tenant=null | GET /a HTTP/1.1\r\nHost: one\r\n" + fwd
                                + "x-forwarded-host: one\r\nvia: 1.1 reverl\r\n\r\n");
        // the pool gave the same request again for the heads sent as they are (a head written anew without its
        // Connection line or with its whitespace mended comes in a second one)
        assertThat(seen.get(2)).isSameAs(seen.get(0));
        assertThat(seen.get(4)).isSameAs(seen.get(0));
    }
}
