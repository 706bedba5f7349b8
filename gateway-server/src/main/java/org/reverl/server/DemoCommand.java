package org.reverl.server;

import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.reverl.gateway.api.BackendSpec;
import org.reverl.gateway.core.GatewayConfig;
import org.reverl.gateway.core.HealthCheckConfig;
import org.reverl.gateway.http.HttpProxyConfig;
import org.reverl.server.config.ConfigValues;
import org.reverl.server.config.ReverlConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code reverl demo}: needs no file. Starts three demo web backends on loopback, each answering with its own name, the
 * proxy in front of them (round robin, TCP health checks), and the admin API with metrics and the status page; prints
 * the URLs; runs until SIGTERM or Ctrl-C.
 */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        description = "Starts three demo backends, the proxy in front of them, and the admin API and status page.")
final class DemoCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(
            names = "--listen",
            paramLabel = "HOST:PORT",
            defaultValue = "127.0.0.1:8080",
            description = "Where the proxy listens (default: ${DEFAULT-VALUE}).")
    String listen;

    @Option(
            names = "--admin",
            paramLabel = "HOST:PORT",
            defaultValue = "127.0.0.1:8081",
            description = "Where the admin API and status page listen, loopback only (default: ${DEFAULT-VALUE}).")
    String admin;

    /** A running demo: the server and its backends. */
    record Running(ReverlServer server, DemoBackends backends) implements AutoCloseable {
        @Override
        public void close() {
            server.close();
        }
    }

    @Override
    public Integer call() throws Exception {
        ServerLauncher.Signals signals = ServerLauncher.Signals.install();
        Running demo;
        try {
            demo = start();
        } catch (RuntimeException e) {
            spec.commandLine().getErr().println("reverl demo: cannot start: " + e.getMessage());
            return ExitCodes.FAILURE;
        }
        printUrls(demo, System.out);
        return ServerLauncher.runUntilSignalled(demo.server(), System.out, signals);
    }

    /** Starts the demo backends and the server in front of them. */
    Running start() throws Exception {
        InetSocketAddress proxyAddress = address("--listen", listen);
        InetSocketAddress adminAddress = address("--admin", admin);
        if (!adminAddress.getAddress().isLoopbackAddress()) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(), "--admin: '" + admin + "' (expected: a loopback address)");
        }
        DemoBackends backends = DemoBackends.start(3);
        try {
            List<BackendSpec> specs = new ArrayList<>();
            for (String[] e : backends.endpoints()) {
                specs.add(BackendSpec.of(e[0], "http://" + e[1]));
            }
            ReverlConfig config = new ReverlConfig(
                    List.of(new ReverlConfig.Listener(proxyAddress, null)),
                    specs,
                    GatewayConfig.builder()
                            .name("demo")
                            .healthCheck(HealthCheckConfig.builder("tcp")
                                    .interval(Duration.ofSeconds(1))
                                    .timeout(Duration.ofMillis(500))
                                    .rise(2)
                                    .fall(2)
                                    .build())
                            .build(),
                    HttpProxyConfig.builder().ioThreads(1).build(),
                    new ReverlConfig.Admin(true, adminAddress, null),
                    true,
                    false,
                    Duration.ofSeconds(5));
            ReverlServer server = ServerLauncher.start(config, null);
            server.closeWithServer(backends);
            return new Running(server, backends);
        } catch (RuntimeException e) {
            backends.close();
            throw e;
        }
    }

    static void printUrls(Running demo, PrintStream out) {
        InetSocketAddress proxy = demo.server().listenAddresses().get(0);
        out.println("Reverl demo is running.");
        out.println("  proxy:        http://" + hostPort(proxy) + "/   (round robin over "
                + String.join(
                        ", ",
                        demo.backends().endpoints().stream().map(e -> e[0]).toList()) + ")");
        demo.server().adminAddress().ifPresent(a -> {
            out.println("  status page:  http://" + hostPort(a) + "/");
            out.println("  admin API:    http://" + hostPort(a) + "/backends");
            out.println("  metrics:      http://" + hostPort(a) + "/metrics");
        });
        out.println("Try: for i in 1 2 3; do curl -s http://" + hostPort(proxy) + "/; done");
        out.println("Stop with Ctrl-C.");
    }

    private InetSocketAddress address(String option, String value) {
        ConfigValues.HostPort hp = ConfigValues.hostPort(value);
        if (hp == null || hp.port() < 0 || hp.port() > 65535) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(), option + ": '" + value + "' (expected: HOST:PORT with a port 0-65535)");
        }
        return new InetSocketAddress(hp.host(), hp.port());
    }

    private static String hostPort(InetSocketAddress a) {
        return ConfigValues.format(a);
    }
}
