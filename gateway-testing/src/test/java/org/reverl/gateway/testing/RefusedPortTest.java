package org.reverl.gateway.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import org.junit.jupiter.api.Test;

class RefusedPortTest {

    @Test
    void refusesConnections_andNoServerCanTakeThePortWhileOpen() throws IOException {
        try (RefusedPort dead = RefusedPort.open()) {
            assertThat(dead.address()).isEqualTo("127.0.0.1:" + dead.port());
            InetSocketAddress at = new InetSocketAddress(InetAddress.getLoopbackAddress(), dead.port());
            try (Socket s = new Socket()) {
                assertThatThrownBy(() -> s.connect(at, 2000)).isInstanceOf(ConnectException.class);
            }
            try (ServerSocket server = new ServerSocket()) {
                assertThatThrownBy(() -> server.bind(at)).isInstanceOf(IOException.class);
            }
        }
    }
}
