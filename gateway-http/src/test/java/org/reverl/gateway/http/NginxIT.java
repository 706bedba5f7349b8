package org.reverl.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** Through the proxy to a real nginx from the distribution (CI installs it). */
class NginxIT {

    /** Where nginx is: {@code NGINX} if set, else the usual places, else the PATH. */
    static Optional<Path> nginxBinary() {
        String env = System.getenv("NGINX");
        if (env != null && Files.isExecutable(Path.of(env))) {
            return Optional.of(Path.of(env));
        }
        for (String p : List.of("/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/local/nginx/sbin/nginx")) {
            if (Files.isExecutable(Path.of(p))) {
                return Optional.of(Path.of(p));
            }
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path p = Path.of(dir, "nginx");
            if (!dir.isEmpty() && Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void nginxBackends_roundRobinBodiesHeadersAndLargeBody() throws Exception {
        Optional<Path> nginx = nginxBinary();
        if (nginx.isEmpty()) {
            System.err.println("\n*** NginxIT SKIPPED: no nginx binary (apt-get install -y nginx) ***\n");
        }
        Assumptions.assumeTrue(nginx.isPresent(), "nginx binary not found");
        Path dir = Files.createTempDirectory("reverl-nginx-");
        int p1 = freePort();
        int p2 = freePort();
        Path big = dir.resolve("big.bin");
        byte[] data = new byte[3 * 1024 * 1024 + 17];
        new java.util.Random(7).nextBytes(data);
        Files.write(big, data);
        String conf = "worker_processes 1;\ndaemon off;\npid " + dir.resolve("nginx.pid") + ";\n"
                + "error_log " + dir.resolve("error.log") + " warn;\n"
                + "events { worker_connections 256; }\n"
                + "http {\n access_log off;\n client_body_temp_path " + dir + ";\n proxy_temp_path " + dir + ";\n"
                + " fastcgi_temp_path " + dir + ";\n uwsgi_temp_path " + dir + ";\n scgi_temp_path " + dir + ";\n"
                + server(p1, "n1", dir) + server(p2, "n2", dir) + "}\n";
        Path confFile = dir.resolve("nginx.conf");
        Files.writeString(confFile, conf);
        Process proc = new ProcessBuilder(nginx.get().toString(), "-p", dir.toString(), "-c", confFile.toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("out.log").toFile())
                .start();
        try {
            waitForPort(p1, proc, dir);
            waitForPort(p2, proc, dir);
            try (ProxyFixture fx = new ProxyFixture(List.of("127.0.0.1:" + p1, "127.0.0.1:" + p2))) {
                HttpClient client = HttpClient.newBuilder()
                        .version(HttpClient.Version.HTTP_1_1)
                        .build();
                String[] seen = new String[4];
                for (int i = 0; i < 4; i++) {
                    HttpResponse<String> r = client.send(
                            HttpRequest.newBuilder(fx.uri("/")).build(), HttpResponse.BodyHandlers.ofString());
                    assertThat(r.statusCode()).isEqualTo(200);
                    assertThat(r.headers().firstValue("via")).hasValue("1.1 reverl");
                    seen[i] = r.body();
                }
                assertThat(seen).containsExactlyInAnyOrder("hello n1\n", "hello n2\n", "hello n1\n", "hello n2\n");
                HttpResponse<String> echo = client.send(
                        HttpRequest.newBuilder(fx.uri("/echo")).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(echo.body()).startsWith("xff=127.0.0.1 via=1.1 reverl host=127.0.0.1:");
                HttpResponse<byte[]> file = client.send(
                        HttpRequest.newBuilder(fx.uri("/big.bin")).build(), HttpResponse.BodyHandlers.ofByteArray());
                assertThat(file.statusCode()).isEqualTo(200);
                assertThat(file.body()).isEqualTo(data);
                HttpResponse<String> missing = client.send(
                        HttpRequest.newBuilder(fx.uri("/nope")).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(missing.statusCode()).isEqualTo(404);
            }
        } finally {
            proc.destroy();
            if (!proc.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                proc.destroyForcibly();
            }
        }
    }

    private static String server(int port, String name, Path dir) {
        return " server {\n  listen 127.0.0.1:" + port + ";\n  root " + dir + ";\n"
                + "  location = / { return 200 \"hello " + name + "\\n\"; }\n"
                + "  location = /echo { return 200 \"xff=$http_x_forwarded_for via=$http_via host=$http_host\\n\"; }\n"
                + " }\n";
    }

    private static void waitForPort(int port, Process proc, Path dir) throws Exception {
        org.awaitility.Awaitility.await("nginx listening on " + port)
                .atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> {
                    if (!proc.isAlive()) {
                        throw new IllegalStateException("nginx exited: " + Files.readString(dir.resolve("out.log")));
                    }
                    try (Socket s = new Socket("127.0.0.1", port)) {
                        return true;
                    } catch (IOException e) {
                        return false;
                    }
                });
    }
}
