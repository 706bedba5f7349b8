package org.reverl.health.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reverl.gateway.api.Backend;
import org.reverl.gateway.api.BackendSpec;
import org.reverl.gateway.api.BackendState;
import org.reverl.gateway.api.LivenessProbe;
import org.reverl.gateway.api.LivenessProbeProvider;
import org.reverl.gateway.api.ProbeResult;

class ProcessProbeTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(1);

    @TempDir
    Path dir;

    private Process child;

    @AfterEach
    void killChild() {
        if (child != null) {
            child.destroyForcibly();
            child.onExit().join();
        }
    }

    private static Backend backend(String address) {
        BackendSpec spec = BackendSpec.of("b1", address);
        return new Backend() {
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
        };
    }

    private static ProbeResult probe(LivenessProbe probe, Backend backend) {
        // the process probe completes before returning
        return probe.probe(backend, TIMEOUT).toCompletableFuture().getNow(null);
    }

    private Process startChild() throws IOException {
        child = new ProcessBuilder("sleep", "60").start();
        return child;
    }

    @Test
    void probe_runningChild_upThenExitedOnceKilled() throws IOException {
        LivenessProbe probe = new ProcessProbeProvider().create(Map.of());
        Process process = startChild();
        Backend backend = backend("pid:" + process.pid());
        assertThat(probe(probe, backend)).isEqualTo(ProbeResult.up());

        process.destroy();
        process.onExit().join(); // exited and reaped

        assertThat(probe(probe, backend)).isEqualTo(ProbeResult.down("exited"));
        // a backend never seen alive cannot tell exited from never there
        assertThat(probe(probe, backend)).isEqualTo(ProbeResult.down("no such process"));
    }

    @Test
    void probe_currentProcess_up() {
        LivenessProbe probe = new ProcessProbeProvider().create(Map.of());
        assertThat(probe(probe, backend("pid:" + ProcessHandle.current().pid())))
                .isEqualTo(ProbeResult.up());
    }

    @Test
    void probe_pidFile_followsTheProcessItNames() throws IOException {
        LivenessProbe probe = new ProcessProbeProvider().create(Map.of());
        Path pidFile = dir.resolve("app.pid");
        Backend backend = backend("pidfile:" + pidFile);
        assertThat(probe(probe, backend)).isEqualTo(ProbeResult.down("pid file missing"));

        Process process = startChild();
        Files.writeString(pidFile, process.pid() + "\n");
        assertThat(probe(probe, backend)).isEqualTo(ProbeResult.up());

        process.destroy();
        process.onExit().join();
        assertThat(probe(probe, backend)).isEqualTo(ProbeResult.down("exited"));

        Files.writeString(pidFile, "12ab\n");
        assertThat(probe(probe, backend)).isEqualTo(ProbeResult.down("pid file malformed: '12ab'"));
        Files.writeString(pidFile, "");
        assertThat(probe(probe, backend)).isEqualTo(ProbeResult.down("pid file malformed: ''"));
    }

    @Test
    void probe_pidFileIsADirectory_unreadable() {
        LivenessProbe probe = new ProcessProbeProvider().create(Map.of());
        ProbeResult result = probe(probe, backend("pidfile:" + dir));
        assertThat(result.alive()).isFalse();
        assertThat(result.reason()).startsWith("pid file unreadable: IOException");
    }

    @Test
    void probe_localBackend_unsupportedAddress() {
        LivenessProbe probe = new ProcessProbeProvider().create(Map.of());
        assertThat(probe(probe, backend("local:b1")))
                .isEqualTo(ProbeResult.down("unsupported address: 'local:b1' (expected: pid:<pid> or pidfile:<path>;"
                        + " a local backend is watched through its lifecycle)"));
    }

    @Test
    void probe_badAddress_downNamingTheAddress() {
        LivenessProbe probe = new ProcessProbeProvider().create(Map.of());
        for (String address : new String[] {"pid:", "pid:-5", "pid:0", "pid:12x", "pidfile:", "tcp://h:1"}) {
            assertThat(probe(probe, backend(address)))
                    .as(address)
                    .isEqualTo(
                            ProbeResult.down("bad address: '" + address + "' (expected: pid:<pid> or pidfile:<path>)"));
        }
    }

    @Test
    void create_anyOption_rejected() {
        assertThatThrownBy(() -> new ProcessProbeProvider().create(Map.of("interval", "1s")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("probe 'process': option: 'interval' (expected: none)");
    }

    @Test
    void serviceLoader_findsProcessByName() {
        Set<String> names = new HashSet<>();
        for (LivenessProbeProvider p : ServiceLoader.load(LivenessProbeProvider.class)) {
            names.add(p.name());
            if (p.name().equals("process")) {
                assertThat(p).isInstanceOf(ProcessProbeProvider.class);
                assertThat(p.isAvailable()).isTrue();
                assertThat(p.create(Map.of())).isInstanceOf(ProcessProbe.class);
            }
        }
        assertThat(names).contains("process");
    }
}
