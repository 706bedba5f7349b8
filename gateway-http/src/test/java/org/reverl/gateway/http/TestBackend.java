package org.reverl.gateway.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A backend web server on 127.0.0.1 (the JDK's HTTP server), recording every request it receives.
 *
 * <ul>
 *   <li>{@code /} answers its name;
 *   <li>{@code /echo} answers the request head as {@code name: value} lines (names lower-cased, sorted);
 *   <li>{@code /big?n=N} answers N bytes, chunked, with a fixed pattern;
 *   <li>{@code /upload} reads the body and answers {@code bytes=N sum=S};
 *   <li>{@code /slow?ms=N} waits N ms before answering.
 * </ul>
 */
final class TestBackend implements AutoCloseable {

    final String name;
    final ConcurrentLinkedQueue<String> requests = new ConcurrentLinkedQueue<>();
    private final ExecutorService executor = Executors.newFixedThreadPool(16);
    private HttpServer server;
    private int port;
    private volatile int forcedStatus;

    private TestBackend(String name) {
        this.name = name;
    }

    static TestBackend start(String name) throws IOException {
        return start(name, 0);
    }

    static TestBackend start(String name, int port) throws IOException {
        TestBackend b = new TestBackend(name);
        b.bind(port);
        return b;
    }

    private void bind(int p) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), p), 128);
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
        port = server.getAddress().getPort();
    }

    /** Stops accepting and closes every connection at once, like a killed process. */
    void kill() {
        server.stop(0);
    }

    /** Starts again on the same port. */
    void restart() throws IOException {
        bind(port);
    }

    int port() {
        return port;
    }

    String address() {
        return "127.0.0.1:" + port;
    }

    /** From now on every request is answered with this status and the backend's name; 0 restores normal answers. */
    void answerEverythingWith(int status) {
        forcedStatus = status;
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            String query = ex.getRequestURI().getQuery();
            requests.add(ex.getRequestMethod() + " " + ex.getRequestURI());
            int forced = forcedStatus;
            if (forced != 0) {
                drain(ex.getRequestBody());
                send(ex, forced, name);
                return;
            }
            switch (path) {
                case "/echo": {
                    StringBuilder sb = new StringBuilder();
                    sb.append("method: ").append(ex.getRequestMethod()).append('\n');
                    sb.append("uri: ").append(ex.getRequestURI()).append('\n');
                    Map<String, List<String>> sorted = new TreeMap<>();
                    ex.getRequestHeaders().forEach((k, v) -> sorted.put(k.toLowerCase(java.util.Locale.ROOT), v));
                    sorted.forEach((k, v) -> sb.append(k)
                            .append(": ")
                            .append(String.join(",", v))
                            .append('\n'));
                    drain(ex.getRequestBody());
                    send(ex, 200, sb.toString());
                    break;
                }
                case "/big": {
                    long n = Long.parseLong(query.substring(2));
                    drain(ex.getRequestBody());
                    ex.sendResponseHeaders(200, 0); // chunked
                    byte[] block = new byte[16384];
                    for (int i = 0; i < block.length; i++) {
                        block[i] = (byte) i;
                    }
                    try (OutputStream out = ex.getResponseBody()) {
                        long left = n;
                        while (left > 0) {
                            int k = (int) Math.min(left, block.length);
                            out.write(block, 0, k);
                            left -= k;
                        }
                    }
                    break;
                }
                case "/upload": {
                    long bytes = 0;
                    long sum = 0;
                    byte[] buf = new byte[16384];
                    try (InputStream in = ex.getRequestBody()) {
                        int r;
                        while ((r = in.read(buf)) > 0) {
                            bytes += r;
                            for (int i = 0; i < r; i++) {
                                sum += buf[i] & 0xff;
                            }
                        }
                    }
                    send(ex, 200, "bytes=" + bytes + " sum=" + sum);
                    break;
                }
                case "/slow": {
                    drain(ex.getRequestBody());
                    try {
                        Thread.sleep(Long.parseLong(query.substring(3)));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    send(ex, 200, name);
                    break;
                }
                default:
                    drain(ex.getRequestBody());
                    send(ex, 200, name);
            }
        }
    }

    private static void drain(InputStream in) throws IOException {
        in.transferTo(OutputStream.nullOutputStream());
    }

    private static void send(HttpExchange ex, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "text/plain");
        if ("HEAD".equals(ex.getRequestMethod())) {
            ex.getResponseHeaders().set("Content-Length", Integer.toString(b.length));
            ex.sendResponseHeaders(status, -1);
            return;
        }
        ex.sendResponseHeaders(status, b.length);
        ex.getResponseBody().write(b);
    }

    @Override
    public void close() throws InterruptedException {
        server.stop(0);
        executor.shutdownNow();
        executor.awaitTermination(5, TimeUnit.SECONDS);
    }
}
