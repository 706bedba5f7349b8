package org.reverl.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.reverl.gateway.http.HttpProxyConfig;
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
    void proxyConfig_fromOptions() throws Exception {
        RunCommand run = new RunCommand();
        new CommandLine(run)
                .parseArgs(
                        "--listen",
                        "127.0.0.1:0",
                        "--backend",
                        "127.0.0.1:9001",
                        "--backend",
                        "127.0.0.1:9002",
                        "--io-threads",
                        "1",
                        "--tls-self-signed",
                        "--connect-timeout",
                        "500ms");
        HttpProxyConfig config = run.proxyConfig();
        assertThat(config.listen().getPort()).isZero();
        assertThat(config.ioThreads()).isEqualTo(1);
        assertThat(config.connectTimeout()).isEqualTo(Duration.ofMillis(500));
        assertThat(config.isTls()).isTrue();
        assertThat(run.backends).isEqualTo(List.of("127.0.0.1:9001", "127.0.0.1:9002"));
    }

    @Test
    void run_missingBackend_usageError() {
        StringWriter err = new StringWriter();
        int code = Reverl.newCommandLine().setErr(new PrintWriter(err)).execute("run", "--listen", "127.0.0.1:0");
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("Missing required option: '--backend=HOST:PORT'");
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
