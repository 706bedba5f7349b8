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
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.reverl.gateway.api.Backend;
import org.reverl.gateway.api.BackendAddress;
import org.reverl.gateway.api.BackendSpec;
import org.reverl.gateway.api.BackendState;
import org.reverl.gateway.api.LivenessProbe;
import org.reverl.gateway.api.LivenessProbeProvider;
import org.reverl.gateway.api.ProbeResult;

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

    private static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, LOOPBACK)) {
            return s.getLocalPort();
        }
    }

    private static TcpProbe probeWithClock(AtomicLong nanos, int after, Duration initial, Duration max) {
        return new TcpProbe(after, initial, max, nanos::get, ForkJoinPool.commonPool());
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
        ProbeResult result = probe(probe, new FakeBackend("tcp://127.0.0.1:" + closedPort()), TIMEOUT);
        assertThat(result).isEqualTo(ProbeResult.down("connection refused"));
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
    void probe_keepsFailing_backsOffExponentiallyUpToTheMax() throws IOException {
        AtomicLong nanos = new AtomicLong();
        TcpProbe probe = probeWithClock(nanos, 2, Duration.ofMillis(100), Duration.ofMillis(400));
        FakeBackend backend = new FakeBackend("127.0.0.1:" + closedPort());

        assertThat(probe(probe, backend, TIMEOUT).reason()).isEqualTo("connection refused");
        assertThat(probe(probe, backend, TIMEOUT).reason()).isEqualTo("connection refused"); // opens: wait 100ms
        assertThat(probe(probe, backend, TIMEOUT).reason())
                .isEqualTo("probe back-off: 2 consecutive failures, last: connection refused; next probe in 100ms");

        long[] waits = {100, 200, 400, 400, 400}; // doubling, bounded by backoff_max
        for (int i = 0; i < waits.length; i++) {
            nanos.addAndGet(Duration.ofMillis(waits[i] - 1).toNanos());
            assertThat(probe(probe, backend, TIMEOUT).reason()).startsWith("probe back-off: ");
            nanos.addAndGet(Duration.ofMillis(1).toNanos());
            assertThat(probe(probe, backend, TIMEOUT).reason())
                    .as("trial %s", i)
                    .isEqualTo("connection refused");
        }
        assertThat(probe(probe, backend, TIMEOUT).reason())
                .isEqualTo("probe back-off: 7 consecutive failures, last: connection refused; next probe in 400ms");
    }

    @Test
    void probe_answersAgain_backOffResetsOnFirstSuccess() throws IOException {
        AtomicLong nanos = new AtomicLong();
        TcpProbe probe = probeWithClock(nanos, 1, Duration.ofMillis(100), Duration.ofSeconds(10));
        FakeBackend backend = new FakeBackend("127.0.0.1:" + closedPort());
        for (int i = 0; i < 5; i++) { // failures 1..5: the wait grows to 1600ms
            assertThat(probe(probe, backend, TIMEOUT).reason()).isEqualTo("connection refused");
            nanos.addAndGet(Duration.ofSeconds(2).toNanos());
        }
        try (ServerSocket server = new ServerSocket(0, 50, LOOPBACK)) {
            backend.spec = BackendSpec.of("b1", "127.0.0.1:" + server.getLocalPort());
            assertThat(probe(probe, backend, TIMEOUT)).isEqualTo(ProbeResult.up()); // the trial after the wait
            assertThat(probe(probe, backend, TIMEOUT)).isEqualTo(ProbeResult.up()); // no back-off, same instant
        }
        backend.spec = BackendSpec.of("b1", "127.0.0.1:" + closedPort());
        // everything forgotten: the first failure opens for the initial wait again, not 3200ms
        assertThat(probe(probe, backend, TIMEOUT).reason()).isEqualTo("connection refused");
        assertThat(probe(probe, backend, TIMEOUT).reason())
                .isEqualTo("probe back-off: 1 consecutive failures, last: connection refused; next probe in 100ms");
    }

    @Test
    void probe_backOffIsPerBackend() throws IOException {
        AtomicLong nanos = new AtomicLong();
        TcpProbe probe = probeWithClock(nanos, 1, Duration.ofSeconds(1), Duration.ofSeconds(1));
        FakeBackend dead = new FakeBackend("127.0.0.1:" + closedPort());
        assertThat(probe(probe, dead, TIMEOUT).reason()).isEqualTo("connection refused");
        assertThat(probe(probe, dead, TIMEOUT).reason()).startsWith("probe back-off: ");
        try (ServerSocket server = new ServerSocket(0, 50, LOOPBACK)) {
            FakeBackend alive = new FakeBackend("127.0.0.1:" + server.getLocalPort());
            assertThat(probe(probe, alive, TIMEOUT)).isEqualTo(ProbeResult.up());
        }
    }

    @Test
    void backOffWait_neverOverflows() {
        ProbeBackOff backOff = new ProbeBackOff(1, Duration.ofMillis(1), Duration.ofDays(365));
        assertThat(backOff.wait(0)).isEqualTo(Duration.ofMillis(1).toNanos());
        assertThat(backOff.wait(10)).isEqualTo(Duration.ofMillis(1024).toNanos());
        assertThat(backOff.wait(62)).isEqualTo(Duration.ofDays(365).toNanos());
        assertThat(backOff.wait(Integer.MAX_VALUE))
                .isEqualTo(Duration.ofDays(365).toNanos());
    }

    @Test
    void create_badOptions_rejectedNamingTheOption() {
        TcpProbeProvider provider = new TcpProbeProvider();
        assertThatThrownBy(() -> provider.create(Map.of("foo", "1")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("probe 'tcp': option: 'foo' (expected: one of [")
                .hasMessageContainingAll("backoff_after", "backoff_initial", "backoff_max");
        assertThatThrownBy(() -> provider.create(Map.of("backoff_after", "0")))
                .hasMessage("probe 'tcp': backoff_after: 0 (expected: 1-1000)");
        assertThatThrownBy(() -> provider.create(Map.of("backoff_after", "x")))
                .hasMessage("probe 'tcp': backoff_after: 'x' (expected: an integer 1-1000)");
        assertThatThrownBy(() -> provider.create(Map.of("backoff_initial", "0ms")))
                .hasMessage("probe 'tcp': backoff_initial: PT0S (expected: > 0)");
        assertThatThrownBy(() -> provider.create(Map.of("backoff_initial", "soon")))
                .hasMessage("probe 'tcp': backoff_initial: 'soon' (expected: a duration such as 500ms, 2s or 1m)");
        assertThatThrownBy(() -> provider.create(Map.of("backoff_initial", "10s", "backoff_max", "5s")))
                .hasMessage("probe 'tcp': backoff_max: PT5S (expected: >= backoff_initial (PT10S))");
        assertThat(provider.create(Map.of("backoff_after", "5", "backoff_initial", "PT0.5S", "backoff_max", "2m")))
                .hasToString("tcp{backoff_after=5, backoff_initial=PT0.5S, backoff_max=PT2M}");
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
