package org.reverl.gateway.http.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.reverl.gateway.api.BackendState;

/** The client's clocks and the backend's response clock, stepped through an injected ticker: nothing waits. */
class ClientTimeoutsTest {

    DataPath path;

    @AfterEach
    void close() {
        if (path != null) {
            path.close();
        }
    }

    @Test
    void headStartedButNotFinished_408AfterTheHeadTimeout() {
        path = new DataPath(1, c -> c.requestHeadTimeout(Duration.ofSeconds(10)));
        path.clientSends("GET / HTTP/1.1\r\nHo");
        path.advance(Duration.ofSeconds(9));
        assertThat(path.client.isActive()).isTrue();
        path.advance(Duration.ofSeconds(1));
        assertThat(path.clientReceived()).startsWith("HTTP/1.1 408 ");
        assertThat(path.client.isActive()).isFalse();
    }

    @Test
    void idleKeepAliveConnection_closedSilentlyAfterTheIdleTimeout() {
        path = new DataPath(1, c -> c.idleTimeout(Duration.ofSeconds(30)));
        path.clientSends("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        path.backendSends(0, ExchangeTest.OK);
        path.clientReceived();
        path.advance(Duration.ofSeconds(29));
        assertThat(path.client.isActive()).isTrue();
        path.advance(Duration.ofSeconds(1));
        assertThat(path.client.isActive()).isFalse();
        assertThat(path.clientReceived()).isEmpty();
    }

    @Test
    void bodyPausedLongerThanTheBodyTimeout_408_andNothingSent() {
        path = new DataPath(1, c -> c.bodyTimeout(Duration.ofSeconds(5)));
        path.clientSends("PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n012");
        path.advance(Duration.ofSeconds(4));
        path.clientSends("34");
        path.advance(Duration.ofSeconds(4));
        assertThat(path.client.isActive()).as("each piece restarts the clock").isTrue();
        path.advance(Duration.ofSeconds(1));
        assertThat(path.clientReceived()).startsWith("HTTP/1.1 408 ");
        assertThat(path.client.isActive()).isFalse();
        assertThat(path.connections).isEmpty();
    }

    @Test
    void streamedBodyPaused_408_theBackendConnectionClosed_andTheBackendNotBlamed() {
        path = new DataPath(1, c -> c.bodyTimeout(Duration.ofSeconds(5)).bufferedBody(0));
        path.clientSends("PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n012");
        assertThat(path.backendReceived(0)).endsWith("\r\n\r\n012");
        path.advance(Duration.ofSeconds(5));
        assertThat(path.clientReceived()).startsWith("HTTP/1.1 408 ");
        assertThat(path.connections.get(0).isActive()).isFalse();
        assertThat(path.backendFailures).isEmpty();
        assertThat(path.backend("b1").inFlight()).isZero();
        assertThat(path.backend("b1").state()).isEqualTo(BackendState.UP);
    }

    @Test
    void silentBackend_504AfterTheResponseTimeout_andBlamed() {
        path = new DataPath(1, c -> c.responseTimeout(Duration.ofSeconds(3)));
        path.clientSends("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        path.advance(Duration.ofSeconds(3));
        assertThat(path.clientReceived()).startsWith("HTTP/1.1 504 ");
        assertThat(path.backendFailures).containsExactly("b1 TIMEOUT");
    }

    @Test
    void clientNotReading_closedAfterTheSendTimeout_backendClockPaused_andTheBackendNotBlamed() {
        path = new DataPath(1, c -> c.sendTimeout(Duration.ofSeconds(10)).responseTimeout(Duration.ofSeconds(3)));
        path.clientSends("GET /big HTTP/1.1\r\nHost: x\r\n\r\n");
        path.backendReceived(0);
        // the client's connection fills up: it is not writable from here
        path.client.unsafe().outboundBuffer().setUserDefinedWritability(1, false);
        path.backendSends(0, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + "x".repeat(100));
        assertThat(path.connections.get(0).config().isAutoRead())
                .as("the backend is not read while the client takes nothing")
                .isFalse();
        path.advance(Duration.ofSeconds(9));
        assertThat(path.client.isActive())
                .as("the backend's response timeout (3 s) does not run while the proxy does not read it")
                .isTrue();
        path.advance(Duration.ofSeconds(1));
        assertThat(path.client.isActive()).isFalse();
        assertThat(path.connections.get(0).isActive()).isFalse();
        assertThat(path.backendFailures).isEmpty();
        assertThat(path.backend("b1").inFlight()).isZero();
        assertThat(path.backend("b1").state()).isEqualTo(BackendState.UP);
    }

    @Test
    void clientReadsAgain_theBackendIsReadAgain_andTheResponseCompletes() {
        path = new DataPath(1, c -> c.sendTimeout(Duration.ofSeconds(10)));
        path.clientSends("GET /big HTTP/1.1\r\nHost: x\r\n\r\n");
        path.backendReceived(0);
        path.client.unsafe().outboundBuffer().setUserDefinedWritability(1, false);
        path.backendSends(0, "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nab");
        path.advance(Duration.ofSeconds(9));
        path.client.unsafe().outboundBuffer().setUserDefinedWritability(1, true);
        path.runTasks();
        assertThat(path.connections.get(0).config().isAutoRead()).isTrue();
        path.advance(Duration.ofSeconds(9));
        path.backendSends(0, "cd");
        assertThat(path.clientReceived()).startsWith("HTTP/1.1 200 OK").endsWith("abcd");
        assertThat(path.client.isActive()).isTrue();
    }
}
