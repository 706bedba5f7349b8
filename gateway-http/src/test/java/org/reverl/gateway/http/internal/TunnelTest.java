package org.reverl.gateway.http.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.reverl.gateway.api.Backend;
import org.reverl.gateway.http.ProxyObserver;

/** Upgrade requests and tunnels on in-memory channels, with time stepped by the test. */
class TunnelTest {

    static final String UPGRADE_REQUEST = "GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

    static final String FORWARDED = "GET /ws HTTP/1.1\r\nHost: x\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            + "Sec-WebSocket-Version: 13\r\nconnection: upgrade\r\nupgrade: websocket\r\n" + ExchangeTest.ADDED
            + "x-forwarded-host: x\r\nvia: 1.1 reverl\r\n\r\n";

    static final String SWITCHED = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";

    final List<String> tunnelEvents = new CopyOnWriteArrayList<>();
    DataPath path;

    @AfterEach
    void close() {
        if (path != null) {
            path.close();
        }
    }

    private DataPath newPath(int backends) {
        return new DataPath(backends, b -> b.tunnelIdleTimeout(Duration.ofSeconds(30)), new ProxyObserver() {
            @Override
            public void onTunnelOpened(Backend backend, long nanos) {
                tunnelEvents.add("opened " + backend.id());
            }

            @Override
            public void onTunnelClosed(Backend backend, long nanos) {
                tunnelEvents.add("closed " + backend.id() + " after "
                        + Duration.ofNanos(nanos).toSeconds() + "s");
            }
        });
    }

    @Test
    void upgrade_forwardedWithItsFields_101_thenBytesBothWays() {
        path = newPath(1);
        path.clientSends(UPGRADE_REQUEST);
        assertThat(path.backendReceived(0)).isEqualTo(FORWARDED);
        // the 101 and the backend's first bytes in one read
        path.backendSends(0, SWITCHED + "\u0081\u0002hi");
        assertThat(path.clientReceived())
                .isEqualTo("HTTP/1.1 101 Switching Protocols\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
                        + "connection: upgrade\r\nupgrade: websocket\r\nvia: 1.1 reverl\r\n\r\n\u0081\u0002hi");
        assertThat(tunnelEvents).containsExactly("opened b1");
        assertThat(path.backend("b1").inFlight())
                .as("the tunnel holds its lease")
                .isEqualTo(1);

        // raw bytes, even ones that look like HTTP, go through untouched
        path.clientSends("GET / HTTP/1.1\r\n\r\n\u0000\u00ff");
        assertThat(path.backendReceived(0)).isEqualTo("GET / HTTP/1.1\r\n\r\n\u0000\u00ff");
        path.backendSends(0, "HTTP/1.1 200 OK\r\n\r\nnot parsed");
        assertThat(path.clientReceived()).isEqualTo("HTTP/1.1 200 OK\r\n\r\nnot parsed");

        path.advance(Duration.ofSeconds(5));
        path.backendCloses(0);
        assertThat(path.client.isActive()).isFalse();
        assertThat(tunnelEvents).containsExactly("opened b1", "closed b1 after 5s");
        assertThat(path.backend("b1").inFlight()).isZero();
    }

    @Test
    void bytesSentAheadOfThe101_reachTheBackendAfterIt_notParsedAsHttp() {
        path = newPath(1);
        path.clientSends(UPGRADE_REQUEST + "early");
        assertThat(path.backendReceived(0)).isEqualTo(FORWARDED);
        path.clientSends("GET /not-a-request HTTP/1.1\r\n\r\n");
        assertThat(path.backendReceived(0)).as("nothing more before the answer").isEmpty();
        path.backendSends(0, SWITCHED);
        assertThat(path.backendReceived(0)).isEqualTo("earlyGET /not-a-request HTTP/1.1\r\n\r\n");
    }

    @Test
    void clientCloses_backendClosed_leaseReleased() {
        path = newPath(1);
        path.clientSends(UPGRADE_REQUEST);
        path.backendSends(0, SWITCHED);
        path.clientReceived();
        path.client.close();
        path.runTasks();
        assertThat(path.connections.get(0).isActive()).isFalse();
        assertThat(tunnelEvents).containsExactly("opened b1", "closed b1 after 0s");
        assertThat(path.backend("b1").inFlight()).isZero();
    }

    @Test
    void idleTunnel_closedAfterTheTunnelIdleTimeout_trafficKeepsItOpen() {
        path = newPath(1);
        path.clientSends(UPGRADE_REQUEST);
        path.backendSends(0, SWITCHED);
        path.clientReceived();
        path.advance(Duration.ofSeconds(20));
        path.clientSends("ping");
        path.advance(Duration.ofSeconds(20));
        assertThat(path.client.isActive())
                .as("40 s open, 20 s idle: the client's own idle timeout does not apply")
                .isTrue();
        path.advance(Duration.ofSeconds(10));
        assertThat(path.client.isActive()).isFalse();
        assertThat(path.connections.get(0).isActive()).isFalse();
        assertThat(path.backend("b1").inFlight()).isZero();
    }

    @Test
    void upgradeAnsweredWithoutA101_relayedAsAResponse_andHttpGoesOn() {
        path = newPath(1);
        path.clientSends(UPGRADE_REQUEST);
        assertThat(path.backendReceived(0)).isEqualTo(FORWARDED);
        path.backendSends(0, "HTTP/1.1 403 Forbidden\r\nContent-Length: 2\r\n\r\nno");
        assertThat(path.clientReceived())
                .startsWith("HTTP/1.1 403 Forbidden\r\n")
                .endsWith("no");
        assertThat(path.client.isActive()).isTrue();
        assertThat(tunnelEvents).isEmpty();
        path.clientSends("GET /next HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(path.backendReceived(0))
                .as("the upgrade's connection was a new one, and is pooled after a plain answer")
                .isEqualTo(ExchangeTest.forwarded("GET /next HTTP/1.1", "x", ""));
        assertThat(path.connections).hasSize(1);
    }

    @Test
    void upgradeAnsweredWithoutA101_afterEarlyBytes_connectionEndsWithTheResponse() {
        path = newPath(1);
        path.clientSends(UPGRADE_REQUEST + "early");
        path.backendSends(0, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        assertThat(path.clientReceived()).startsWith("HTTP/1.1 200 OK\r\n").contains("connection: close");
        assertThat(path.client.isActive()).isFalse();
    }

    @Test
    void unexpected101_toAPlainRequest_isABackendFailure() {
        path = newPath(1);
        path.clientSends("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        path.backendSends(0, SWITCHED);
        assertThat(path.clientReceived()).startsWith("HTTP/1.1 502 ");
    }

    @Test
    void upgradeWithoutConnectionUpgrade_orH2c_removedAsHopByHop() {
        path = newPath(1);
        path.clientSends("GET /a HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n\r\n");
        assertThat(path.backendReceived(0)).isEqualTo(ExchangeTest.forwarded("GET /a HTTP/1.1", "x", ""));
        path.backendSends(0, ExchangeTest.OK);
        path.clientSends("GET /b HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
                + "HTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n");
        assertThat(path.backendReceived(0)).isEqualTo(ExchangeTest.forwarded("GET /b HTTP/1.1", "x", ""));
        path.backendSends(0, ExchangeTest.OK);
        assertThat(path.clientReceived()).contains("200 OK");
        assertThat(path.client.isActive()).isTrue();
    }

    @Test
    void upgrade_backendClosesBeforeAnswering_502_neverRetried() {
        path = newPath(2);
        path.clientSends(UPGRADE_REQUEST);
        path.backendReceived(0);
        path.backendCloses(0);
        assertThat(path.clientReceived()).startsWith("HTTP/1.1 502 ");
        assertThat(path.connections).as("not sent to another backend").hasSize(1);
    }

    @Test
    void upgrade_connectRefused_triedOnTheNextBackend() {
        path = newPath(2);
        path.refused.add(1);
        path.clientSends(UPGRADE_REQUEST);
        int second = path.connectionPorts.indexOf(2);
        assertThat(path.connectionPorts).contains(1, 2);
        assertThat(path.backendReceived(second)).isEqualTo(FORWARDED);
        path.backendSends(second, SWITCHED);
        assertThat(path.clientReceived()).startsWith("HTTP/1.1 101 ");
        assertThat(tunnelEvents).containsExactly("opened b2");
    }
}
