package org.reverl.gateway.http.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.reverl.gateway.api.BackendState;

/** A backend's connection limit and queue: a burst never opens more connections than the limit. */
class BackendQueueTest {

    static final String GET = BackendConnectionsTest.GET;

    DataPath path;

    @AfterEach
    void close() {
        if (path != null) {
            path.close();
        }
    }

    private DataPath limited(int queueSize) {
        return new DataPath(
                1, c -> c.maxBackendConnections(1).queueSize(queueSize).queueTimeout(Duration.ofSeconds(2)));
    }

    @Test
    void requestOverTheLimit_waits_thenTakesTheConnectionTheFirstOneFrees() {
        path = limited(10);
        EmbeddedChannel second = path.newClient();
        path.clientSends(GET);
        path.clientSends(second, GET);
        assertThat(path.connections).as("no second connection over the limit").hasSize(1);
        path.backendReceived(0);
        path.backendSends(0, ExchangeTest.OK);
        assertThat(path.clientReceived()).startsWith("HTTP/1.1 200 OK");
        assertThat(path.backendReceived(0))
                .as("the waiting request took the freed connection")
                .startsWith("GET /");
        path.backendSends(0, ExchangeTest.OK);
        assertThat(path.clientReceived(second)).startsWith("HTTP/1.1 200 OK");
        assertThat(path.connections).hasSize(1);
    }

    @Test
    void requestWaitingPastTheQueueTimeout_503_backendNotBlamed() {
        path = limited(10);
        EmbeddedChannel second = path.newClient();
        path.clientSends(GET);
        path.clientSends(second, GET);
        path.advance(Duration.ofSeconds(2));
        assertThat(path.clientReceived(second)).startsWith("HTTP/1.1 503 ");
        assertThat(path.backendFailures).isEmpty();
        assertThat(path.proxyErrors).containsExactly("b1 BACKEND_QUEUE");
        assertThat(path.backend("b1").state()).isEqualTo(BackendState.UP);
        assertThat(path.backend("b1").inFlight()).isEqualTo(1);
    }

    @Test
    void queueFull_503AtOnce() {
        path = limited(1);
        EmbeddedChannel second = path.newClient();
        EmbeddedChannel third = path.newClient();
        path.clientSends(GET);
        path.clientSends(second, GET);
        path.clientSends(third, GET);
        assertThat(path.clientReceived(third)).startsWith("HTTP/1.1 503 ");
        assertThat(path.clientReceived(second)).isEmpty();
    }

    @Test
    void connectionClosing_letsAWaitingRequestOpenANewOne() {
        path = limited(10);
        EmbeddedChannel second = path.newClient();
        path.clientSends(GET);
        path.clientSends(second, GET);
        path.backendReceived(0);
        path.backendCloses(0);
        assertThat(path.connections).hasSize(2);
        assertThat(path.backendReceived(1)).startsWith("GET /");
        path.backendSends(1, ExchangeTest.OK);
        assertThat(path.clientReceived(second)).startsWith("HTTP/1.1 200 OK");
    }

    @Test
    void waitingClientGoingAway_leavesTheQueue() {
        path = limited(1);
        EmbeddedChannel second = path.newClient();
        EmbeddedChannel third = path.newClient();
        path.clientSends(GET);
        path.clientSends(second, GET);
        second.close();
        path.runTasks();
        path.clientSends(third, GET);
        assertThat(path.clientReceived(third)).as("the place was freed").isEmpty();
        path.backendSends(0, ExchangeTest.OK);
        assertThat(path.backendReceived(0)).contains("GET /");
    }
}
