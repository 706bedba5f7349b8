package org.reverl.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** End to end through the proxy to three backends, on real sockets. */
class ProxyIT {

    static TestBackend b1;
    static TestBackend b2;
    static TestBackend b3;
    static ProxyFixture fx;
    static HttpClient client;

    @BeforeAll
    static void start() throws Exception {
        b1 = TestBackend.start("b1");
        b2 = TestBackend.start("b2");
        b3 = TestBackend.start("b3");
        fx = new ProxyFixture(List.of(b1.address(), b2.address(), b3.address()));
        client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
    }

    @AfterAll
    static void stop() throws Exception {
        fx.close();
        b1.close();
        b2.close();
        b3.close();
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return client.send(
                HttpRequest.newBuilder(fx.uri(path))
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void get_roundRobinAcrossBackends_exactBodies() throws Exception {
        List<String> bodies = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            HttpResponse<String> r = get("/");
            assertThat(r.statusCode()).isEqualTo(200);
            bodies.add(r.body());
        }
        assertThat(bodies).containsOnly("b1", "b2", "b3");
        assertThat(bodies.subList(0, 3)).containsExactlyInAnyOrder("b1", "b2", "b3");
        assertThat(bodies.subList(3, 6)).isEqualTo(bodies.subList(0, 3));
    }

    @Test
    void request_proxyHeaders_hopByHopRemovedForwardedAdded() throws Exception {
        String reply = RawHttp.exchange(
                        fx.address(),
                        "GET /echo?x=1 HTTP/1.1\r\nHost: example.test:8080\r\nConnection: close, X-Secret\r\n"
                                + "X-Secret: s\r\nKeep-Alive: timeout=5\r\nTE: trailers\r\nProxy-Authorization: x\r\n"
                                + "Upgrade: websocket\r\nX-Forwarded-For: 6.6.6.6\r\nVia: 1.0 other\r\n\r\n",
                        5000)
                .text();
        assertThat(reply).startsWith("HTTP/1.1 200 ");
        assertThat(reply)
                .contains("host: example.test:8080\n")
                .contains("uri: /echo?x=1\n")
                .contains("x-forwarded-for: 127.0.0.1\n")
                .contains("x-forwarded-proto: http\n")
                .contains("x-forwarded-host: example.test:8080\n")
                .contains("via: 1.0 other, 1.1 reverl\n")
                .doesNotContain("x-secret")
                .doesNotContain("keep-alive")
                .doesNotContain("\nte:")
                .doesNotContain("proxy-authorization")
                .doesNotContain("upgrade");
        assertThat(reply.toLowerCase()).contains("connection: close").contains("via: 1.1 reverl");
    }

    @Test
    void head_noBody_connectionReusable() throws Exception {
        RawHttp.Reply r = RawHttp.exchange(
                fx.address(),
                "HEAD / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                5000);
        assertThat(r.count("HTTP/1.1 200 ")).isEqualTo(2);
        assertThat(r.closed()).isTrue();
    }

    @Test
    void pipelined_answeredInOrder() throws Exception {
        StringBuilder req = new StringBuilder();
        for (int i = 0; i < 10; i++) {
            req.append("GET /echo?n=").append(i).append(" HTTP/1.1\r\nHost: x\r\n\r\n");
        }
        req.append("GET /echo?n=last HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        RawHttp.Reply r = RawHttp.exchange(fx.address(), req.toString(), 10000);
        assertThat(r.count("HTTP/1.1 200 ")).isEqualTo(11);
        int at = -1;
        for (int i = 0; i < 10; i++) {
            int next = r.text().indexOf("uri: /echo?n=" + i + "\n");
            assertThat(next).isGreaterThan(at);
            at = next;
        }
        assertThat(r.text().indexOf("uri: /echo?n=last")).isGreaterThan(at);
        assertThat(r.closed()).isTrue();
    }

    @Test
    void pipelined_headsOfEveryShapeAndSize_eachForwardedAsSent() throws Exception {
        // pooled spliced requests: each pipelined head, small or past what the pool keeps, with fields as written or
        // written anew, reaches its backend as it was sent, and not as another one was
        StringBuilder req = new StringBuilder();
        for (int i = 0; i < 12; i++) {
            req.append("GET /echo?n=")
                    .append(i)
                    .append(" HTTP/1.1\r\nHost: h")
                    .append(i)
                    .append(".test\r\n");
            if (i % 3 == 1) {
                req.append("Connection: keep-alive\r\nX-N:").append(i).append("\r\n");
            } else {
                req.append("X-N: ").append(i).append("\r\n");
            }
            if (i % 4 == 2) {
                req.append("X-Pad: ")
                        .append(String.valueOf((char) ('a' + i)).repeat(3000))
                        .append("\r\n");
            }
            req.append("\r\n");
        }
        req.append("GET /echo?n=last HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        RawHttp.Reply r = RawHttp.exchange(fx.address(), req.toString(), 10000);
        assertThat(r.count("HTTP/1.1 200 ")).isEqualTo(13);
        String[] answers = r.text().split("HTTP/1.1 200 ");
        for (int i = 0; i < 12; i++) {
            String a = answers[i + 1];
            assertThat(a)
                    .contains("uri: /echo?n=" + i + "\n")
                    .contains("host: h" + i + ".test\n")
                    .contains("x-n: " + i + "\n")
                    .contains("x-forwarded-host: h" + i + ".test\n");
            if (i % 4 == 2) {
                assertThat(a)
                        .contains("x-pad: " + String.valueOf((char) ('a' + i)).repeat(3000) + "\n");
            } else {
                assertThat(a).doesNotContain("x-pad");
            }
        }
        assertThat(r.closed()).isTrue();
    }

    @Test
    void download_largeChunked_streamedWhole() throws Exception {
        long n = 64L * 1024 * 1024 + 123;
        HttpResponse<InputStream> r = client.send(
                HttpRequest.newBuilder(fx.uri("/big?n=" + n)).build(), HttpResponse.BodyHandlers.ofInputStream());
        assertThat(r.statusCode()).isEqualTo(200);
        long count = 0;
        boolean pattern = true;
        byte[] buf = new byte[65536];
        try (InputStream in = r.body()) {
            int k;
            while ((k = in.read(buf)) > 0) {
                for (int i = 0; i < k; i++) {
                    pattern &= buf[i] == (byte) ((count + i) % 16384);
                }
                count += k;
            }
        }
        assertThat(count).isEqualTo(n);
        assertThat(pattern).isTrue();
    }

    @Test
    void upload_chunkedAndFixedLength_streamedWhole() throws Exception {
        byte[] body = new byte[8 * 1024 * 1024 + 7];
        new Random(1).nextBytes(body);
        long sum = 0;
        for (byte b : body) {
            sum += b & 0xff;
        }
        HttpResponse<String> fixed = client.send(
                HttpRequest.newBuilder(fx.uri("/upload"))
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(fixed.body()).isEqualTo("bytes=" + body.length + " sum=" + sum);
        HttpResponse<String> chunked = client.send(
                HttpRequest.newBuilder(fx.uri("/upload"))
                        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(body)))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(chunked.body()).isEqualTo("bytes=" + body.length + " sum=" + sum);
    }

    @Test
    void expectContinue_forwardedAndBodySent() throws Exception {
        String body = "hello";
        RawHttp.Reply r = RawHttp.exchange(
                fx.address(),
                "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n"
                        + "Connection: close\r\n\r\n" + body,
                5000);
        assertThat(r.text())
                .contains("HTTP/1.1 200 ")
                .endsWith("bytes=5 sum=" + body.chars().sum());
    }

    @Test
    void http10_keepAliveHonoured() throws Exception {
        RawHttp.Reply r = RawHttp.exchange(
                fx.address(), "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET / HTTP/1.0\r\n\r\n", 5000);
        assertThat(r.count("HTTP/1.1 200 ")).isEqualTo(2);
        assertThat(r.closed()).isTrue();
        assertThat(r.text().toLowerCase()).contains("connection: keep-alive");
    }

    @Test
    void manyRequests_keepAlive_sameResultsAndPooledConnections() throws Exception {
        for (int i = 0; i < 300; i++) {
            assertThat(get("/").statusCode()).isEqualTo(200);
        }
        assertThat(new String(get("/").body().getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8))
                .startsWith("b");
    }
}
