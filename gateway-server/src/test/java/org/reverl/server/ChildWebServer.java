package org.reverl.server;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * A web server in a process of its own, for tests that need a real backend process: answers {@code child} on 127.0.0.1
 * at a free port, prints {@code port <n>} once it listens, and runs until killed.
 */
public final class ChildWebServer {

    private ChildWebServer() {}

    public static void main(String[] args) throws IOException, InterruptedException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.createContext("/", ex -> {
            byte[] body = "child\n".getBytes(StandardCharsets.UTF_8);
            ex.getRequestBody().readAllBytes();
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        server.start();
        System.out.println("port " + server.getAddress().getPort());
        System.out.flush();
        Thread.currentThread().join();
    }
}
