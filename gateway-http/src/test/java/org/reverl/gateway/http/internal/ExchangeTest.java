package org.reverl.gateway.http.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.reverl.gateway.api.BackendState;

/** The exchange on in-memory channels: framing, buffered bodies, streaming, failover and what is sent where. */
class ExchangeTest {

    /** What the proxy adds to a request from this client (an in-memory channel has no IP address). */
    static final String ADDED = "x-forwarded-for: unknown\r\nx-forwarded-proto: http\r\n";

    static final String OK = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

    DataPath path;

    @AfterEach
    void close() {
        if (path != null) {
            path.close();
        }
    }

    static String forwarded(String requestLine, String host, String fields) {
        return requestLine + "\r\nHost: " + host + "\r\n" + fields + ADDED + "x-forwarded-host: " + host
                + "\r\nvia: 1.1 reverl\r\n\r\n";
    }

    @Test
    void bodilessGet_forwardedAsOneRequest_responseRelayed() {
        path = new DataPath(1);
        path.clientSends("GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(path.backendReceived(0)).isEqualTo(forwarded("GET /a HTTP/1.1", "x", ""));
        path.backendSends(0, OK);
        assertThat(path.clientReceived()).startsWith("HTTP/1.1 200 OK\r\n").endsWith("\r\n\r\nok");
        assertThat(path.client.isActive()).isTrue();
    }

    @Test
    void proxyFieldsOfEveryLength_neverForwarded() {
        path = new DataPath(1);
        path.clientSends("GET /a HTTP/1.1\r\nHost: x\r\nProxy-Foo: 1\r\nProxy-Authorization: 2\r\nProxy-Ab: 3\r\n"
                + "Proxyish: 4\r\n\r\n");
        assertThat(path.backendReceived(0)).isEqualTo(forwarded("GET /a HTTP/1.1", "x", "Proxyish: 4\r\n"));
        path.backendSends(0, "HTTP/1.1 200 OK\r\nProxy-Bar: 1\r\nContent-Length: 2\r\n\r\nok");
        assertThat(path.clientReceived()).doesNotContain("Proxy-Bar");
    }

    @Test
    void legacyWebSocketKeys_giveNoBody_theNextRequestIsSeparate() {
        path = new DataPath(1);
        path.clientSends("GET /first HTTP/1.1\r\nHost: a\r\nSec-WebSocket-Key1: 1\r\nSec-WebSocket-Key2: 2\r\n\r\n"
                + "GET /xx HTTP/1.1\r\nHost: a\r\n\r\n");
        assertThat(path.backendReceived(0))
                .isEqualTo(forwarded("GET /first HTTP/1.1", "a", "Sec-WebSocket-Key1: 1\r\nSec-WebSocket-Key2: 2\r\n"));
        path.backendSends(0, OK);
        // the second request goes on the same pooled connection, whole and on its own
        assertThat(path.connections).hasSize(1);
        assertThat(path.backendReceived(0)).isEqualTo(forwarded("GET /xx HTTP/1.1", "a", ""));
        path.backendSends(0, OK);
        assertThat(path.clientReceived()).contains("HTTP/1.1 200 OK").matches("(?s).*ok.*200 OK.*ok");
    }

    @Test
    void smallBody_receivedWholeBeforeAnyByteIsSent() {
        path = new DataPath(1);
        path.clientSends("PUT /p HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n01234");
        assertThat(path.connections)
                .as("no backend connection before the body is whole")
                .isEmpty();
        path.clientSends("56789");
        assertThat(path.backendReceived(0))
                .isEqualTo(forwarded("PUT /p HTTP/1.1", "x", "Content-Length: 10\r\n")
                        .concat("0123456789"));
    }

    @Test
    void chunkedBody_bufferedAndRechunkedAsOneChunk_withTrailers() {
        path = new DataPath(1);
        path.clientSends("POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "3\r\nabc\r\n2;ext=1\r\nde\r\n0\r\nX-T: 1\r\n\r\n");
        assertThat(path.backendReceived(0))
                .isEqualTo(forwarded("POST /c HTTP/1.1", "x", "Transfer-Encoding: chunked\r\n")
                        .concat("5\r\nabcde\r\n0\r\nX-T: 1\r\n\r\n"));
    }

    @Test
    void chunkSizeOverflow_400_andNoBackendHearsOfIt() {
        assertChunkedRefused("FFFFFFFFFFFFFFFFF\r\nabc\r\n0\r\n\r\n");
    }

    @Test
    void chunkSizeNotHex_400_andNoBackendHearsOfIt() {
        assertChunkedRefused("3\r\nabc\r\nzz\r\nabc\r\n0\r\n\r\n");
    }

    @Test
    void chunkDataPastItsSize_400_andNoBackendHearsOfIt() {
        assertChunkedRefused("3\r\nabcdef\r\n0\r\n\r\n");
    }

    private void assertChunkedRefused(String body) {
        path = new DataPath(1);
        path.clientSends("POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + body);
        assertThat(path.clientReceived()).startsWith("HTTP/1.1 400 ").contains("connection: close");
        assertThat(path.client.isActive()).isFalse();
        assertThat(path.connections).isEmpty();
    }

    @Test
    void largeChunkedBody_streams_andAMalformedChunkClosesThatBackendConnection() {
        path = new DataPath(1, c -> c.bufferedBody(8));
        path.clientSends("POST /big HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + "a\r\n0123456789\r\n");
        assertThat(path.backendReceived(0))
                .isEqualTo(forwarded("POST /big HTTP/1.1", "x", "Transfer-Encoding: chunked\r\n")
                        .concat("a\r\n0123456789\r\n"));
        path.clientSends("zz\r\n");
        assertThat(path.connections.get(0).isActive())
                .as("a backend connection holding part of a request is closed, never pooled")
                .isFalse();
        assertThat(path.clientReceived()).startsWith("HTTP/1.1 400 ");
        assertThat(path.client.isActive()).isFalse();
        assertThat(path.backendFailures)
                .as("the client's fault, not the backend's")
                .isEmpty();
        assertThat(path.backend("b1").state()).isEqualTo(BackendState.UP);
        assertThat(path.backend("b1").inFlight()).isZero();
    }

    @Test
    void contentLengthOverMaxBody_413_nothingSent() {
        path = new DataPath(1, c -> c.maxBody(100));
        path.clientSends("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 101\r\n\r\n");
        assertThat(path.clientReceived()).startsWith("HTTP/1.1 413 ");
        assertThat(path.client.isActive()).isFalse();
        assertThat(path.connections).isEmpty();
    }

    @Test
    void chunkedOverMaxBody_413_nothingSent() {
        path = new DataPath(1, c -> c.maxBody(5));
        path.clientSends("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nabcdef\r\n");
        assertThat(path.clientReceived()).startsWith("HTTP/1.1 413 ");
        assertThat(path.connections).isEmpty();
    }

    @Test
    void bufferedPut_resentToAnotherBackend_whenTheFirstClosesBeforeAnswering() {
        path = new DataPath(2);
        String body = "b".repeat(10 * 1024);
        path.clientSends("PUT /doc HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length() + "\r\n\r\n" + body);
        String first = path.backendReceived(0);
        assertThat(first).endsWith(body);
        path.backendCloses(0);
        assertThat(path.connections).hasSize(2);
        assertThat(path.connectionPorts.get(1)).isNotEqualTo(path.connectionPorts.get(0));
        assertThat(path.backendReceived(1)).isEqualTo(first);
        path.backendSends(1, OK);
        assertThat(path.clientReceived()).startsWith("HTTP/1.1 200 OK");
    }

    @Test
    void bufferedPost_notResent_whenItsBackendClosesAfterReceivingIt() {
        path = new DataPath(2);
        path.clientSends("POST /order HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc");
        assertThat(path.backendReceived(0)).endsWith("abc");
        path.backendCloses(0);
        assertThat(path.connections).hasSize(1);
        assertThat(path.clientReceived()).startsWith("HTTP/1.1 502 ");
    }

    @Test
    void bufferedPost_sentToAnotherBackend_whenTheFirstRefusesTheConnection() {
        path = new DataPath(2);
        path.refused.add(1);
        path.refused.add(2);
        path.clientSends("POST /order HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc");
        // both refused: nothing was sent, so both were tried whatever the method
        assertThat(path.connectionPorts).containsExactlyInAnyOrder(1, 2);
        assertThat(path.clientReceived()).startsWith("HTTP/1.1 502 ");
    }

    @Test
    void expectContinue_answeredByTheProxy_andTheBackendGetsTheBodyWithoutIt() {
        path = new DataPath(1);
        path.clientSends("PUT /p HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n");
        assertThat(path.clientReceived()).isEqualTo("HTTP/1.1 100 Continue\r\n\r\n");
        path.clientSends("hi");
        assertThat(path.backendReceived(0))
                .isEqualTo(forwarded("PUT /p HTTP/1.1", "x", "Content-Length: 2\r\n")
                        .concat("hi"));
    }

    @Test
    void absoluteFormTarget_rewrittenToOriginForm_withHostFromItsAuthority() {
        path = new DataPath(1);
        path.clientSends("GET http://good.example:8080/p?q=1 HTTP/1.1\r\nHost: other.example\r\n\r\n");
        // Host is set anew (its name in lower case, as the proxy writes the fields it sets)
        assertThat(path.backendReceived(0))
                .isEqualTo(forwarded("GET /p?q=1 HTTP/1.1", "good.example:8080", "")
                        .replace("Host: good", "host: good"));
    }

    @Test
    void interimResponse_notSentToAnHttp10Client() {
        path = new DataPath(1);
        path.clientSends("GET / HTTP/1.0\r\n\r\n");
        path.backendReceived(0);
        path.backendSends(0, "HTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\n" + OK);
        String got = path.clientReceived();
        assertThat(got).startsWith("HTTP/1.1 200 OK").doesNotContain("103");
    }
}
