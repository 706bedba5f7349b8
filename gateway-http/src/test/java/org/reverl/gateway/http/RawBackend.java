package org.reverl.gateway.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/** A backend that misbehaves on purpose: reads one request head per connection and then does what it is told. */
final class RawBackend implements AutoCloseable {

    /** What to do once a request head was read. */
    interface Behaviour {
        void onRequest(String head, OutputStream out, Socket socket) throws IOException;
    }

    final AtomicInteger requests = new AtomicInteger();
    private final ServerSocket server;
    private final Thread acceptor;

    RawBackend(Behaviour behaviour) throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        acceptor = new Thread(
                () -> {
                    while (!server.isClosed()) {
                        try {
                            Socket s = server.accept();
                            Thread t = new Thread(() -> serve(s, behaviour), "raw-backend-conn");
                            t.setDaemon(true);
                            t.start();
                        } catch (IOException e) {
                            return;
                        }
                    }
                },
                "raw-backend");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    private void serve(Socket s, Behaviour behaviour) {
        try (s) {
            InputStream in = s.getInputStream();
            StringBuilder head = new StringBuilder();
            int c;
            while ((c = in.read()) >= 0) {
                head.append((char) c);
                if (head.length() >= 4 && head.substring(head.length() - 4).equals("\r\n\r\n")) {
                    break;
                }
            }
            if (c < 0) {
                return;
            }
            requests.incrementAndGet();
            behaviour.onRequest(head.toString(), s.getOutputStream(), s);
        } catch (IOException e) {
            // the proxy went away
        }
    }

    String address() {
        return "127.0.0.1:" + server.getLocalPort();
    }

    static void write(OutputStream out, String s) throws IOException {
        out.write(s.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
