package org.reverl.server;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The demo's web backends: small HTTP servers on loopback, each answering every request with its own name, so that the
 * proxy's rotation shows in the responses. Each can be stopped and started again on its port, to watch health checks.
 */
final class DemoBackends implements AutoCloseable {

    private final List<Demo> demos = new ArrayList<>();

    /** Starts {@code count} backends, {@code demo-1} ..., on free loopback ports. */
    static DemoBackends start(int count) throws IOException {
        DemoBackends all = new DemoBackends();
        try {
            for (int i = 1; i <= count; i++) {
                Demo d = new Demo("demo-" + i);
                d.start(0);
                all.demos.add(d);
            }
        } catch (IOException | RuntimeException e) {
            all.close();
            throw e;
        }
        return all;
    }

    /** {@code name} and {@code host:port} of each, in order. */
    List<String[]> endpoints() {
        List<String[]> list = new ArrayList<>();
        for (Demo d : demos) {
            list.add(new String[] {d.name, "127.0.0.1:" + d.port});
        }
        return list;
    }

    /** Stops backend {@code index} (0-based); its port stays reserved for {@link #restart}. */
    void stop(int index) {
        demos.get(index).stop();
    }

    /** Starts backend {@code index} again on its old port. */
    void restart(int index) throws IOException {
        Demo d = demos.get(index);
        d.start(d.port);
    }

    @Override
    public void close() {
        demos.forEach(Demo::stop);
    }

    @Override
    public String toString() {
        return "demo backends " + demos.stream().map(d -> d.name).toList();
    }

    private static final class Demo {
        final String name;
        int port;
        HttpServer server;
        ExecutorService executor;

        Demo(String name) {
            this.name = name;
        }

        synchronized void start(int onPort) throws IOException {
            HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), onPort), 128);
            byte[] body = ("Hello from " + name + "\n").getBytes(StandardCharsets.UTF_8);
            s.createContext("/", exchange -> {
                try (InputStream in = exchange.getRequestBody()) {
                    in.transferTo(OutputStream.nullOutputStream());
                }
                exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
                exchange.getResponseHeaders().set("X-Backend", name);
                boolean head = "HEAD".equals(exchange.getRequestMethod());
                exchange.sendResponseHeaders(200, head ? -1 : body.length);
                if (!head) {
                    try (OutputStream out = exchange.getResponseBody()) {
                        out.write(body);
                    }
                }
                exchange.close();
            });
            executor = Executors.newFixedThreadPool(2, r -> {
                Thread t = new Thread(r, "reverl-" + name);
                t.setDaemon(true);
                return t;
            });
            s.setExecutor(executor);
            s.start();
            server = s;
            port = s.getAddress().getPort();
        }

        synchronized void stop() {
            if (server != null) {
                server.stop(0);
                executor.shutdownNow();
                server = null;
            }
        }
    }
}
