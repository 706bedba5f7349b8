package org.reverl.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Response framing against a strict reading of RFC 9112, on generated responses ({@link FramingMutations#response()}):
 * a backend answers a GET with a mutated response whose body holds a complete second response, and the client has
 * already sent a probe GET behind the first on the same connection. For every case:
 *
 * <ul>
 *   <li>what the client gets frames strictly as responses (the last may be cut short where the proxy closed);
 *   <li>the first is the backend's response as {@link StrictFraming} reads it (status and body), or a 5xx of the
 *       proxy's own. A response the reference refuses may reach the client as the proxy reads it, re-framed: RFC
 *       9112 lets a proxy replace obsolete line folding and a bare CR with spaces and remove whitespace before a
 *       field's colon, and the length a backend declares is its own to get wrong (the bytes past it end that
 *       connection's use);
 *   <li>the probe gets its own answer or a 5xx, never the hidden response nor another request's: a misframed response
 *       leaves nothing behind on a pooled backend connection;
 *   <li>nothing hangs.
 * </ul>
 *
 * {@code -Dreverl.fuzz.seed} and {@code -Dreverl.fuzz.cases} run other or more cases.
 */
class ResponseFramingFuzzIT {

    /** How long a case may go without a byte from the proxy before it counts as a hang. */
    private static final int HANG_MILLIS = 5000;

    static EchoTargetBackend backend;
    static ProxyFixture fx;

    @BeforeAll
    static void start() throws Exception {
        backend = new EchoTargetBackend();
        fx = new ProxyFixture(
                List.of(backend.address()),
                FuzzRun::breakerNeverOpens,
                // short: a response with no framing on a connection the backend keeps open ends by the timeout (a
                // 5xx, or the client connection closed), and any 5xx passes the checks
                c -> c.ioThreads(1)
                        .responseTimeout(Duration.ofMillis(100))
                        .upstreamIdleTimeout(Duration.ofMillis(100))
                        .maxAttempts(1));
    }

    @AfterAll
    static void stop() throws Exception {
        fx.close();
        backend.close();
    }

    @Test
    void generatedResponses_neitherSplitNorDesyncNorHang() throws Exception {
        FramingMutations mutations = new FramingMutations(FuzzRun.SEED);
        FuzzRun fuzz = new FuzzRun("response framing fuzz", 1500);
        while (fuzz.more()) {
            int n = fuzz.next();
            String target = "/r" + n;
            String probe = target + "-probe";
            FramingMutations.Reply reply = mutations.response();
            backend.script(target, reply);
            StrictFraming.Framed<StrictFraming.Response> reference =
                    StrictFraming.parseResponses(reply.bytes(), reply.close());
            if (!reference.messages().isEmpty()) {
                fuzz.framed++;
            }
            check(probe, reply, reference, exchange(target, probe), fuzz);
        }
        fuzz.finish();
        // and the proxy still serves
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(RawHttp.send(fx.address(), "GET /after HTTP/1.1\r\nHost: a\r\n\r\n")
                                .text())
                        .endsWith("/after"));
    }

    /** What the client got: its bytes, whether the proxy closed, whether it went quiet instead. */
    record Exchange(byte[] bytes, boolean closed, boolean hung) {
        String text() {
            return StrictFraming.Printable.of(new String(bytes, StandardCharsets.ISO_8859_1));
        }
    }

    /** Adds what the case got wrong to {@code fuzz}'s failures, and notes what the proxy forwarded leniently. */
    private static void check(
            String probe,
            FramingMutations.Reply reply,
            StrictFraming.Framed<StrictFraming.Response> reference,
            Exchange ex,
            FuzzRun fuzz) {
        String where = reply + "\n    reference: " + reference.messages() + " then " + reference.error()
                + "\n    client got: " + ex.text();
        if (ex.hung()) {
            fuzz.failures.add("hung: " + where);
            return;
        }
        StrictFraming.Framed<StrictFraming.Response> got = StrictFraming.parseResponses(ex.bytes(), ex.closed());
        if (got.error() != null && !(got.error().equals(StrictFraming.INCOMPLETE) && ex.closed())) {
            fuzz.failures.add("the client got bytes that do not frame (" + got.error() + "): " + where);
            return;
        }
        List<StrictFraming.Response> responses = got.messages();
        if (responses.size() > 2) {
            fuzz.failures.add("more responses than requests: " + where);
        }
        if (!responses.isEmpty() && responses.get(0).status() < 500) {
            StrictFraming.Response first = responses.get(0);
            if (!reference.messages().isEmpty()) {
                StrictFraming.Response meant = reference.messages().get(0);
                if (first.status() != meant.status() || !Arrays.equals(first.body(), meant.body())) {
                    fuzz.failures.add("the first response is not the backend's: " + where);
                }
            } else {
                fuzz.lenient(where);
            }
        }
        if (responses.size() > 1) {
            StrictFraming.Response second = responses.get(1);
            if (second.status() < 500 && !second.bodyText().equals(probe)) {
                fuzz.failures.add("the probe got another response: " + where);
            }
        }
    }

    /** Sends the GET and the probe behind it, and reads until the probe is answered or the proxy closes. */
    private static Exchange exchange(String target, String probe) throws IOException {
        try (Socket s = new Socket("127.0.0.1", fx.address().getPort())) {
            s.setSoTimeout(HANG_MILLIS);
            s.getOutputStream()
                    .write(("GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\nGET " + probe
                                    + " HTTP/1.1\r\nHost: p\r\n\r\n")
                            .getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            InputStream in = s.getInputStream();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            byte[] buf = new byte[4096];
            while (true) {
                List<StrictFraming.Response> responses =
                        StrictFraming.parseResponses(got.toByteArray(), false).messages();
                if (responses.size() >= 2) {
                    return new Exchange(got.toByteArray(), false, false);
                }
                int n;
                try {
                    n = in.read(buf);
                } catch (SocketTimeoutException e) {
                    return new Exchange(got.toByteArray(), false, true);
                } catch (IOException e) {
                    n = -1; // reset
                }
                if (n < 0) {
                    return new Exchange(got.toByteArray(), true, false);
                }
                got.write(buf, 0, n);
            }
        }
    }
}
