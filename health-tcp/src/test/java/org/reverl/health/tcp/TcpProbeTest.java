package org.reverl.health.tcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.reverl.gateway.api.Backend;
import org.reverl.gateway.api.BackendAddress;
import org.reverl.gateway.api.BackendSpec;
import org.reverl.gateway.api.BackendState;
import org.reverl.gateway.api.LivenessProbe;
import org.reverl.gateway.api.LivenessProbeProvider;
import org.reverl.gateway.api.ProbeResult;
import org.reverl.gateway.testing.RefusedPort;

class TcpProbeTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    /** A backend whose address the test may change, to point the same backend at a closed and then an open port. */
    private static final class FakeBackend implements Backend {
        volatile BackendSpec spec;

        FakeBackend(String address) {
            this.spec = BackendSpec.of("b1", address);
        }

        FakeBackend(BackendSpec spec) {
            this.spec = spec;
        }

        @Override
        public BackendSpec spec() {
            return spec;
        }

        @Override
        public BackendState state() {
            return BackendState.UP;
        }

        @Override
        public int inFlight() {
            return 0;
        }
    }

    private static ProbeResult probe(LivenessProbe probe, Backend backend, Duration timeout) {
        CompletableFuture<ProbeResult> result = probe.probe(backend, timeout).toCompletableFuture();
        await().until(result::isDone);
        return result.join();
    }

    @Test
    void probe_listeningServer_up() throws IOException {
        try (ServerSocket server = new ServerSocket(0, 50, LOOPBACK)) {
            LivenessProbe probe = new TcpProbeProvider().create(Map.of());
            for (String address : List.of(
                    "127.0.0.1:" + server.getLocalPort(),
                    "tcp://127.0.0.1:" + server.getLocalPort(),
                    "http://127.0.0.1:" + server.getLocalPort() + "/")) {
                assertThat(probe(probe, new FakeBackend(address), TIMEOUT))
                        .as(address)
                        .isEqualTo(ProbeResult.up());
            }
        }
    }

    @Test
    void probe_closedPort_downConnectionRefused() throws IOException {
        LivenessProbe probe = new TcpProbeProvider().create(Map.of());
        try (RefusedPort dead = RefusedPort.open()) {
            ProbeResult result = probe(probe, new FakeBackend("tcp://" + dead.address()), TIMEOUT);
            assertThat(result).isEqualTo(ProbeResult.down("connection refused"));
        }
    }

    @Test
    void probe_serverNotAccepting_downTimedOut() throws IOException {
        // With its accept queue full, the kernel drops new SYNs: the connect neither succeeds nor fails.
        try (ServerSocket server = new ServerSocket(0, 1, LOOPBACK)) {
            List<Socket> fillers = new ArrayList<>();
            try {
                InetSocketAddress target = new InetSocketAddress(LOOPBACK, server.getLocalPort());
                for (int i = 0; i < 16; i++) {
                    Socket s = new Socket();
                    fillers.add(s);
                    try {
                        s.connect(target, 200);
                    } catch (SocketTimeoutException full) {
                        break;
                    }
                }
                LivenessProbe probe = new TcpProbeProvider().create(Map.of());
                ProbeResult result =
                        probe(probe, new FakeBackend("127.0.0.1:" + server.getLocalPort()), Duration.ofMillis(200));
                assertThat(result).isEqualTo(ProbeResult.down("timed out after 200ms"));
            } finally {
                for (Socket s : fillers) {
                    s.close();
                }
            }
        }
    }

    @Test
    void probe_unknownHost_downDnsFailure() {
        LivenessProbe probe = new TcpProbeProvider().create(Map.of());
        ProbeResult result = probe(probe, new FakeBackend("tcp://no-such-host.invalid:80"), TIMEOUT);
        // .invalid never resolves (RFC 6761); a resolver that cannot answer at all times out instead
        assertThat(result.alive()).isFalse();
        assertThat(result.reason()).isIn("DNS failure: no-such-host.invalid", "timed out after 5000ms");
    }

    @Test
    void probe_badAddress_downNamingTheAddress() {
        LivenessProbe probe = new TcpProbeProvider().create(Map.of());
        Map<String, String> expected = Map.of(
                "127.0.0.1", "bad address: '127.0.0.1' (expected: " + BackendAddress.FORMS + ")",
                "tcp://127.0.0.1:0", "bad address: 'tcp://127.0.0.1:0' (expected: port 1-65535)",
                "udp://h:1", "bad address: 'udp://h:1' (expected: a scheme of http, https or tcp before ://)",
                "tcp://h:1/", "bad address: 'tcp://h:1/' (expected: no path after a tcp address)",
                "h:99999", "bad address: 'h:99999' (expected: port 1-65535)",
                "pid:12", "bad address: 'pid:12' (expected: a network address: " + TcpProbe.EXPECTED + ")");
        expected.forEach((address, reason) -> assertThat(
                        probe(probe, new FakeBackend(address), TIMEOUT).reason())
                .as(address)
                .isEqualTo(reason));
    }

    @Test
    void probe_healthAddressOverride_probesThatPortInstead() throws IOException {
        try (ServerSocket open = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            LivenessProbe probe = new TcpProbeProvider().create(Map.of());
            // the serving address refuses; the configured health port listens
            BackendSpec spec =
                    new BackendSpec("b1", "http://127.0.0.1:1", 1, Map.of(), "tcp://127.0.0.1:" + open.getLocalPort());
            assertThat(probe(probe, new FakeBackend(spec), TIMEOUT).alive()).isTrue();
        }
    }

    @Test
    void schemes_areTheNetworkOnes() {
        assertThat(new TcpProbeProvider().create(Map.of()).schemes())
                .containsExactlyInAnyOrder(
                        BackendAddress.Scheme.HTTP, BackendAddress.Scheme.HTTPS, BackendAddress.Scheme.TCP);
    }

    @Test
    void probe_keepsFailing_connectsEveryTime_thenUpAtTheFirstProbeAfterItListens() throws IOException {
        LivenessProbe probe = new TcpProbeProvider().create(Map.of());
        FakeBackend backend;
        try (RefusedPort dead = RefusedPort.open()) {
            backend = new FakeBackend(dead.address());
            for (int i = 0; i < 20; i++) { // no back-off grows: every probe connects and is refused
                assertThat(probe(probe, backend, TIMEOUT).reason()).isEqualTo("connection refused");
            }
        }
        try (ServerSocket server = new ServerSocket(0, 50, LOOPBACK)) {
            backend.spec = BackendSpec.of("b1", "127.0.0.1:" + server.getLocalPort());
            assertThat(probe(probe, backend, TIMEOUT)).isEqualTo(ProbeResult.up());
        }
    }

    @Test
    void create_anyOption_rejected_theFormerBackOffOptionsPointToDownInterval() {
        TcpProbeProvider provider = new TcpProbeProvider();
        assertThatThrownBy(() -> provider.create(Map.of("foo", "1")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("probe 'tcp': option: 'foo' (expected: no options)");
        assertThatThrownBy(() -> provider.create(Map.of("backoff_max", "60s", "backoff_after", "3")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("probe 'tcp': option: 'backoff_after' (expected: no options; the probe back-off was"
                        + " replaced by the health check's downInterval)");
        assertThat(provider.create(Map.of())).hasToString("tcp");
    }

    @Test
    void serviceLoader_findsTcpByName() {
        Set<String> names = new HashSet<>();
        for (LivenessProbeProvider p : ServiceLoader.load(LivenessProbeProvider.class)) {
            names.add(p.name());
            if (p.name().equals("tcp")) {
                assertThat(p).isInstanceOf(TcpProbeProvider.class);
                assertThat(p.isAvailable()).isTrue();
                assertThat(p.create(Map.of())).isInstanceOf(TcpProbe.class);
            }
        }
        assertThat(names).contains("tcp");
    }
}
