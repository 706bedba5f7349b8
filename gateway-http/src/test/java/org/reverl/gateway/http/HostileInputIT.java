package org.reverl.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Slow and silent clients over real sockets: a head that never ends gets 408, a connection that sends nothing is
 * closed, and nothing reaches the backend. (Malformed requests are {@link HostileRequestsIT}.)
 */
class HostileInputIT {

    static TestBackend backend;
    static ProxyFixture fx;

    @BeforeAll
    static void start() throws Exception {
        backend = TestBackend.start("b1");
        fx = new ProxyFixture(
                List.of(backend.address()),
                c -> c.maxInitialLineLength(1024)
                        .maxHeaderSize(4096)
                        .maxHeaderCount(20)
                        .requestHeadTimeout(Duration.ofMillis(400)));
    }

    @AfterAll
    static void stop() throws Exception {
        fx.close();
        backend.close();
    }

    @AfterEach
    void nothingReachedTheBackend() {
        assertThat(backend.requests).isEmpty();
    }

    @Test
    void slowHead_408AndClosed() throws Exception {
        try (Socket s = new Socket("127.0.0.1", fx.address().getPort())) {
            s.setSoTimeout(5000);
            long start = System.nanoTime();
            s.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
            RawHttp.Reply r = RawHttp.readAll(s.getInputStream());
            assertThat(r.status()).isEqualTo(408);
            assertThat(r.closed()).isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
        }
    }

    @Test
    void silentConnection_closedWithoutResponse() throws Exception {
        try (Socket s = new Socket("127.0.0.1", fx.address().getPort())) {
            s.setSoTimeout(5000);
            RawHttp.Reply r = RawHttp.readAll(s.getInputStream());
            assertThat(r.text()).isEmpty();
            assertThat(r.closed()).isTrue();
        }
    }
}
