package org.reverl.gateway.http.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.reverl.gateway.http.RetryOn;

/** {@code retry.on}: an answer with a listed status is dropped and the request goes to another backend. */
class RetryOnStatusTest {

    static final String OK = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    static final String BUSY = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\n\r\nbusy";

    DataPath path;

    @AfterEach
    void close() {
        if (path != null) {
            path.close();
        }
    }

    private static DataPath proxy(int backends, int maxAttempts, String... retryOn) {
        return new DataPath(
                backends, b -> b.maxAttempts(maxAttempts).retryOn(RetryOn.parse("retry.on", List.of(retryOn))));
    }

    @Test
    void get_answered503_retriedOnTheNextBackend_clientSeesOnlyTheSecondAnswer() {
        path = proxy(2, 3, "503");
        path.clientSends("GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(path.backendReceived(0)).startsWith("GET /a HTTP/1.1\r\n");
        path.backendSends(0, BUSY);

        assertThat(path.connections).hasSize(2);
        assertThat(path.connectionPorts.get(1)).isNotEqualTo(path.connectionPorts.get(0));
        assertThat(path.backendReceived(1)).startsWith("GET /a HTTP/1.1\r\n");
        assertThat(path.clientReceived()).as("nothing of the dropped answer").isEmpty();
        path.backendSends(1, OK);
        String received = path.clientReceived();
        assertThat(received).startsWith("HTTP/1.1 200 OK\r\n").endsWith("ok").doesNotContain("busy");
        assertThat(path.connections.get(0).isActive())
                .as("the dropped answer was read whole: its connection stays for another request")
                .isTrue();
    }

    @Test
    void chunkedAnswer_readToItsEnd_beforeTheRetry() {
        path = proxy(2, 3, "5xx");
        path.clientSends("GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
        path.backendReceived(0);
        path.backendSends(0, "HTTP/1.1 500 Internal Server Error\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nfail\r\n");
        assertThat(path.connections).as("no retry before the answer ended").hasSize(1);
        path.backendSends(0, "0\r\n\r\n");
        assertThat(path.connections).hasSize(2);
        path.backendSends(1, OK);
        assertThat(path.clientReceived()).startsWith("HTTP/1.1 200 OK\r\n").doesNotContain("fail");
    }

    @Test
    void post_answered503_relayedAsItIs() {
        path = proxy(2, 3, "503");
        path.clientSends("POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nz");
        path.backendReceived(0);
        path.backendSends(0, BUSY);
        assertThat(path.connections)
                .as("a non-idempotent request is never sent twice")
                .hasSize(1);
        assertThat(path.clientReceived())
                .startsWith("HTTP/1.1 503 Service Unavailable\r\n")
                .endsWith("busy");
    }

    @Test
    void statusNotListed_relayedAsItIs() {
        path = proxy(2, 3, "gateway-error");
        path.clientSends("GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
        path.backendReceived(0);
        path.backendSends(0, "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 4\r\n\r\nfail");
        assertThat(path.connections).hasSize(1);
        assertThat(path.clientReceived()).startsWith("HTTP/1.1 500 ").endsWith("fail");
    }

    @Test
    void lastAttempt_itsAnswerRelayedAsItIs() {
        path = proxy(3, 2, "503");
        path.clientSends("GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
        path.backendReceived(0);
        path.backendSends(0, BUSY);
        path.backendReceived(1);
        path.backendSends(1, "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 6\r\n\r\nbusy-2");
        assertThat(path.connections).as("two attempts at most").hasSize(2);
        assertThat(path.clientReceived())
                .startsWith("HTTP/1.1 503 Service Unavailable\r\n")
                .endsWith("busy-2");
    }

    @Test
    void noOtherBackend_theClientGetsTheStatusTheLastOneAnswered() {
        path = proxy(1, 3, "503");
        path.clientSends("GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
        path.backendReceived(0);
        path.backendSends(0, BUSY);
        assertThat(path.clientReceived()).startsWith("HTTP/1.1 503 Service Unavailable\r\n");
        assertThat(path.client.isActive()).isTrue();
    }

    @Test
    void afterAnInterimResponseReachedTheClient_notRetried() {
        path = proxy(2, 3, "503");
        path.clientSends("GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
        path.backendReceived(0);
        path.backendSends(0, "HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\n" + BUSY);
        assertThat(path.connections).hasSize(1);
        assertThat(path.clientReceived())
                .startsWith("HTTP/1.1 103 Early Hints\r\n")
                .endsWith("busy");
    }

    @Test
    void backendClosesWhileItsAnswerIsDropped_retriedAsAFailure() {
        path = proxy(2, 3, "503");
        path.clientSends("GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
        path.backendReceived(0);
        path.backendSends(0, "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 100\r\n\r\npart");
        path.backendCloses(0);
        assertThat(path.connections).hasSize(2);
        path.backendReceived(1);
        path.backendSends(1, OK);
        assertThat(path.clientReceived()).startsWith("HTTP/1.1 200 OK\r\n");
        assertThat(path.backendFailures).containsExactly("b1 RESET");
    }
}
