package org.reverl.gateway.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/** A client that writes raw bytes and reads until the server closes: for what well-behaved clients never send. */
final class RawHttp {

    private RawHttp() {}

    /** What came back: the bytes and whether the server closed the connection. */
    record Reply(String text, boolean closed) {
        int status() {
            if (!text.startsWith("HTTP/1.1 ")) {
                return -1;
            }
            return Integer.parseInt(text.substring(9, 12));
        }

        int count(String s) {
            int n = 0;
            for (int i = text.indexOf(s); i >= 0; i = text.indexOf(s, i + 1)) {
                n++;
            }
            return n;
        }
    }

    /** Sends {@code request} and reads until the server closes or {@code waitMillis} pass without a byte. */
    static Reply exchange(InetSocketAddress proxy, String request, int waitMillis) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(proxy, 2000);
            s.setSoTimeout(waitMillis);
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            return readAll(s.getInputStream());
        }
    }

    static Reply readAll(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        boolean closed;
        try {
            int r;
            while ((r = in.read(buf)) >= 0) {
                out.write(buf, 0, r);
            }
            closed = true;
        } catch (SocketTimeoutException e) {
            closed = false;
        } catch (IOException e) {
            closed = true; // reset
        }
        return new Reply(out.toString(StandardCharsets.ISO_8859_1), closed);
    }

    /**
     * Sends {@code request} on a new connection and reads one response: to the end of its body by {@code
     * Content-Length}, or to the end of the connection if it says it closes.
     */
    static Reply send(InetSocketAddress proxy, String request) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(proxy, 2000);
            s.setSoTimeout(10_000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            return readResponse(s);
        }
    }

    /** Reads one response from {@code s}, and to the end of the connection if it says it closes. */
    static Reply readResponse(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        while (true) {
            String text = got.toString(StandardCharsets.ISO_8859_1);
            int headEnd = text.indexOf("\r\n\r\n");
            if (headEnd > 0) {
                String head = text.substring(0, headEnd).toLowerCase();
                int cl = head.indexOf("content-length: ");
                int length = cl < 0
                        ? 0
                        : Integer.parseInt(
                                head.substring(cl + 16).split("\r\n")[0].trim());
                if (text.length() >= headEnd + 4 + length && !head.contains("connection: close")) {
                    return new Reply(text, false);
                }
            }
            int b;
            try {
                b = in.read();
            } catch (SocketTimeoutException e) {
                return new Reply(got.toString(StandardCharsets.ISO_8859_1), false);
            } catch (IOException e) {
                b = -1; // reset
            }
            if (b < 0) {
                return new Reply(got.toString(StandardCharsets.ISO_8859_1), true);
            }
            got.write(b);
        }
    }
}
