package org.reverl.benchmarks.soak;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * The JDK's HTTP server on 127.0.0.1 and a free port, answering the n-th request it receives (from 0) with the status
 * that {@code plan.apply(n)} completes with, whenever it completes (never, for a future never completed). Counts the
 * requests, those that asked for {@code Connection: close}, and the client ports of the others.
 */
final class TestBackend implements AutoCloseable {

    private static final byte[] BODY = "ok\n".getBytes(StandardCharsets.US_ASCII);

    final AtomicInteger received = new AtomicInteger();
    final AtomicInteger closeRequested = new AtomicInteger();
    final Set<Integer> keepAlivePorts = ConcurrentHashMap.newKeySet();
    private final HttpServer server;

    TestBackend(IntFunction<CompletableFuture<Integer>> plan) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            int n = received.getAndIncrement();
            if ("close".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Connection"))) {
                closeRequested.incrementAndGet();
            } else {
                keepAlivePorts.add(exchange.getRemoteAddress().getPort());
            }
            plan.apply(n).thenAccept(status -> answer(exchange, status));
        });
        server.start();
    }

    /** Answers at once with {@code status}. */
    static CompletableFuture<Integer> now(int status) {
        return CompletableFuture.completedFuture(status);
    }

    private static void answer(HttpExchange exchange, int status) {
        try (OutputStream body = exchange.getResponseBody()) {
            exchange.sendResponseHeaders(status, BODY.length);
            body.write(BODY);
        } catch (IOException e) {
            // the client gave up on it and closed the connection
        }
    }

    URI uri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/soak");
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
