package org.reverl.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckCommandTest {

    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int check(String yaml) throws Exception {
        Path file = dir.resolve("reverl.yaml");
        Files.writeString(file, yaml);
        return Reverl.newCommandLine()
                .setOut(new PrintWriter(out))
                .setErr(new PrintWriter(err))
                .execute("check", "--config", file.toString());
    }

    @Test
    void check_validFile_exitZeroWithASummary() throws Exception {
        int code = check("""
                listeners: [ { address: "127.0.0.1:8080" } ]
                backends: [ { id: web-1, address: "127.0.0.1:9001" }, { id: web-2, address: "127.0.0.1:9002" } ]
                health: { probe: tcp }
                """);

        assertThat(code).isZero();
        assertThat(out.toString()).contains("OK: 1 listener(s), 2 backend(s), strategy round_robin, health probe tcp");
    }

    @Test
    void check_fileWithDiscovery_saysWhereBackendsComeFrom_withoutReachingTheRegistry() throws Exception {
        int code = check("""
                listeners: [ { address: "127.0.0.1:8080" } ]
                discovery: { source: dns, name: web.example, port: 8080, servers: "127.0.0.1:1" }
                """);

        assertThat(code).as(err.toString()).isZero();
        assertThat(out.toString())
                .contains("OK: 1 listener(s), 0 backend(s), strategy round_robin, no active health checks, backends"
                        + " also from discovery dns");
    }

    @Test
    void check_brokenFile_exitTwoWithEveryError() throws Exception {
        int code = check("""
                listeners: [ { address: "127.0.0.1:8080" } ]
                backends:
                  - { id: web-1, address: "127.0.0.1:9001" }
                  - { id: web-2, address: "localhost:99999" }
                strategy: { name: fastest }
                retry: { maxAttempts: 0 }
                """);

        assertThat(code).isEqualTo(2);
        assertThat(err.toString())
                .contains("3 errors:")
                .contains("backends[1].address: \"localhost:99999\" (expected: port 1-65535)")
                .contains("strategy.name: \"fastest\" (expected: one of [")
                .contains("retry.maxAttempts: 0 (expected: an integer 1-10)");
    }

    @Test
    void check_processProbeWithoutPidOrPidfile_exitTwo_thenWithThem_ok() throws Exception {
        int code = check("""
                listeners: [ { address: "127.0.0.1:8080" } ]
                health: { probe: process }
                backends:
                  - { id: app, address: "127.0.0.1:9001" }
                """);
        assertThat(code).isEqualTo(2);
        assertThat(err.toString())
                .contains("backends[0].health: missing (expected: { pid: ... } or { pidfile: ... } for health.probe:"
                        + " process)");

        int ok = check("""
                listeners: [ { address: "127.0.0.1:8080" } ]
                health: { probe: process }
                backends:
                  - { id: app, address: "127.0.0.1:9001", health: { pidfile: /run/app.pid } }
                """);
        assertThat(ok).isZero();
    }

    @Test
    void check_theExampleConfigurationInTheRepository_isValid() {
        StringWriter o = new StringWriter();
        int code = Reverl.newCommandLine()
                .setOut(new PrintWriter(o))
                .execute(
                        "check",
                        "--config",
                        Path.of("..", "reverl.example.yaml").toString());

        assertThat(code).isZero();
        assertThat(o.toString())
                .contains("OK: 2 listener(s), 3 backend(s), strategy weighted_round_robin, health probe tcp");
    }

    @Test
    void version_andHelp() {
        StringWriter version = new StringWriter();
        assertThat(Reverl.newCommandLine().setOut(new PrintWriter(version)).execute("--version"))
                .isZero();
        assertThat(version.toString()).contains("reverl " + ReverlServer.VERSION);
        StringWriter help = new StringWriter();
        assertThat(Reverl.newCommandLine().setOut(new PrintWriter(help)).execute("--help"))
                .isZero();
        assertThat(help.toString()).contains("run", "check", "demo");
    }
}
