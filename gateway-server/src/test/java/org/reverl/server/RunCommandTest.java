package org.reverl.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.reverl.gateway.api.BackendSpec;
import org.reverl.server.config.ReverlConfig;
import picocli.CommandLine;

class RunCommandTest {

    @Test
    void parseDuration_units() {
        assertThat(RunCommand.parseDuration("x", "250ms")).isEqualTo(Duration.ofMillis(250));
        assertThat(RunCommand.parseDuration("x", "3s")).isEqualTo(Duration.ofSeconds(3));
        assertThat(RunCommand.parseDuration("x", "2m")).isEqualTo(Duration.ofMinutes(2));
        assertThatThrownBy(() -> RunCommand.parseDuration("--connect-timeout", "soon"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("--connect-timeout: 'soon' (expected: a duration such as 500ms, 3s, 1m)");
    }

    @Test
    void warmup_byDefaultInFrontOfPlainHttpOnly_andAsGivenOtherwise() {
        RunCommand plain = new RunCommand();
        new CommandLine(plain).parseArgs("--listen", "127.0.0.1:0", "--backend", "127.0.0.1:9001");
        assertThat(plain.warmup).isNull();
        assertThat(RunCommand.defaultWarmup(plain.fromFlags())).isEqualTo(RunCommand.DEFAULT_WARMUP);

        RunCommand tls = new RunCommand();
        new CommandLine(tls).parseArgs("--listen", "127.0.0.1:0", "--backend", "127.0.0.1:9001", "--tls-self-signed");
        assertThat(RunCommand.defaultWarmup(tls.fromFlags())).isZero();

        RunCommand given = new RunCommand();
        new CommandLine(given).parseArgs("--listen", "127.0.0.1:0", "--backend", "127.0.0.1:9001", "--warmup", "0");
        assertThat(given.warmup).isZero();
    }

    @Test
    void fromFlags_describesTheServer() {
        RunCommand run = new RunCommand();
        new CommandLine(run)
                .parseArgs(
                        "--listen",
                        "127.0.0.1:0",
                        "--backend",
                        "127.0.0.1:9001",
                        "--backend",
                        "127.0.0.1:9002",
                        "--backend",
                        "https://web.example:8443",
                        "--io-threads",
                        "1",
                        "--tls-self-signed",
                        "--connect-timeout",
                        "500ms",
                        "--strategy",
                        "least_conn");
        ReverlConfig config = run.fromFlags();
        assertThat(config.listeners()).singleElement().satisfies(l -> {
            assertThat(l.address().getPort()).isZero();
            assertThat(l.tls().selfSigned()).isTrue();
        });
        assertThat(config.backends())
                .containsExactly(
                        BackendSpec.of("b1", "http://127.0.0.1:9001"),
                        BackendSpec.of("b2", "http://127.0.0.1:9002"),
                        BackendSpec.of("b3", "https://web.example:8443"));
        assertThat(config.proxy().ioThreads()).isEqualTo(1);
        assertThat(config.proxy().connectTimeout()).isEqualTo(Duration.ofMillis(500));
        assertThat(config.gateway().strategy()).isEqualTo("least_conn");
        assertThat(config.admin().enabled()).isFalse();
    }

    @Test
    void run_missingBackend_usageError() {
        assertThat(usageError("run", "--listen", "127.0.0.1:0"))
                .contains("give --config FILE, or --listen HOST:PORT and at least one --backend HOST:PORT");
    }

    @Test
    void run_badFlags_usageErrorsNamingTheFlag() {
        assertThat(usageError("run", "--listen", "127.0.0.1:0", "--backend", "127.0.0.1:99999"))
                .contains("--backend: '127.0.0.1:99999' (expected: HOST:PORT with a port 1-65535)");
        assertThat(usageError("run", "--listen", "127.0.0.1:0", "--backend", "127.0.0.1:9001", "--strategy", "fastest"))
                .contains("--strategy: unknown selection strategy: 'fastest' (expected: one of [");
        assertThat(usageError("run", "--config", "x.yaml", "--listen", "127.0.0.1:0"))
                .contains("--config: cannot be combined with --listen or --backend");
        assertThat(usageError(
                        "run", "--listen", "127.0.0.1:0", "--backend", "127.0.0.1:9001", "--admin", "0.0.0.0:8081"))
                .contains("--admin: '0.0.0.0:8081' (expected: a loopback address;");
        assertThat(usageError("run", "--listen", "127.0.0.1:0", "--backend", "127.0.0.1:9001", "--warmup", "-1"))
                .contains("--warmup: -1 (expected: 0 or more connections)");
    }

    private static String usageError(String... args) {
        StringWriter err = new StringWriter();
        int code = Reverl.newCommandLine().setErr(new PrintWriter(err)).execute(args);
        assertThat(code).as("exit code of %s", List.of(args)).isEqualTo(2);
        return err.toString();
    }

    @Test
    void selfSigned_hasSansForLocalhostAndLoopback() throws Exception {
        X509Certificate cert = SelfSignedCertificates.generate("localhost").certificate();
        cert.checkValidity();
        List<Object> names = new java.util.ArrayList<>();
        for (List<?> san : cert.getSubjectAlternativeNames()) {
            names.add(san.get(1));
        }
        assertThat(names).contains("localhost", "127.0.0.1");
    }
}
