package org.reverl.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Backend connections over real sockets: a removed backend's pools close, and garbage never looks like a response. */
class PoolHygieneIT {

    static final String GET = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";

    @Test
    void removedBackend_itsIdleConnectionsCloseAtOnce_notAfterTheIdleTimeout() throws Exception {
        try (RecordingBackend b1 = new RecordingBackend(RecordingBackend.Mode.ANSWER);
                RecordingBackend b2 = new RecordingBackend(RecordingBackend.Mode.ANSWER);
                ProxyFixture fx = new ProxyFixture(
                        List.of(b1.address(), b2.address()),
                        c -> c.ioThreads(2).upstreamIdleTimeout(Duration.ofMinutes(5)))) {
            for (int i = 0; i < 6; i++) {
                assertThat(get(fx)).isEqualTo(200);
            }
            assertThat(b1.openConnections()).isPositive();
            assertThat(fx.lb.remove("b1")).isTrue();
            await().atMost(Duration.ofSeconds(5)).until(() -> b1.openConnections() == 0);
            assertThat(b2.openConnections())
                    .as("the other backend's pools stay")
                    .isPositive();
            assertThat(get(fx)).isEqualTo(200);
        }
    }

    @Test
    void backendAnsweringGarbageOrClosingAtOnce_502ThenOnceBothAreEjected503_neverAHang() throws Exception {
        try (RawBackend garbage = new RawBackend((head, out, socket) -> write(out, "HELLO THERE\r\n\r\n"));
                RawBackend closing = new RawBackend((head, out, socket) -> socket.close());
                ProxyFixture fx = new ProxyFixture(List.of(garbage.address(), closing.address()))) {
            assertThat(get(fx)).as("both tried, both failed").isEqualTo(502);
            for (int i = 0; i < 20; i++) {
                // each answer is a clear error within the socket timeout: 502 while one is in rotation, 503 when
                // both are ejected (and their last-resort tries fail too)
                assertThat(get(fx)).isIn(502, 503);
            }
        }
    }

    private static void write(OutputStream out, String s) throws IOException {
        out.write(s.getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    private static int get(ProxyFixture fx) throws IOException {
        return RawHttp.send(fx.address(), GET).status();
    }
}
