package org.reverl.gateway.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A backend on 127.0.0.1 that records every byte it receives, exactly, and frames requests itself (by {@code
 * Content-Length} or chunked, as RFC 9112 says): after each complete request it answers {@code 200} with body {@code
 * ok}, or, in {@link Mode#CLOSE_AFTER_REQUEST}, closes the connection without answering (a backend that died after
 * taking the request). Whatever a proxy sends, the record shows it as the backend saw it.
 */
final class RecordingBackend implements AutoCloseable {

    enum Mode {
        ANSWER,
        CLOSE_AFTER_REQUEST
    }

    private final ServerSocket server;
    private final ByteArrayOutputStream received = new ByteArrayOutputStream();
    private final List<Socket> open = new ArrayList<>();
    final AtomicInteger requests = new AtomicInteger();
    final AtomicInteger connections = new AtomicInteger();
    private volatile Mode mode;

    RecordingBackend(Mode mode) throws IOException {
        this(mode, 0);
    }

    /** Listens on {@code port} (0: any free one); a killed backend's port can be listened on again at once. */
    RecordingBackend(Mode mode, int port) throws IOException {
        this.mode = mode;
        server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), port), 50);
        Thread acceptor = new Thread(
                () -> {
                    while (!server.isClosed()) {
                        try {
                            Socket s = server.accept();
                            connections.incrementAndGet();
                            synchronized (open) {
                                open.add(s);
                            }
                            Thread t = new Thread(() -> serve(s), "recording-backend-conn");
                            t.setDaemon(true);
                            t.start();
                        } catch (IOException e) {
                            return;
                        }
                    }
                },
                "recording-backend");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    String address() {
        return "127.0.0.1:" + server.getLocalPort();
    }

    int port() {
        return server.getLocalPort();
    }

    /** Every byte received so far, on every connection, in arrival order (ISO-8859-1). */
    String received() {
        synchronized (received) {
            return received.toString(StandardCharsets.ISO_8859_1);
        }
    }

    void clear() {
        synchronized (received) {
            received.reset();
        }
    }

    private void serve(Socket s) {
        try (s) {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            Framer framer = new Framer();
            byte[] buf = new byte[16384];
            int n;
            while ((n = in.read(buf)) >= 0) {
                synchronized (received) {
                    received.write(buf, 0, n);
                }
                int complete = framer.feed(buf, n);
                for (int i = 0; i < complete; i++) {
                    requests.incrementAndGet();
                    if (mode == Mode.CLOSE_AFTER_REQUEST) {
                        s.setSoLinger(true, 0); // a reset, as from a process that died
                        return;
                    }
                    out.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                }
            }
        } catch (IOException e) {
            // the proxy closed the connection
        } finally {
            synchronized (open) {
                open.remove(s);
            }
        }
    }

    /** Connections open now. */
    int openConnections() {
        synchronized (open) {
            return open.size();
        }
    }

    /** Finds request boundaries in a byte stream: head, then a body by Content-Length or chunked. */
    private static final class Framer {
        private final StringBuilder pending = new StringBuilder();

        int feed(byte[] b, int n) {
            pending.append(new String(b, 0, n, StandardCharsets.ISO_8859_1));
            int complete = 0;
            int end;
            while ((end = requestEnd()) > 0) {
                pending.delete(0, end);
                complete++;
            }
            return complete;
        }

        /** The length of the first complete request in {@link #pending}, or -1. */
        private int requestEnd() {
            int headEnd = pending.indexOf("\r\n\r\n");
            if (headEnd < 0) {
                return -1;
            }
            String head = pending.substring(0, headEnd).toLowerCase();
            int bodyStart = headEnd + 4;
            if (head.contains("\r\ntransfer-encoding: chunked")) {
                int i = bodyStart;
                while (true) {
                    int lineEnd = pending.indexOf("\r\n", i);
                    if (lineEnd < 0) {
                        return -1;
                    }
                    String sizeText = pending.substring(i, lineEnd);
                    int semi = sizeText.indexOf(';');
                    int size = Integer.parseInt(semi >= 0 ? sizeText.substring(0, semi) : sizeText, 16);
                    if (size == 0) {
                        int trailerEnd = pending.indexOf("\r\n\r\n", lineEnd);
                        if (pending.indexOf("\r\n", lineEnd + 2) == lineEnd + 2) {
                            return lineEnd + 4;
                        }
                        return trailerEnd < 0 ? -1 : trailerEnd + 4;
                    }
                    i = lineEnd + 2 + size + 2;
                    if (i > pending.length()) {
                        return -1;
                    }
                }
            }
            int cl = head.indexOf("\r\ncontent-length:");
            if (cl >= 0) {
                int valueEnd = head.indexOf("\r\n", cl + 2);
                String v = head.substring(cl + 17, valueEnd < 0 ? head.length() : valueEnd)
                        .trim();
                int length = Integer.parseInt(v);
                return pending.length() >= bodyStart + length ? bodyStart + length : -1;
            }
            return bodyStart;
        }
    }

    /** Dies as a killed process does: stops listening, and resets every open connection. */
    void kill() throws IOException {
        server.close();
        synchronized (open) {
            for (Socket s : open) {
                try {
                    s.setSoLinger(true, 0);
                } catch (IOException e) {
                    // closed already
                }
                s.close();
            }
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        synchronized (open) {
            for (Socket s : open) {
                s.close();
            }
        }
    }
}
