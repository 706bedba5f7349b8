package org.reverl.server;

import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.reverl.gateway.api.BackendAddress;
import org.reverl.gateway.api.BackendSpec;
import org.reverl.gateway.core.GatewayConfig;
import org.reverl.gateway.core.ProviderRegistry;
import org.reverl.gateway.http.HttpProxyConfig;
import org.reverl.server.config.ConfigException;
import org.reverl.server.config.ConfigLoader;
import org.reverl.server.config.ConfigValues;
import org.reverl.server.config.ReverlConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code reverl run}: the HTTP(S) reverse proxy, from a configuration file ({@code --config}) or from flags, in the
 * foreground until SIGTERM or Ctrl-C (graceful, exit 0); SIGHUP reloads the file.
 */
@Command(
        name = "run",
        mixinStandardHelpOptions = true,
        description = "Runs the reverse proxy in the foreground until SIGTERM or Ctrl-C; SIGHUP reloads --config.",
        sortOptions = false)
final class RunCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE", description = "The YAML configuration file (instead of flags).")
    Path configFile;

    @Option(names = "--listen", paramLabel = "HOST:PORT", description = "Address to listen on.")
    String listen;

    @Option(
            names = "--backend",
            paramLabel = "HOST:PORT",
            description = "A backend web server (repeatable); named b1, b2, ... in order.")
    List<String> backends = new ArrayList<>();

    @Option(
            names = "--strategy",
            paramLabel = "NAME",
            defaultValue = GatewayConfig.DEFAULT_STRATEGY,
            description = "Selection strategy (default: ${DEFAULT-VALUE}).")
    String strategy;

    @Option(names = "--io-threads", paramLabel = "N", description = "Event loop threads (default: one per CPU).")
    Integer ioThreads;

    @Option(names = "--tls-cert", paramLabel = "FILE", description = "PEM certificate chain; enables HTTPS.")
    Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "FILE", description = "PEM PKCS#8 private key of --tls-cert.")
    Path tlsKey;

    @Option(names = "--tls-p12", paramLabel = "FILE", description = "PKCS#12 key store; enables HTTPS.")
    Path tlsP12;

    @Option(names = "--tls-p12-password", paramLabel = "PASS", description = "Password of --tls-p12.")
    String tlsP12Password = "";

    @Option(
            names = "--tls-self-signed",
            description = "HTTPS with a certificate generated at start for localhost and 127.0.0.1 (for local use);"
                    + " its PEM is written to a temporary file named in the log.")
    boolean tlsSelfSigned;

    @Option(
            names = "--tls-provider",
            paramLabel = "auto|jdk|openssl",
            defaultValue = "auto",
            description = "TLS implementation (default: ${DEFAULT-VALUE}: OpenSSL when available).")
    String tlsProvider;

    @Option(
            names = "--connect-timeout",
            paramLabel = "DURATION",
            defaultValue = "3s",
            description = "Backend connect timeout, e.g. 500ms, 3s (default: ${DEFAULT-VALUE}).")
    String connectTimeout;

    @Option(
            names = "--response-timeout",
            paramLabel = "DURATION",
            defaultValue = "60s",
            description = "How long a backend may stay silent while a response is due (default: ${DEFAULT-VALUE}).")
    String responseTimeout;

    @Option(
            names = "--admin",
            paramLabel = "HOST:PORT",
            description = "Serve the admin API, metrics and status page there (loopback only; default: off).")
    String admin;

    @Option(names = "--access-log", description = "Log each request (logger org.reverl.access).")
    boolean accessLog;

    @Option(
            names = "--warmup",
            paramLabel = "N",
            description = "Connections sent through a throwaway listener before the real ones open, so that the code"
                    + " every new connection runs is compiled by then; 0 for none (default: " + DEFAULT_WARMUP
                    + " when every listener is plain HTTP, none when one terminates TLS).")
    Integer warmup;

    /**
     * Enough for the launcher's compile thresholds (a tenth of C2's for the per-connection packages), under which the
     * code a new connection runs was compiled after about 1,600 connections. Measured: about 1.7 s more start, and in
     * proxybench the slowest request of a round 5-11 ms against 7-31 without it (README, "The warm-up").
     */
    static final int DEFAULT_WARMUP = 2000;

    /**
     * The warm-up when {@code --warmup} is not given: {@link #DEFAULT_WARMUP} when every listener is plain HTTP, none
     * when one terminates TLS. The warm-up is plain HTTP, and in front of a TLS listener it made the tail longer:
     * in two proxybench runs with a warmed-up and a cold Reverl side by side, p99.9 9.3 and 13.0 ms against 7.0 and
     * 7.3 ms, the slowest request per round 11-73 against 9-23 ms (README, "The warm-up"; the cause is not known).
     */
    static int defaultWarmup(ReverlConfig config) {
        return config.listeners().stream().anyMatch(l -> l.tls() != null) ? 0 : DEFAULT_WARMUP;
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        if (warmup != null && warmup < 0) {
            throw usage("--warmup: " + warmup + " (expected: 0 or more connections)");
        }
        ReverlConfig config;
        if (configFile != null) {
            if (listen != null || !backends.isEmpty()) {
                throw new CommandLine.ParameterException(
                        spec.commandLine(),
                        "--config: cannot be combined with --listen or --backend (expected: one or" + " the other)");
            }
            try {
                config = new ConfigLoader(ProviderRegistry.load()).load(configFile);
            } catch (ConfigException e) {
                err.println(e.getMessage());
                return ExitCodes.USAGE;
            }
        } else {
            config = fromFlags();
        }
        ServerLauncher.Signals signals = ServerLauncher.Signals.install();
        ServerLauncher.warmUp(config, ProviderRegistry.load(), warmup != null ? warmup : defaultWarmup(config));
        ReverlServer server;
        try {
            server = ServerLauncher.start(config, configFile);
        } catch (RuntimeException e) {
            err.println("reverl: cannot start: " + e.getMessage());
            return ExitCodes.FAILURE;
        }
        return ServerLauncher.runUntilSignalled(server, System.out, signals);
    }

    /** The configuration the flags describe. */
    ReverlConfig fromFlags() {
        if (listen == null || backends.isEmpty()) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(),
                    "give --config FILE, or --listen HOST:PORT and at least one --backend HOST:PORT");
        }
        int tlsSources =
                (tlsCert != null || tlsKey != null ? 1 : 0) + (tlsP12 != null ? 1 : 0) + (tlsSelfSigned ? 1 : 0);
        if (tlsSources > 1) {
            throw usage("give one of --tls-cert/--tls-key, --tls-p12 or --tls-self-signed");
        }
        if ((tlsCert == null) != (tlsKey == null)) {
            throw usage("--tls-cert and --tls-key go together");
        }
        if (!List.of("auto", "jdk", "openssl").contains(tlsProvider)) {
            throw usage("--tls-provider: '" + tlsProvider + "' (expected: one of [auto, jdk, openssl])");
        }
        ReverlConfig.Tls tls = tlsSources == 0
                ? null
                : new ReverlConfig.Tls(tlsCert, tlsKey, tlsP12, tlsP12Password, tlsSelfSigned, tlsProvider);
        List<BackendSpec> specs = new ArrayList<>();
        for (int i = 0; i < backends.size(); i++) {
            String b = backends.get(i);
            try {
                BackendAddress a = BackendAddress.parse(b)
                        .requireScheme(
                                "--backend",
                                BackendAddress.Scheme.HTTP,
                                BackendAddress.Scheme.HTTPS,
                                BackendAddress.Scheme.TCP);
                // https stays TLS (verified against the JDK's trust store); tcp and a bare host:port are plain HTTP
                specs.add(BackendSpec.of(
                        "b" + (i + 1),
                        (a.scheme() == BackendAddress.Scheme.HTTPS ? a : a.withScheme(BackendAddress.Scheme.HTTP))
                                .toString()));
            } catch (BackendAddress.InvalidAddressException e) {
                throw usage("--backend: '" + b + "' (expected: HOST:PORT with "
                        + (e.expected().startsWith("port") ? "a " + e.expected() : "valid parts: " + e.expected())
                        + ")");
            } catch (IllegalArgumentException e) {
                throw usage(e.getMessage());
            }
        }
        GatewayConfig gateway;
        try {
            gateway = GatewayConfig.builder().strategy(strategy).build();
            ProviderRegistry.load().newStrategy(strategy, Map.of());
        } catch (IllegalArgumentException e) {
            throw usage("--strategy: " + e.getMessage());
        }
        HttpProxyConfig.Builder proxy = HttpProxyConfig.builder();
        try {
            proxy.connectTimeout(parseDuration("--connect-timeout", connectTimeout))
                    .responseTimeout(parseDuration("--response-timeout", responseTimeout));
            if (ioThreads != null) {
                proxy.ioThreads(ioThreads);
            }
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        }
        ReverlConfig.Admin adminConfig = admin == null
                ? new ReverlConfig.Admin(false, new InetSocketAddress("127.0.0.1", 8081), null)
                : new ReverlConfig.Admin(true, loopbackOnly(parseHostPort("--admin", admin, 0)), null);
        return new ReverlConfig(
                List.of(new ReverlConfig.Listener(parseHostPort("--listen", listen, 0), tls)),
                specs,
                gateway,
                proxy.build(),
                adminConfig,
                true,
                accessLog,
                Duration.ofSeconds(10));
    }

    private InetSocketAddress loopbackOnly(InetSocketAddress a) {
        if (!a.getAddress().isLoopbackAddress()) {
            throw usage("--admin: '" + admin + "' (expected: a loopback address; use --config with admin.token to"
                    + " expose the admin API)");
        }
        return a;
    }

    private CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }

    private InetSocketAddress parseHostPort(String option, String value, int minPort) {
        ConfigValues.HostPort hp = ConfigValues.hostPort(value);
        if (hp == null || hp.port() < minPort || hp.port() > 65535) {
            throw usage(option + ": '" + value + "' (expected: HOST:PORT with a port " + minPort + "-65535)");
        }
        return minPort == 0
                ? new InetSocketAddress(hp.host(), hp.port())
                : InetSocketAddress.createUnresolved(hp.host(), hp.port());
    }

    static Duration parseDuration(String what, String value) {
        Duration d = ConfigValues.duration(value);
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(what + ": '" + value + "' (expected: a duration such as 500ms, 3s, 1m)");
        }
        return d;
    }
}
