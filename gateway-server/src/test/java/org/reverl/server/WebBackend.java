package org.reverl.server;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A backend web server on 127.0.0.1 (the JDK's): {@code /} answers its name, {@code /fail} answers 500, {@code /hold}
 * answers only once {@link #release()} is called (at most 30 s later), so a test can keep a request in flight.
 */
public final class WebBackend implements AutoCloseable {

    public final String name;
    public final AtomicInteger served = new AtomicInteger();
    public final AtomicInteger holding = new AtomicInteger();
    private final AtomicReference<CountDownLatch> hold = new AtomicReference<>(new CountDownLatch(1));
    private final ExecutorService executor = Executors.newFixedThreadPool(16);
    private final HttpServer server;

    private WebBackend(String name) throws IOException {
        this.name = name;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128);
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    public static WebBackend start(String name) throws IOException {
        return new WebBackend(name);
    }

    /** {@code http://127.0.0.1:<port>}. */
    public String address() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Lets every held request answer. */
    public void release() {
        hold.getAndSet(new CountDownLatch(1)).countDown();
    }

    private void handle(HttpExchange ex) throws IOException {
        try {
            ex.getRequestBody().readAllBytes();
            String path = ex.getRequestURI().getPath();
            int status = 200;
            if (path.equals("/fail")) {
                status = 500;
            } else if (path.equals("/hold")) {
                holding.incrementAndGet();
                try {
                    hold.get().await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    holding.decrementAndGet();
                }
            }
            byte[] body = (name + "\n").getBytes(StandardCharsets.UTF_8);
            served.incrementAndGet(); // before the answer, so that a client that has it sees the count
            ex.sendResponseHeaders(status, body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        } finally {
            ex.close();
        }
    }

    @Override
    public void close() {
        release();
        server.stop(0);
        executor.shutdownNow();
    }
}
