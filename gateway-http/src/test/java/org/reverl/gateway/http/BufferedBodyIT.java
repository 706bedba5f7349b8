package org.reverl.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.reverl.gateway.api.Backend;
import org.reverl.gateway.api.BackendEvent;
import org.reverl.gateway.api.BackendState;

/** Buffered request bodies over real sockets: replayed after a backend dies with them; a client that stops reading. */
class BufferedBodyIT {

    @Test
    void put10KiB_whoseBackendDiesAfterReceivingIt_isServedByAnother() throws Exception {
        try (RecordingBackend dying = new RecordingBackend(RecordingBackend.Mode.CLOSE_AFTER_REQUEST);
                RecordingBackend alive = new RecordingBackend(RecordingBackend.Mode.ANSWER);
                ProxyFixture fx = new ProxyFixture(List.of(dying.address(), alive.address()), c -> c.ioThreads(1))) {
            String body = "p".repeat(10 * 1024);
            String request = "PUT /doc HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length() + "\r\n\r\n" + body;
            RawHttp.Reply r = RawHttp.send(fx.address(), request);
            assertThat(r.status()).isEqualTo(200);
            assertThat(dying.requests.get())
                    .as("the first backend took the whole request, then died")
                    .isEqualTo(1);
            assertThat(dying.received()).endsWith(body);
            assertThat(alive.received()).isEqualTo(dying.received());
        }
    }

    @Test
    void post_whoseBackendDiesAfterReceivingIt_isNotSentAgain() throws Exception {
        try (RecordingBackend dying = new RecordingBackend(RecordingBackend.Mode.CLOSE_AFTER_REQUEST);
                RecordingBackend alive = new RecordingBackend(RecordingBackend.Mode.ANSWER);
                ProxyFixture fx = new ProxyFixture(List.of(dying.address(), alive.address()), c -> c.ioThreads(1))) {
            String body = "o".repeat(10 * 1024);
            String request = "POST /order HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length() + "\r\n\r\n" + body;
            RawHttp.Reply r = RawHttp.send(fx.address(), request);
            assertThat(r.status()).isEqualTo(502);
            assertThat(dying.requests.get()).isEqualTo(1);
            assertThat(alive.received())
                    .as("a POST may have been acted on: never sent twice")
                    .isEmpty();
        }
    }

    /**
     * A backend streams 100 MiB to a client that reads nothing: the client is closed after the send timeout, and the
     * backend is not blamed: no failure recorded, still UP, no request in flight.
     */
    @Test
    void clientThatStopsReading100MiB_closedAfterTheSendTimeout_backendStaysUp() throws Exception {
        long size = 100L << 20;
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread t = new Thread(() -> serveHuge(server, size), "huge-backend");
            t.setDaemon(true);
            t.start();
            List<String> failures = new CopyOnWriteArrayList<>();
            ProxyObserver observer = new ProxyObserver() {
                @Override
                public void onBackendFailure(Backend backend, Failure failure) {
                    failures.add(backend.id() + " " + failure);
                }
            };
            try (ProxyFixture fx = new ProxyFixture(
                            List.of("127.0.0.1:" + server.getLocalPort()),
                            c -> c.sendTimeout(Duration.ofSeconds(1))
                                    .responseTimeout(Duration.ofMillis(500))
                                    .observer(observer));
                    Socket client = new Socket("127.0.0.1", fx.address().getPort())) {
                client.setReceiveBufferSize(64 * 1024);
                client.getOutputStream()
                        .write("GET /huge HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                Backend b1 = fx.lb.backend("b1").orElseThrow();
                await().atMost(Duration.ofSeconds(10)).until(() -> b1.inFlight() == 1);
                // the client reads nothing; once the send timeout passes, the proxy gives the request up
                await().atMost(Duration.ofSeconds(15)).until(() -> b1.inFlight() == 0);
                long read = drain(client.getInputStream());
                assertThat(read).as("the response was cut, not completed").isLessThan(size);
                assertThat(failures).isEmpty();
                assertThat(b1.state()).isEqualTo(BackendState.UP);
                assertThat(fx.events)
                        .noneMatch(e -> e.type() == BackendEvent.Type.EJECTED || e.type() == BackendEvent.Type.DOWN);
            }
        }
    }

    private static void serveHuge(ServerSocket server, long size) {
        try (Socket s = server.accept()) {
            InputStream in = s.getInputStream();
            StringBuilder head = new StringBuilder();
            int c;
            while ((c = in.read()) >= 0 && !head.append((char) c).toString().endsWith("\r\n\r\n")) {
                // the request head
            }
            OutputStream out = s.getOutputStream();
            out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + size + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            byte[] chunk = new byte[64 * 1024];
            for (long sent = 0; sent < size; sent += chunk.length) {
                out.write(chunk);
            }
        } catch (IOException e) {
            // the proxy closed the connection: expected
        }
    }

    private static long drain(InputStream in) throws IOException {
        byte[] buf = new byte[65536];
        long total = 0;
        try {
            int n;
            while ((n = in.read(buf)) >= 0) {
                total += n;
            }
        } catch (IOException e) {
            // reset: the proxy aborted the connection
        }
        return total;
    }
}
