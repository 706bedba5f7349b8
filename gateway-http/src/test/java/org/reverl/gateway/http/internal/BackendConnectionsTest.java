package org.reverl.gateway.http.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.channel.epoll.Epoll;
import io.netty.channel.unix.Errors;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.reverl.gateway.api.BackendEvent;
import org.reverl.gateway.api.BackendSpec;
import org.reverl.gateway.api.BackendState;
import org.reverl.gateway.core.GatewayConfig;

/** Backend connections: reuse, what makes one unusable, and who is blamed when one fails. */
class BackendConnectionsTest {

    static final String GET = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";

    DataPath path;

    @AfterEach
    void close() {
        if (path != null) {
            path.close();
        }
    }

    @Test
    void keptAliveConnection_reusedForTheNextRequest() {
        path = new DataPath(1);
        path.clientSends(GET);
        path.backendSends(0, ExchangeTest.OK);
        path.clientSends(GET);
        assertThat(path.connections).hasSize(1);
        assertThat(path.backendReceived(0).split("GET / HTTP/1.1", -1)).hasSize(3);
    }

    @Test
    void bytesLeftAfterAResponse_connectionClosedNotReused() {
        path = new DataPath(1);
        path.clientSends(GET);
        path.backendSends(0, ExchangeTest.OK + "HTTP/1.1 200");
        assertThat(path.clientReceived()).startsWith("HTTP/1.1 200 OK").endsWith("ok");
        assertThat(path.connections.get(0).isActive()).isFalse();
        path.clientSends(GET);
        assertThat(path.connections).as("a new connection for the next request").hasSize(2);
    }

    @Test
    void bodyOnAResponseToHead_connectionClosedNotReused() {
        path = new DataPath(1);
        path.clientSends("HEAD / HTTP/1.1\r\nHost: x\r\n\r\n");
        path.backendSends(0, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        assertThat(path.clientReceived()).startsWith("HTTP/1.1 200 OK").doesNotEndWith("ok");
        assertThat(path.connections.get(0).isActive()).isFalse();
    }

    @Test
    void idleConnection_closedAfterTheUpstreamIdleTimeout() {
        path = new DataPath(
                1, c -> c.upstreamIdleTimeout(Duration.ofSeconds(30)).idleTimeout(Duration.ofMinutes(5)));
        path.clientSends(GET);
        path.backendSends(0, ExchangeTest.OK);
        path.advance(Duration.ofSeconds(29));
        assertThat(path.connections.get(0).isActive()).isTrue();
        path.advance(Duration.ofSeconds(1));
        assertThat(path.connections.get(0).isActive()).isFalse();
    }

    @Test
    void staleKeptAliveConnection_requestRetriedElsewhere_backendNotBlamed_noBudgetSpent() {
        path = new DataPath(2, c -> c.idleTimeout(Duration.ofMinutes(5)));
        // one kept-alive connection to each backend
        path.clientSends(GET);
        path.backendSends(0, ExchangeTest.OK);
        path.clientSends(GET);
        path.backendSends(1, ExchangeTest.OK);
        path.clientReceived();
        // the next request goes on a kept-alive connection, which dies under it with no response
        path.clientSends(GET);
        int used = path.connections.get(0).outboundMessages().isEmpty() ? 1 : 0;
        path.backendReceived(0);
        path.backendReceived(1);
        path.backendCloses(used);
        int other = 1 - used;
        assertThat(path.connections)
                .as("the retry took the other backend's kept-alive connection")
                .hasSize(2);
        assertThat(path.backendReceived(other)).startsWith("GET / HTTP/1.1");
        path.backendSends(other, ExchangeTest.OK);
        assertThat(path.clientReceived()).startsWith("HTTP/1.1 200 OK");
        assertThat(path.backendFailures).isEmpty();
        assertThat(path.lb.backends()).allMatch(b -> b.state() == BackendState.UP && b.inFlight() == 0);
    }

    @Test
    void connectionRefused_countedAgainstTheBackend_andRetriedElsewhere() {
        path = new DataPath(2);
        path.refused.add(1);
        servedByB2();
    }

    @Test
    void connectionRefused_provesTheBackendGone_ejectedAtOnceForThatReason() {
        // the engine's own breaker settings: one failure alone opens no breaker
        path = new DataPath(2, GatewayConfig.defaults());
        // as the epoll transport reports it
        ejectedAtOnce(
                new ConnectException("finishConnect(..) failed with error(-111): Connection refused: /127.0.0.1:1"),
                "connection refused");
    }

    @Test
    void connectionRefused_knownByItsErrno_whateverLanguageTheTextIsIn() {
        assumeTrue(Epoll.isAvailable(), "Netty's epoll transport names the errno");
        path = new DataPath(2, GatewayConfig.defaults());
        // a C library that translates strerror: the number stays
        ejectedAtOnce(
                new ConnectException("finishConnect(..) failed with error(" + Errors.ERROR_ECONNREFUSED_NEGATIVE
                        + "): Connexion refus\u00e9e: /127.0.0.1:1"),
                "connection refused");
    }

    @Test
    void unreachable_provesTheBackendGone_ejectedAtOnceForThatReason() {
        path = new DataPath(2, GatewayConfig.defaults());
        ejectedAtOnce(new NoRouteToHostException(), "unreachable");
    }

    /** b1's connect fails with {@code failure}: b2 serves the GET, and b1 is ejected at once for {@code reason}. */
    private void ejectedAtOnce(Throwable failure, String reason) {
        path.connectFailures.put(1, failure);
        servedByB2();
        // the engine reports on its control thread
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            assertThat(path.events).anyMatch(e -> e.backendId().equals("b1") && reason.equals(e.reason()));
            assertThat(path.lb.backends().get(0).state()).isEqualTo(BackendState.EJECTED);
        });
    }

    @Test
    void connectResetOrClosed_countedAgainstTheBackend_butProvesNothing_noEjection() {
        for (Throwable failure : new Throwable[] {
            new ConnectException("finishConnect(..) failed with error(-104): Connection reset by peer"),
            new ClosedChannelException()
        }) {
            path = new DataPath(2, GatewayConfig.defaults());
            path.connectFailures.put(1, failure);
            servedByB2();
            // the engine reports on its control thread, in order: once a backend added after the failure shows,
            // an ejection for the failure would have shown before it
            path.lb.add(BackendSpec.of("b9", "http://127.0.0.1:9"));
            await().atMost(Duration.ofSeconds(5))
                    .until(() ->
                            path.events.stream().anyMatch(e -> e.backendId().equals("b9")));
            assertThat(path.lb.backends().get(0).state())
                    .as("b1 after %s", failure)
                    .isEqualTo(BackendState.UP);
            assertThat(path.events).as("events after %s", failure).allMatch(e -> e.type() == BackendEvent.Type.ADDED);
            path.close();
        }
        path = null;
    }

    /** GETs are served by b2 whatever b1's connect did, and b1's failure counts against it. */
    private void servedByB2() {
        path.clientSends(GET);
        int answering = path.connectionPorts.indexOf(2);
        path.backendReceived(answering);
        path.backendSends(answering, ExchangeTest.OK);
        assertThat(path.clientReceived()).startsWith("HTTP/1.1 200 OK");
        assertThat(path.backendFailures).contains("b1 CONNECT");
    }

    @Test
    void proxyOutOfFileDescriptors_503_noBackendBlamed() {
        List<SocketException> failures = new ArrayList<>();
        failures.add(new SocketException("connect(..) failed: Too many open files"));
        if (Epoll.isAvailable()) {
            // as the epoll transport reports a socket it could not make, in a C library that translates strerror:
            // known by its errno
            failures.add(new SocketException("newSocketStream(..) failed with error(-24): Trop de fichiers ouverts"));
        }
        for (SocketException failure : failures) {
            path = new DataPath(2);
            path.connectError = failure;
            path.clientSends(GET);
            assertThat(path.clientReceived()).as("after %s", failure).startsWith("HTTP/1.1 503 ");
            assertThat(path.backendFailures).as("after %s", failure).isEmpty();
            assertThat(path.proxyErrors).hasSize(1).allMatch(e -> e.endsWith("LOCAL_RESOURCES"));
            assertThat(path.lb.backends()).allMatch(b -> b.state() == BackendState.UP && b.inFlight() == 0);
            path.close();
        }
        path = null;
    }
}
