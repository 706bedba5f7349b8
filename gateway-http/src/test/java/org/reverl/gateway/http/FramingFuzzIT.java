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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Request framing against a strict reading of RFC 9112, on generated requests ({@link FramingMutations}): each case is
 * a request whose body holds a complete second request, mutated the ways request smuggling is made, and then a probe
 * request on the same connection, sent through a real proxy to a backend that frames strictly and echoes each
 * request's target ({@link EchoTargetBackend}). For every case:
 *
 * <ul>
 *   <li>no case hangs: the proxy answers the probe or closes; or, where it read the probe as part of the request
 *       before it (only when the reference refuses that request), it answers a second probe;
 *   <li>every request the backend gets is one that {@link StrictFraming} finds in the client's bytes, with the same
 *       method, target and body; where the strict reading stops, one that its lenient reading finds (what Netty
 *       takes with most servers: two readings of a chunked body, empty lines before a request), the same way. Nothing that neither finds reaches the
 *       backend: the hidden request only when a reading frames it as a request of the client's own;
 *   <li>each {@code 200} the client gets is the answer to its own request, in order: no response is taken for another;
 *   <li>a refusal ends the connection.
 * </ul>
 *
 * And over the run: every backend connection's bytes frame strictly, but for a last request cut short on a connection
 * the proxy then closed. What the proxy forwards leniently is logged: chunk size lines with whitespace after the
 * size or an extension without a name ({@code 15;}), read as Netty reads them (the rest of the line ignored) and
 * forwarded without it; and (one case in ten thousand or so) a bare CR in a {@code Content-Length} trailer field,
 * which Netty drops unread: the line still ends at its CRLF, as if the CR were a space (RFC 9112, 2.2), and nothing
 * of it is forwarded. Run with bodies buffered and streamed. {@code -Dreverl.fuzz.seed} and {@code
 * -Dreverl.fuzz.cases} run other or more cases.
 */
class FramingFuzzIT {

    /** How long a case waits for the proxy to answer the probe or close before it sends a second probe. */
    private static final int WAIT_MILLIS = 1000;
    /** How long the second probe may go without an answer before the case counts as a hang. */
    private static final int HANG_MILLIS = 5000;

    private static final Pattern CONTENT_LENGTH = Pattern.compile("(?i)\r\ncontent-length: *(\\d+)\r\n");
    private static final Pattern STATUS_LINE = Pattern.compile("HTTP/1\\.1 (\\d{3}) [^\r\n]*\r\n");

    static EchoTargetBackend backend;
    static ProxyFixture fx;

    /** A response as the client read it. */
    record Response(int status, String body) {}

    /**
     * What came back on a case's connection.
     *
     * @param sent the bytes sent: the case's, and the second probe's if it was sent
     * @param waited whether the proxy neither answered the probe nor closed, and a second probe was sent
     * @param hung whether the second probe got no answer either
     */
    record Exchange(byte[] sent, List<Response> responses, boolean closed, boolean waited, boolean hung, String raw) {}

    /** Bodies received whole before a backend is chosen (the default), and every body streamed. */
    @ParameterizedTest(name = "bufferedBody {0}")
    @ValueSource(ints = {65536, 0})
    void generatedRequests_neitherSmuggleNorDesyncNorHang(int bufferedBody) throws Exception {
        try (EchoTargetBackend b = new EchoTargetBackend();
                ProxyFixture f = new ProxyFixture(
                        List.of(b.address()),
                        FuzzRun::breakerNeverOpens,
                        c -> c.ioThreads(1)
                                .bufferedBody(bufferedBody)
                                .maxBody(4096)
                                .requestHeadTimeout(Duration.ofMillis(250))
                                .bodyTimeout(Duration.ofMillis(250))
                                .maxAttempts(1))) {
            backend = b;
            fx = f;
            run(bufferedBody);
        }
    }

    private static void run(int bufferedBody) throws Exception {
        FramingMutations mutations = new FramingMutations(FuzzRun.SEED);
        FuzzRun fuzz = new FuzzRun("framing fuzz (bufferedBody " + bufferedBody + ")", 2000);
        while (fuzz.more()) {
            FramingMutations.Case c = mutations.next(fuzz.next());
            backend.requests.clear();
            Exchange ex = exchange(c);
            StrictFraming.Framed<StrictFraming.Request> reference = StrictFraming.parse(ex.sent());
            List<StrictFraming.Request> forwarded = new ArrayList<>(backend.requests);
            if (reference.error() == null && reference.messages().size() >= 2) {
                fuzz.framed++;
            }
            check(c, reference, ex, forwarded, fuzz);
        }

        // every backend connection frames strictly; a request cut short only as the last on a closed connection
        await().atMost(Duration.ofSeconds(10))
                .until(() -> backend.connections.stream()
                        .allMatch(conn ->
                                conn.ended || StrictFraming.parse(conn.bytes()).error() == null));
        for (EchoTargetBackend.Conn conn : backend.connections) {
            StrictFraming.Framed<StrictFraming.Request> r = StrictFraming.parse(conn.bytes());
            if (r.error() != null && !(r.error().equals(StrictFraming.INCOMPLETE) && conn.ended)) {
                fuzz.failures.add("a backend connection does not frame (" + r.error() + "): " + conn.text());
            }
        }
        fuzz.finish();
        // and the proxy still serves
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(RawHttp.send(fx.address(), "GET /after HTTP/1.1\r\nHost: a\r\n\r\n")
                                .text())
                        .endsWith("/after"));
    }

    /** Adds what {@code c} got wrong to {@code fuzz}'s failures, and notes what the proxy forwarded leniently. */
    private static void check(
            FramingMutations.Case c,
            StrictFraming.Framed<StrictFraming.Request> reference,
            Exchange ex,
            List<StrictFraming.Request> forwarded,
            FuzzRun fuzz) {
        String where = c + (ex.waited() ? " and a second probe" : "") + "\n    reference: " + reference.messages()
                + " then " + reference.error() + "\n    forwarded: " + forwarded + "\n    client got: "
                + StrictFraming.Printable.of(ex.raw());
        if (ex.hung()) {
            fuzz.failures.add("hung: " + where);
            return;
        }
        if (ex.waited() && reference.error() == null) {
            fuzz.failures.add("waited on requests that frame completely: " + where);
        }
        List<StrictFraming.Request> expected = new ArrayList<>(reference.messages());
        // where the strict reading stops, what the proxy forwards must be what the lenient one finds, and nothing else
        List<StrictFraming.Request> leniently = reference.error() == null
                ? new ArrayList<>()
                : new ArrayList<>(StrictFraming.parse(ex.sent(), true).messages());
        for (StrictFraming.Request f : forwarded) {
            StrictFraming.Request match = take(expected, f);
            if (match != null) {
                if (!match.sameMessage(f)) {
                    fuzz.failures.add("forwarded " + f + " for " + match + ": " + where);
                }
                continue;
            }
            StrictFraming.Request lenientMatch = take(leniently, f);
            if (lenientMatch == null) {
                fuzz.failures.add(
                        "forwarded a request neither reading finds in the client's bytes: " + f + ": " + where);
            } else if (!lenientMatch.sameMessage(f)) {
                fuzz.failures.add("forwarded " + f + " for " + lenientMatch + " (lenient reading): " + where);
            } else {
                fuzz.lenient(f + ": " + where);
            }
        }
        List<Response> responses = ex.responses();
        for (int i = 0; i < responses.size(); i++) {
            Response r = responses.get(i);
            if (r.status() == 200) {
                if (i >= forwarded.size() || !r.body().equals(forwarded.get(i).target())) {
                    fuzz.failures.add("response " + i + " answers " + r.body() + ": " + where);
                }
            } else if (i != responses.size() - 1 || !ex.closed()) {
                fuzz.failures.add("status " + r.status() + " did not end the connection: " + where);
            }
        }
    }

    /** Removes from {@code requests} the first one with {@code f}'s target and returns it; null if none has it. */
    private static StrictFraming.Request take(List<StrictFraming.Request> requests, StrictFraming.Request f) {
        for (int i = 0; i < requests.size(); i++) {
            if (requests.get(i).target().equals(f.target())) {
                return requests.remove(i);
            }
        }
        return null;
    }

    /**
     * Sends the case and reads responses until the proxy closes or answers the probe. If it does neither for a while, it
     * may have read the probe as part of the request before it (a lenient reading) and be waiting for the next request:
     * a second probe then tells that from a proxy that is stuck.
     */
    private static Exchange exchange(FramingMutations.Case c) throws IOException {
        try (Socket s = new Socket("127.0.0.1", fx.address().getPort())) {
            for (byte[] w : FramingMutations.writes(c)) {
                s.getOutputStream().write(w);
                s.getOutputStream().flush();
            }
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            Boolean closed = readUntil(s, c.probeTarget(), WAIT_MILLIS, got);
            byte[] sent = c.bytes();
            boolean waited = closed == null;
            if (waited) {
                String tail = c.target() + "-tail";
                byte[] probe = ("GET " + tail + " HTTP/1.1\r\nHost: p\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
                s.getOutputStream().write(probe);
                s.getOutputStream().flush();
                sent = concat(sent, probe);
                closed = readUntil(s, tail, HANG_MILLIS, got);
            }
            String text = got.toString(StandardCharsets.ISO_8859_1);
            return new Exchange(sent, responses(text), Boolean.TRUE.equals(closed), waited, closed == null, text);
        }
    }

    /**
     * Reads into {@code got} until a response whose body is {@code target} (false), the end of the connection (true),
     * or {@code millis} without a byte (null).
     */
    private static Boolean readUntil(Socket s, String target, int millis, ByteArrayOutputStream got)
            throws IOException {
        s.setSoTimeout(millis);
        InputStream in = s.getInputStream();
        byte[] buf = new byte[4096];
        while (true) {
            List<Response> responses = responses(got.toString(StandardCharsets.ISO_8859_1));
            if (!responses.isEmpty()
                    && responses.get(responses.size() - 1).body().equals(target)) {
                return false;
            }
            int n;
            try {
                n = in.read(buf);
            } catch (SocketTimeoutException e) {
                return null;
            } catch (IOException e) {
                n = -1; // reset
            }
            if (n < 0) {
                return true;
            }
            got.write(buf, 0, n);
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** The complete responses at the start of {@code text}, each framed by its Content-Length. */
    private static List<Response> responses(String text) {
        List<Response> out = new ArrayList<>();
        int pos = 0;
        while (true) {
            Matcher m = STATUS_LINE.matcher(text).region(pos, text.length());
            int headEnd = text.indexOf("\r\n\r\n", pos);
            if (!m.lookingAt() || headEnd < 0) {
                return out;
            }
            Matcher cl = CONTENT_LENGTH.matcher(text.substring(pos, headEnd + 2));
            int length = cl.find() ? Integer.parseInt(cl.group(1)) : 0;
            int end = headEnd + 4 + length;
            if (end > text.length()) {
                return out;
            }
            out.add(new Response(Integer.parseInt(m.group(1)), text.substring(headEnd + 4, end)));
            pos = end;
        }
    }
}
