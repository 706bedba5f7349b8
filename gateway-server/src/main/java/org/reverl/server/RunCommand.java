package org.reverl.server;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.reverl.gateway.api.BackendSpec;
import org.reverl.gateway.api.LoadBalancer;
import org.reverl.gateway.core.GatewayConfig;
import org.reverl.gateway.core.LoadBalancers;
import org.reverl.gateway.http.HttpProxyConfig;
import org.reverl.gateway.http.HttpProxyServer;
import org.reverl.gateway.http.TlsSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code reverl run}: an HTTP(S) reverse proxy over the backends given, in the foreground until SIGTERM or Ctrl-C. */
@Command(
        name = "run",
        mixinStandardHelpOptions = true,
        description = "Runs the reverse proxy in the foreground until SIGTERM or Ctrl-C.",
        sortOptions = false)
final class RunCommand implements Callable<Integer> {

    private static final Logger log = LoggerFactory.getLogger(RunCommand.class);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--listen", required = true, paramLabel = "HOST:PORT", description = "Address to listen on.")
    String listen;

    @Option(
            names = "--backend",
            required = true,
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

    @Override
    public Integer call() throws Exception {
        HttpProxyConfig config = proxyConfig();
        GatewayConfig gatewayConfig = GatewayConfig.builder().strategy(strategy).build();
        LoadBalancers.Builder lbBuilder = LoadBalancers.builder().config(gatewayConfig);
        for (int i = 0; i < backends.size(); i++) {
            lbBuilder.backend(BackendSpec.of("b" + (i + 1), "http://" + backends.get(i)));
        }
        LoadBalancer lb;
        try {
            lb = lbBuilder.build();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        HttpProxyServer server;
        try {
            server = HttpProxyServer.start(lb, config);
        } catch (RuntimeException e) {
            lb.close();
            throw e;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(
                () -> {
                    log.info("stopping");
                    server.close();
                    lb.close();
                    stopped.countDown();
                },
                "reverl-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        for (int i = 0; i < backends.size(); i++) {
            log.info("backend b{} at {}", i + 1, backends.get(i));
        }
        server.awaitClose();
        stopped.await();
        return 0;
    }

    HttpProxyConfig proxyConfig() throws Exception {
        HttpProxyConfig.Builder b = HttpProxyConfig.builder()
                .listen(parseListen(listen))
                .connectTimeout(parseDuration("--connect-timeout", connectTimeout))
                .responseTimeout(parseDuration("--response-timeout", responseTimeout));
        if (ioThreads != null) {
            b.ioThreads(ioThreads);
        }
        TlsSettings tls = null;
        int sources = (tlsCert != null || tlsKey != null ? 1 : 0) + (tlsP12 != null ? 1 : 0) + (tlsSelfSigned ? 1 : 0);
        if (sources > 1) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(), "give one of --tls-cert/--tls-key, --tls-p12 or --tls-self-signed");
        }
        if (tlsCert != null || tlsKey != null) {
            if (tlsCert == null || tlsKey == null) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--tls-cert and --tls-key go together");
            }
            tls = TlsSettings.pem(tlsCert, tlsKey);
        } else if (tlsP12 != null) {
            tls = TlsSettings.pkcs12(tlsP12, tlsP12Password.toCharArray());
        } else if (tlsSelfSigned) {
            SelfSignedCertificates.Generated g = SelfSignedCertificates.generate("localhost");
            Path pem = java.nio.file.Files.createTempFile("reverl-self-signed-", ".pem");
            g.writeCertificatePem(pem);
            log.info("self-signed certificate for localhost and 127.0.0.1 written to {}", pem);
            tls = TlsSettings.of(g.key(), g.certificate());
        }
        if (tls != null) {
            tls = tls.withProvider(parseProvider(tlsProvider));
        }
        return b.tls(tls).build();
    }

    private TlsSettings.Provider parseProvider(String value) {
        switch (value) {
            case "auto":
                return TlsSettings.Provider.AUTO;
            case "jdk":
                return TlsSettings.Provider.JDK;
            case "openssl":
                return TlsSettings.Provider.OPENSSL;
            default:
                throw new CommandLine.ParameterException(
                        spec.commandLine(), "--tls-provider: '" + value + "' (expected: one of [auto, jdk, openssl])");
        }
    }

    private InetSocketAddress parseListen(String value) {
        int colon = value.lastIndexOf(':');
        if (colon <= 0 || colon == value.length() - 1) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(), "--listen: '" + value + "' (expected: HOST:PORT)");
        }
        String host = value.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(value.substring(colon + 1));
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 0 || port > 65535) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(), "--listen: '" + value + "' (expected: HOST:PORT with a port 0-65535)");
        }
        return new InetSocketAddress(host, port);
    }

    static Duration parseDuration(String what, String value) {
        String v = value.trim();
        try {
            if (v.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
            }
            if (v.endsWith("s")) {
                return Duration.ofSeconds(Long.parseLong(v.substring(0, v.length() - 1)));
            }
            if (v.endsWith("m")) {
                return Duration.ofMinutes(Long.parseLong(v.substring(0, v.length() - 1)));
            }
        } catch (NumberFormatException e) {
            // fall through
        }
        throw new IllegalArgumentException(what + ": '" + value + "' (expected: a duration such as 500ms, 3s, 1m)");
    }
}
