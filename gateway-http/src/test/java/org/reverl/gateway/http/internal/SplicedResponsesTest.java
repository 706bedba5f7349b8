package org.reverl.gateway.http.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.reverl.gateway.http.RetryOn;

/**
 * Responses forwarded as bytes against the same responses decoded and encoded again, through the whole data path in
 * memory: the client gets the same bytes, and the connections end up the same, whichever way a response went.
 */
class SplicedResponsesTest {

    private static final String GET = "GET /a HTTP/1.1\r\nHost: x\r\n\r\n";

    /** What each client connection and backend connection saw, and in what state they ended. */
    private static List<String> run(boolean splice, String request, String... responsePieces) {
        try (DataPath path = new DataPath(1)) {
            path.settings.spliceResponses = splice;
            path.clientSends(request);
            path.backendReceived(0);
            List<String> seen = new ArrayList<>();
            for (String piece : responsePieces) {
                path.backendSends(0, piece);
                seen.add(path.clientReceived());
            }
            seen.add("backend failures: " + path.backendFailures);
            // a second request shows whether the backend connection went back to the pool and the client's stayed
            // (not after a failure: the backend's breaker opens on the engine's own thread, in its own time)
            if (path.client.isActive() && path.backendFailures.isEmpty()) {
                path.clientSends(GET);
                seen.add("connections: " + path.connections.size());
                int last = path.connections.size() - 1;
                seen.add("second request: " + path.backendReceived(last));
            }
            seen.add("client open: " + path.client.isActive());
            seen.add("first backend connection open: " + path.connections.get(0).isActive());
            return seen;
        }
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                // spliced
                "HTTP/1.1 200 OK\r\nServer: nginx\r\nDate: Mon, 30 Nov 2026 00:00:00 GMT\r\nContent-Type: text/plain\r\n"
                        + "Content-Length: 5\r\nConnection: keep-alive\r\nX-Backend: b1\r\n\r\nhello",
                "HTTP/1.1 404 Not Found\r\nContent-Length:3\r\nX-A:  a  b \r\n\r\nnop",
                "HTTP/1.1 200 OK\r\nKeep-Alive: timeout=5\r\nProxy-Foo: x\r\nTE: y\r\nTrailer: z\r\nContent-Length: 0\r\n\r\n",
                "HTTP/1.1 503 Busy\r\nConnection: close\r\nContent-Length: 4\r\n\r\nbusy",
                "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok",
                "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok",
                // left to the decoder
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n",
                "HTTP/1.1 200 OK\r\nVia: 1.0 edge\r\nContent-Length: 2\r\n\r\nok",
                "HTTP/1.1 204 No Content\r\n\r\n",
                "HTTP/1.1 304 Not Modified\r\nETag: \"1\"\r\n\r\n",
                "HTTP/1.1 205 Reset Content\r\nContent-Length: 0\r\n\r\n",
                "HTTP/1.1 200 OK\r\nConnection: X-Hop\r\nX-Hop: 1\r\nContent-Length: 2\r\n\r\nok",
                "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok",
                "HTTP/1.1 200\r\nContent-Length: 2\r\n\r\nok",
                "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
                // a whole response with bytes after it: the connection is out of step, never pooled
                "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nno",
                "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokextra",
            })
    void sameBytesAndSameConnections_eitherWay(String response) {
        assertThat(run(true, GET, response)).isEqualTo(run(false, GET, response));
    }

    @Test
    void aResponseInPieces_sameEitherWay() {
        String[] pieces = {"HTTP/1.1 200 OK\r\nContent-", "Length: 5\r\nX-B: 1\r\n", "\r\nhel", "lo"};
        assertThat(run(true, GET, pieces)).isEqualTo(run(false, GET, pieces));
        String[] headThenBody = {"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", "hello"};
        assertThat(run(true, GET, headThenBody)).isEqualTo(run(false, GET, headThenBody));
    }

    @Test
    void aBackendClosingInTheMiddleOfAHead_theDecodersVerdict_eitherWay() {
        for (String cut :
                new String[] {"HTTP/1.1 200 OK\r\nContent-", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel"}) {
            List<String> seen = new ArrayList<>();
            for (boolean splice : new boolean[] {true, false}) {
                try (DataPath path = new DataPath(1)) {
                    path.settings.spliceResponses = splice;
                    path.clientSends(GET);
                    path.backendSends(0, cut);
                    path.backendCloses(0);
                    seen.add(path.clientReceived() + " | client open: " + path.client.isActive() + " | "
                            + path.backendFailures);
                }
            }
            assertThat(seen.get(0)).isEqualTo(seen.get(1));
            if (cut.endsWith("Content-")) {
                assertThat(seen.get(0)).startsWith("HTTP/1.1 502 "); // nothing of it reached the client
            }
        }
    }

    @Test
    void clientsThatEndTheirConnection_getConnectionClose_eitherWay() {
        String close = "GET /a HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
        String ok = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
        List<String> spliced = run(true, close, ok);
        assertThat(spliced).isEqualTo(run(false, close, ok));
        assertThat(spliced.get(0)).contains("connection: close\r\n\r\nok");
        assertThat(spliced).contains("client open: false");
    }

    @Test
    void http10ClientsAndHead_alwaysDecoded_sameAsBefore() {
        String ok = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
        String http10 = "GET /a HTTP/1.0\r\n\r\n";
        assertThat(run(true, http10, ok)).isEqualTo(run(false, http10, ok));
        String head = "HEAD /a HTTP/1.1\r\nHost: x\r\n\r\n";
        String headAnswer = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n";
        assertThat(run(true, head, headAnswer)).isEqualTo(run(false, head, headAnswer));
    }

    @Test
    void aSplicedAnswerWithARetriedStatus_isDroppedAndTheRequestGoesToTheNextBackend() {
        try (DataPath path =
                new DataPath(2, c -> c.maxAttempts(2).retryOn(RetryOn.parse("retry.on", java.util.List.of("503"))))) {
            path.clientSends(GET);
            String busy = "HTTP/1.1 503 Busy\r\nContent-Length: 4\r\n\r\nbusy";
            path.backendSends(0, busy);
            assertThat(path.clientReceived()).isEmpty();
            assertThat(path.connections).hasSize(2);
            path.backendSends(1, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
            assertThat(path.clientReceived()).startsWith("HTTP/1.1 200 OK\r\n").endsWith("\r\n\r\nok");
            // the dropped answer was read whole: its connection stays open, pooled
            assertThat(path.connections.get(0).isActive()).isTrue();
        }
    }
}
