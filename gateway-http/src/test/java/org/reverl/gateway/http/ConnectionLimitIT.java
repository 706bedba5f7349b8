package org.reverl.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The client connection limit over real sockets: past it, a connection waits unserved until one closes. */
class ConnectionLimitIT {

    static final String GET = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";

    @Test
    void connectionsOverTheLimit_waitInTheBacklog_andAreServedWhenOneCloses() throws Exception {
        try (RecordingBackend backend = new RecordingBackend(RecordingBackend.Mode.ANSWER);
                ProxyFixture fx = new ProxyFixture(
                        List.of(backend.address()), c -> c.maxConnections(2).ioThreads(1));
                Socket first = open(fx);
                Socket second = open(fx)) {
            assertThat(exchange(first)).isEqualTo(200);
            assertThat(exchange(second)).isEqualTo(200);
            try (Socket third = open(fx)) {
                third.getOutputStream().write(GET.getBytes(StandardCharsets.US_ASCII));
                third.setSoTimeout(500);
                InputStream in = third.getInputStream();
                assertThatThrownBy(in::read)
                        .as("not served while two are open")
                        .isInstanceOf(SocketTimeoutException.class);
                first.close();
                third.setSoTimeout(5000);
                assertThat(RawHttp.readResponse(third).status()).isEqualTo(200);
            }
            assertThat(exchange(second)).as("the open ones are still served").isEqualTo(200);
        }
    }

    private static Socket open(ProxyFixture fx) throws Exception {
        Socket s = new Socket("127.0.0.1", fx.address().getPort());
        s.setSoTimeout(5000);
        return s;
    }

    private static int exchange(Socket s) throws Exception {
        s.getOutputStream().write(GET.getBytes(StandardCharsets.US_ASCII));
        return RawHttp.readResponse(s).status();
    }
}
