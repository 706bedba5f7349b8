package org.reverl.server;

import com.google.inject.Guice;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.reverl.gateway.api.BackendSpec;
import org.reverl.gateway.api.LoadBalancer;
import org.reverl.gateway.core.GatewayConfig;
import org.reverl.gateway.core.LoadBalancers;
import org.reverl.gateway.core.ProviderRegistry;
import org.reverl.gateway.http.HttpProxyConfig;
import org.reverl.gateway.http.ProxyObserver;
import org.reverl.gateway.http.TlsSettings;
import org.reverl.gateway.http.Warmup;
import org.reverl.server.config.ReverlConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/** Starts a {@link ReverlServer} from a configuration and runs it until SIGTERM or Ctrl-C; SIGHUP reloads. */
final class ServerLauncher {

    private static final Logger log = LoggerFactory.getLogger(ServerLauncher.class);

    /** How long a warm-up of one kind of listener may take; it stops there and the server starts. */
    private static final Duration WARMUP_LIMIT = Duration.ofSeconds(30);

    private ServerLauncher() {}

    /** Wires (Guice) and starts the server. */
    static ReverlServer start(ReverlConfig config, Path configFile) {
        return Guice.createInjector(new ServerModule(config, configFile))
                .getInstance(ReverlServer.class)
                .start();
    }

    /**
     * Sends connections through throwaway listeners before {@code c}'s open: see {@link Warmup}. {@code connections}
     * plain ones, with the first listener's settings, run the HTTP code that every listener shares; when a listener
     * terminates TLS, a fifth as many TLS ones (a handshake costs several times a request) run the TLS layer's, with a
     * certificate generated for the purpose, not the listener's files. The configured backends get nothing. Logs what
     * each did; one that cannot run is logged and skipped, since the server can start without it.
     *
     * @return what each did, by scheme ({@code http}, then {@code https} if a listener has TLS)
     */
    static Map<String, Warmup.Result> warmUp(ReverlConfig c, ProviderRegistry registry, int connections) {
        Map<String, Warmup.Result> done = new LinkedHashMap<>();
        if (connections == 0 || c.listeners().isEmpty()) {
            return done;
        }
        GatewayConfig engine =
                c.gateway().toBuilder().healthCheck(null).outlier(null).build();
        Function<String, LoadBalancer> pool = address -> LoadBalancers.builder()
                .config(engine)
                .registry(registry)
                .backend(BackendSpec.of("warm-up", address))
                .build();
        ReverlConfig.Listener first = c.listeners().get(0);
        warmUp(
                "http",
                () -> ServerListeners.proxyConfig(c, first, ProxyObserver.NOOP, null).toBuilder()
                        .tls(null)
                        .build(),
                pool,
                connections,
                done);
        c.listeners().stream()
                .filter(l -> l.tls() != null)
                .findFirst()
                .ifPresent(tls -> warmUp(
                        "https",
                        () -> ServerListeners.proxyConfig(c, tls, ProxyObserver.NOOP, warmupTls(tls)),
                        pool,
                        Math.max(1, connections / 5),
                        done));
        return done;
    }

    private static void warmUp(
            String scheme,
            java.util.function.Supplier<HttpProxyConfig> template,
            Function<String, LoadBalancer> pool,
            int connections,
            Map<String, Warmup.Result> done) {
        try {
            Warmup.Result r = Warmup.run(template.get(), pool, connections, WARMUP_LIMIT);
            done.put(scheme, r);
            log.info(
                    "warm-up ({}): {} connections in {} ms{}",
                    scheme,
                    r.connections(),
                    r.took().toMillis(),
                    r.failed() > 0 ? ", " + r.failed() + " without a response" : "");
        } catch (RuntimeException e) {
            log.warn("warm-up ({}) skipped: {}", scheme, e.getMessage());
        }
    }

    /** A certificate for the warm-up's TLS listener, with the provider of {@code listener}'s. */
    private static TlsSettings warmupTls(ReverlConfig.Listener listener) {
        try {
            SelfSignedCertificates.Generated g = SelfSignedCertificates.generate("localhost");
            return TlsSettings.of(g.key(), g.certificate())
                    .withProvider(TlsSettings.Provider.valueOf(
                            listener.tls().provider().toUpperCase(java.util.Locale.ROOT)));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("cannot generate a certificate: " + e, e);
        }
    }

    /**
     * The process's signal handlers, installed before the server starts: a signal that arrives while it starts must
     * not fall to the JVM's default, which ends the process on SIGHUP. SIGTERM or SIGINT then stops the server as soon
     * as it is up; a SIGHUP before it is up has nothing to reload and is logged.
     */
    static final class Signals {
        private final CountDownLatch stop = new CountDownLatch(1);
        private final AtomicReference<ReverlServer> server = new AtomicReference<>();

        private Signals() {}

        static Signals install() {
            Signals signals = new Signals();
            Signal.handle(new Signal("TERM"), s -> signals.stop.countDown());
            Signal.handle(new Signal("INT"), s -> signals.stop.countDown());
            SignalHandler before = Signal.handle(new Signal("HUP"), s -> signals.reload());
            if (before == SignalHandler.SIG_IGN) {
                // the JVM keeps a signal ignored that the process started with ignored (nohup does that)
                log.warn("SIGHUP is ignored in this process (started under nohup?): reload with POST /reload instead");
            }
            return signals;
        }

        private void reload() {
            ReverlServer running = server.get();
            if (running == null) {
                log.warn("SIGHUP: the server is still starting; nothing reloaded");
                return;
            }
            ServerControl.ReloadResult r = running.reload();
            if (!r.applied()) {
                log.warn("SIGHUP: reload refused: {}", String.join("; ", r.errors()));
            }
        }
    }

    /**
     * Blocks until SIGTERM or SIGINT, then shuts down gracefully within the configured bound. SIGHUP reloads the
     * configuration file meanwhile. Returns the exit status: 0.
     *
     * @param signals installed before {@code server} was started
     */
    static int runUntilSignalled(ReverlServer server, PrintStream out, Signals signals) throws InterruptedException {
        signals.server.set(server);
        signals.stop.await();
        out.println("reverl: stopping (in-flight requests get up to "
                + server.config().shutdownTimeout() + ")");
        int left = server.shutdown(server.config().shutdownTimeout());
        out.println("reverl: stopped" + (left > 0 ? " with " + left + " request(s) cut" : ""));
        return 0;
    }
}
