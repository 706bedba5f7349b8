package org.reverl.gateway.http;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/**
 * An HTTP/2 client that writes frames byte by byte (h2c, prior knowledge), for attacks no well-behaved codec would
 * send: HPACK blocks built by hand, floods of PING or SETTINGS frames written without reading the answers.
 */
final class RawH2 implements AutoCloseable {

    static final int DATA = 0x0;
    static final int HEADERS = 0x1;
    static final int RST_STREAM = 0x3;
    static final int SETTINGS = 0x4;
    static final int PING = 0x6;
    static final int GOAWAY = 0x7;

    static final int END_STREAM = 0x1;
    static final int END_HEADERS = 0x4;
    static final int ACK = 0x1;

    /** One frame read: its type, flags, stream and payload. */
    record Frame(int type, int flags, int stream, byte[] payload) {
        /** The error code of a GOAWAY frame. */
        int goAwayError() {
            return ((payload[4] & 0xff) << 24)
                    | ((payload[5] & 0xff) << 16)
                    | ((payload[6] & 0xff) << 8)
                    | (payload[7] & 0xff);
        }
    }

    private final Socket socket;
    private final OutputStream out;
    private final DataInputStream in;

    /**
     * Connects and sends the preface and an empty SETTINGS frame.
     *
     * @param receiveBuffer the socket's receive buffer: small, so that what the server sends piles up on its side
     */
    RawH2(InetSocketAddress server, int receiveBuffer) throws IOException {
        socket = new Socket();
        socket.setReceiveBufferSize(receiveBuffer);
        socket.connect(server, 5000);
        socket.setSoTimeout(10_000);
        out = socket.getOutputStream();
        in = new DataInputStream(socket.getInputStream());
        out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        write(frame(SETTINGS, 0, 0, new byte[0]));
    }

    static byte[] frame(int type, int flags, int stream, byte[] payload) {
        byte[] f = new byte[9 + payload.length];
        f[0] = (byte) (payload.length >>> 16);
        f[1] = (byte) (payload.length >>> 8);
        f[2] = (byte) payload.length;
        f[3] = (byte) type;
        f[4] = (byte) flags;
        f[5] = (byte) (stream >>> 24);
        f[6] = (byte) (stream >>> 16);
        f[7] = (byte) (stream >>> 8);
        f[8] = (byte) stream;
        System.arraycopy(payload, 0, f, 9, payload.length);
        return f;
    }

    /** A PING frame with 8 bytes of data. */
    static byte[] ping(long data) {
        byte[] p = new byte[8];
        for (int i = 0; i < 8; i++) {
            p[i] = (byte) (data >>> (56 - 8 * i));
        }
        return frame(PING, 0, 0, p);
    }

    /**
     * A header block of {@code GET /} that inflates: one header of {@code valueLength} bytes added to the dynamic table,
     * then referred to {@code references} times at one byte each (RFC 7541 indexed field 62, the newest entry).
     */
    static byte[] hpackBomb(int valueLength, int references) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(0x82); // :method GET
        b.write(0x86); // :scheme http
        b.write(0x84); // :path /
        b.write(0x01); // :authority, literal without indexing, indexed name 1
        byte[] authority = "h2.test".getBytes(StandardCharsets.US_ASCII);
        b.write(authority.length);
        b.writeBytes(authority);
        b.write(0x40); // literal with incremental indexing, new name
        byte[] name = "x-bomb".getBytes(StandardCharsets.US_ASCII);
        b.write(name.length);
        b.writeBytes(name);
        integer(b, valueLength, 7);
        for (int i = 0; i < valueLength; i++) {
            b.write('a');
        }
        for (int i = 0; i < references; i++) {
            b.write(0x80 | 62);
        }
        return b.toByteArray();
    }

    /**
     * A header block of the fields given as name, value, name, value...: each a literal without indexing with a new
     * name, no Huffman, bytes as given (ISO-8859-1), so names and values no codec would encode get through.
     */
    static byte[] literalBlock(String... namesAndValues) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            b.write(0x00);
            for (String s : new String[] {namesAndValues[i], namesAndValues[i + 1]}) {
                byte[] bytes = s.getBytes(StandardCharsets.ISO_8859_1);
                integer(b, bytes.length, 7);
                b.writeBytes(bytes);
            }
        }
        return b.toByteArray();
    }

    /** An HPACK integer with an {@code prefix}-bit prefix, the first byte's other bits 0 (no Huffman). */
    private static void integer(ByteArrayOutputStream b, int value, int prefix) {
        int max = (1 << prefix) - 1;
        if (value < max) {
            b.write(value);
            return;
        }
        b.write(max);
        value -= max;
        while (value >= 128) {
            b.write((value & 0x7f) | 0x80);
            value >>>= 7;
        }
        b.write(value);
    }

    void write(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /**
     * Writes {@code frame} up to {@code times} times within {@code maxMillis}, in batches, without reading.
     *
     * @return how many were written before the server closed the connection or the bounds were reached
     */
    int flood(byte[] frame, int times, long maxMillis) {
        int batch = 256;
        byte[] many = new byte[frame.length * batch];
        for (int i = 0; i < batch; i++) {
            System.arraycopy(frame, 0, many, i * frame.length, frame.length);
        }
        long deadline = System.nanoTime() + maxMillis * 1_000_000L;
        int sent = 0;
        try {
            while (sent < times && System.nanoTime() < deadline) {
                out.write(many);
                sent += batch;
            }
            out.flush();
        } catch (IOException e) {
            // the server closed the connection: the flood was stopped
        }
        return sent;
    }

    /** The next frame, or {@code null} at the end of the stream or if the connection was reset. */
    Frame read() throws IOException {
        try {
            int length = in.readUnsignedByte() << 16 | in.readUnsignedByte() << 8 | in.readUnsignedByte();
            int type = in.readUnsignedByte();
            int flags = in.readUnsignedByte();
            int stream = in.readInt() & 0x7fffffff;
            byte[] payload = new byte[length];
            in.readFully(payload);
            return new Frame(type, flags, stream, payload);
        } catch (EOFException | SocketException e) {
            return null;
        } catch (SocketTimeoutException e) {
            throw new IOException("no frame within 10 s: the connection was neither answered nor closed", e);
        }
    }

    /**
     * Reads until the connection ends, at most {@code maxFrames} frames.
     *
     * @return the GOAWAY frame seen, or {@code null}
     */
    Frame readToEnd(int maxFrames) throws IOException {
        Frame goAway = null;
        for (int i = 0; i < maxFrames; i++) {
            Frame f = read();
            if (f == null) {
                return goAway;
            }
            if (f.type() == GOAWAY) {
                goAway = f;
            }
        }
        throw new IOException("the connection was still open after " + maxFrames + " frames");
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
