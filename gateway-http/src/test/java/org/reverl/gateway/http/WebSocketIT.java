package org.reverl.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.reverl.gateway.api.Backend;

/** WebSockets through the proxy: a Netty WebSocket backend, the JDK's WebSocket client, real sockets on 127.0.0.1. */
class WebSocketIT {

    /** Counts tunnels as a metrics observer would. */
    static final class Tunnels implements ProxyObserver {
        final AtomicInteger opened = new AtomicInteger();
        final AtomicInteger closed = new AtomicInteger();

        @Override
        public void onTunnelOpened(Backend backend, long nanos) {
            opened.incrementAndGet();
        }

        @Override
        public void onTunnelClosed(Backend backend, long nanos) {
            closed.incrementAndGet();
        }
    }

    /** Collects what a WebSocket client receives. */
    static final class Received implements WebSocket.Listener {
        final LinkedBlockingQueue<String> texts = new LinkedBlockingQueue<>();
        final CompletableFuture<Integer> closed = new CompletableFuture<>();
        private final StringBuilder part = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            part.append(data);
            if (last) {
                texts.add(part.toString());
                part.setLength(0);
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
            closed.complete(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            closed.completeExceptionally(error);
        }
    }

    @Test
    void messagesBothWays_thenTheBackendCloses() throws Exception {
        Tunnels tunnels = new Tunnels();
        try (WebSocketBackend backend = new WebSocketBackend("ws1");
                ProxyFixture fx = new ProxyFixture(List.of(backend.address()), b -> b.observer(tunnels))) {
            HttpClient http = HttpClient.newHttpClient();
            Received received = new Received();
            WebSocket ws = http.newWebSocketBuilder()
                    .buildAsync(URI.create("ws://127.0.0.1:" + fx.address().getPort() + "/ws"), received)
                    .get(5, TimeUnit.SECONDS);
            for (int i = 0; i < 3; i++) {
                ws.sendText("hello " + i, true).get(5, TimeUnit.SECONDS);
                assertThat(received.texts.poll(5, TimeUnit.SECONDS)).isEqualTo("ws1: hello " + i);
            }
            String large = "x".repeat(200_000);
            ws.sendText(large, true).get(5, TimeUnit.SECONDS);
            assertThat(received.texts.poll(5, TimeUnit.SECONDS)).isEqualTo("ws1: " + large);
            assertThat(tunnels.opened).hasValue(1);
            assertThat(fx.lb.backends().get(0).inFlight())
                    .as("an open tunnel is in flight: a drain or shutdown waits for it")
                    .isEqualTo(1);

            ws.sendText("bye", true).get(5, TimeUnit.SECONDS);
            assertThat(received.closed.get(5, TimeUnit.SECONDS)).isEqualTo(1000);
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                assertThat(tunnels.closed).hasValue(1);
                assertThat(fx.lb.backends().get(0).inFlight()).isZero();
            });
            ws.abort();
        }
    }

    @Test
    void plainRequestsStillWork_onTheSameListener() throws Exception {
        try (WebSocketBackend backend = new WebSocketBackend("ws1");
                ProxyFixture fx = new ProxyFixture(List.of(backend.address()))) {
            // the WebSocket backend refuses a plain GET of /ws (no upgrade): a normal response, relayed
            try (Socket s = new Socket("127.0.0.1", fx.address().getPort())) {
                s.setSoTimeout(5000);
                s.getOutputStream()
                        .write("GET /ws HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                                .getBytes(StandardCharsets.ISO_8859_1));
                String reply = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
                assertThat(reply).startsWith("HTTP/1.1 400 ");
            }
        }
    }

    /**
     * A client that asks the backend to flood it and never reads: the proxy stops reading the backend once the client's
     * connection is full, so the backend can write only what the buffers on the way hold; with no byte moving, the
     * tunnel idle timeout closes both ends and gives the lease back.
     */
    @Test
    void clientThatNeverReads_backendHeldBack_thenTheIdleTunnelIsClosed() throws Exception {
        Tunnels tunnels = new Tunnels();
        try (WebSocketBackend backend = new WebSocketBackend("ws1");
                ProxyFixture fx = new ProxyFixture(
                        List.of(backend.address()),
                        b -> b.observer(tunnels).tunnelIdleTimeout(Duration.ofMillis(800)));
                Socket s = new Socket("127.0.0.1", fx.address().getPort())) {
            s.setReceiveBufferSize(64 * 1024);
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            out.write(("GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            InputStream in = s.getInputStream();
            String head = readHead(in);
            assertThat(head).startsWith("HTTP/1.1 101 ").containsIgnoringCase("upgrade: websocket");
            // a masked text frame "flood", as a client must send it
            byte[] text = "flood".getBytes(StandardCharsets.US_ASCII);
            byte[] mask = {1, 2, 3, 4};
            byte[] frame = new byte[2 + 4 + text.length];
            frame[0] = (byte) 0x81;
            frame[1] = (byte) (0x80 | text.length);
            System.arraycopy(mask, 0, frame, 2, 4);
            for (int i = 0; i < text.length; i++) {
                frame[6 + i] = (byte) (text[i] ^ mask[i % 4]);
            }
            out.write(frame);
            out.flush();

            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                assertThat(tunnels.closed).hasValue(1);
                assertThat(backend.closed).hasValue(1);
            });
            assertThat(backend.flooded.get())
                    .as("held back by the client that never read")
                    .isLessThan(WebSocketBackend.FLOOD_LIMIT / 4);
            assertThat(fx.lb.backends().get(0).inFlight()).isZero();
        }
    }

    private static String readHead(InputStream in) throws java.io.IOException {
        StringBuilder sb = new StringBuilder();
        while (!sb.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                break;
            }
            sb.append((char) c);
        }
        return sb.toString();
    }
}
