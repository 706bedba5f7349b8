package org.reverl.gateway.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;

/**
 * A port on loopback where every connection is refused, reserved for as long as this is open: a socket bound there
 * that does not listen. A port found free and closed again (a {@code ServerSocket} on port 0, closed at once) is free
 * for the next server that binds port 0, a test's own backend among them, and then it answers where the test expected
 * a refusal.
 *
 * <pre>{@code
 * try (RefusedPort dead = RefusedPort.open()) {
 *     lb.add(BackendSpec.of("b1", dead.address()));   // connect: refused
 * }
 * }</pre>
 */
public final class RefusedPort implements AutoCloseable {

    private final Socket socket;

    private RefusedPort(Socket socket) {
        this.socket = socket;
    }

    /**
     * Binds a port on 127.0.0.1 and holds it without listening.
     *
     * @throws UncheckedIOException if no port can be bound
     */
    public static RefusedPort open() {
        Socket socket = new Socket();
        try {
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return new RefusedPort(socket);
        } catch (IOException e) {
            try {
                socket.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw new UncheckedIOException("cannot bind a port on loopback", e);
        }
    }

    /** The port. */
    public int port() {
        return socket.getLocalPort();
    }

    /** {@code 127.0.0.1:PORT}. */
    public String address() {
        return "127.0.0.1:" + port();
    }

    /** Frees the port. */
    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
