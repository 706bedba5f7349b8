package org.reverl.gateway.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A backend on 127.0.0.1 that frames what it receives with {@link StrictFraming}, connection by connection, and
 * answers each request {@code 200} with the request's target as the body, so a client can tell which request a
 * response belongs to, or with a response {@linkplain #script scripted} for its target. It keeps every connection's bytes; a connection whose bytes do not frame is closed, and its
 * {@link Conn#error} says why.
 */
final class EchoTargetBackend implements AutoCloseable {

    /** One connection from the proxy. */
    static final class Conn {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        volatile String error;
        volatile boolean ended;

        byte[] bytes() {
            synchronized (bytes) {
                return bytes.toByteArray();
            }
        }

        String text() {
            return StrictFraming.Printable.of(new String(bytes(), StandardCharsets.ISO_8859_1));
        }
    }

    private final ServerSocket server;
    final List<Conn> connections = new CopyOnWriteArrayList<>();
    /** Every request framed, on any connection, in the order they completed. */
    final List<StrictFraming.Request> requests = new CopyOnWriteArrayList<>();
    /** Responses to send instead of the echo, by target, once each. */
    private final Map<String, FramingMutations.Reply> scripted = new ConcurrentHashMap<>();

    EchoTargetBackend() throws IOException {
        server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        Thread acceptor = new Thread(this::accept, "echo-target-backend");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** The next request for {@code target} gets {@code reply}, and its connection is closed after it if it says so. */
    void script(String target, FramingMutations.Reply reply) {
        scripted.put(target, reply);
    }

    String address() {
        return "127.0.0.1:" + server.getLocalPort();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                Conn c = new Conn();
                connections.add(c);
                Thread t = new Thread(() -> serve(s, c), "echo-target-backend-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket s, Conn c) {
        try (s) {
            s.setTcpNoDelay(true);
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            byte[] buf = new byte[16384];
            int answered = 0;
            int n;
            while ((n = in.read(buf)) >= 0) {
                synchronized (c.bytes) {
                    c.bytes.write(buf, 0, n);
                }
                StrictFraming.Framed<StrictFraming.Request> r = StrictFraming.parse(c.bytes());
                for (StrictFraming.Request req :
                        r.messages().subList(answered, r.messages().size())) {
                    requests.add(req);
                    FramingMutations.Reply reply = scripted.remove(req.target());
                    if (reply != null) {
                        out.write(reply.bytes());
                        out.flush();
                        if (reply.close()) {
                            return;
                        }
                        continue;
                    }
                    String body = req.target();
                    // one write: with Nagle's algorithm a second small one waits for the proxy's delayed ACK
                    out.write(("HTTP/1.1 200 OK\r\ncontent-length: " + body.length() + "\r\n\r\n" + body)
                            .getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                }
                answered = r.messages().size();
                if (r.error() != null && !r.error().equals(StrictFraming.INCOMPLETE)) {
                    c.error = r.error();
                    return;
                }
            }
        } catch (IOException e) {
            // the proxy closed or reset the connection
        } finally {
            c.ended = true;
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
