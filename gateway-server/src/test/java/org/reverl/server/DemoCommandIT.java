package org.reverl.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.reverl.gateway.api.BackendState;
import picocli.CommandLine;

/** {@code reverl demo} on free ports: the rotation is visible on the first try, and health checks follow the backends. */
class DemoCommandIT {

    private final HttpClient client = HttpClient.newHttpClient();

    private String get(int port) throws Exception {
        HttpResponse<String> r = client.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return r.body().trim();
    }

    @Test
    void demo_servesRoundRobinAcrossThreeBackends_andFollowsTheirHealth() throws Exception {
        DemoCommand command = new DemoCommand();
        new CommandLine(command).parseArgs("--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0");
        try (DemoCommand.Running demo = command.start()) {
            int port = demo.server().listenAddresses().get(0).getPort();
            ByteArrayOutputStream printed = new ByteArrayOutputStream();
            DemoCommand.printUrls(demo, new PrintStream(printed, true, StandardCharsets.UTF_8));
            assertThat(printed.toString(StandardCharsets.UTF_8))
                    .contains(
                            "proxy:        http://127.0.0.1:" + port + "/   (round robin over demo-1, demo-2, demo-3)");

            int adminPort = demo.server().adminAddress().orElseThrow().getPort();
            assertThat(printed.toString(StandardCharsets.UTF_8))
                    .contains("status page:  http://127.0.0.1:" + adminPort + "/")
                    .contains("admin API:    http://127.0.0.1:" + adminPort + "/backends");
            HttpResponse<String> admin = client.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/backends"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(admin.statusCode()).isEqualTo(200);
            assertThat(admin.body()).contains("\"demo-1\"", "\"demo-2\"", "\"demo-3\"");

            List<String> first = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                first.add(get(port));
            }
            assertThat(first).containsExactly("Hello from demo-1", "Hello from demo-2", "Hello from demo-3");

            demo.backends().stop(1);
            await().atMost(Duration.ofSeconds(15))
                    .until(() -> demo.server()
                                    .loadBalancer()
                                    .backend("demo-2")
                                    .orElseThrow()
                                    .state()
                            == BackendState.DOWN);
            for (int i = 0; i < 6; i++) {
                assertThat(get(port)).isIn("Hello from demo-1", "Hello from demo-3");
            }

            demo.backends().restart(1);
            await().atMost(Duration.ofSeconds(15))
                    .until(() -> demo.server()
                                    .loadBalancer()
                                    .backend("demo-2")
                                    .orElseThrow()
                                    .state()
                            == BackendState.UP);
        }
    }
}
