package org.reverl.server;

import com.google.inject.Guice;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
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
import org.reverl.gateway.http.Warmup;
import org.reverl.server.config.ReverlConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/** Starts a {@link ReverlServer} from a configuration and runs it until SIGTERM or Ctrl-C; SIGHUP reloads. */
final class ServerLauncher {

    private static final Logger log = LoggerFactory.getLogger(ServerLauncher.class);

    /** How long the warm-up may take; it stops there and the server starts. */
    private static final Duration WARMUP_LIMIT = Duration.ofSeconds(30);

    /**
     * How long the warm-up's load balancer keeps its refusing backend ejected before a trial call: as short as it can
     * be, so that trial calls and the retries after them run hundreds of times in a warm-up of two seconds, often
     * enough to be compiled (see {@link Warmup}).
     */
    private static final Duration WARMUP_EJECTION = Duration.ofMillis(1);

    private ServerLauncher() {}

    /** Wires (Guice) and starts the server. */
    static ReverlServer start(ReverlConfig config, Path configFile) {
        return Guice.createInjector(new ServerModule(config, configFile))
                .getInstance(ReverlServer.class)
                .start();
    }

    /**
     * Sends {@code connections} connections through a throwaway listener before {@code c}'s open: see {@link Warmup}.
     * It has the first listener's settings, without TLS: the HTTP code behind every listener is the same, and a TLS
     * warm-up measured 5-9 MB more RSS for a tenth less CPU per new connection on top. The configured backends get
     * nothing. Its load balancer logs no backend events (its backend that refuses connections is ejected on purpose,
     * every {@link #WARMUP_EJECTION}); the launcher logs one line for the whole warm-up. A warm-up that cannot run is
     * logged and skipped, since the server starts without it.
     *
     * @return what it did; empty when {@code connections} is 0, there is no listener, or it could not run
     */
    static Optional<Warmup.Result> warmUp(ReverlConfig c, ProviderRegistry registry, int connections) {
        if (connections == 0 || c.listeners().isEmpty()) {
            return Optional.empty();
        }
        GatewayConfig engine = c.gateway().toBuilder()
                .healthCheck(null)
                .outlier(null)
                .breakerWaitDurationInOpenState(WARMUP_EJECTION)
                .build();
        Function<String, LoadBalancer> pool = address -> LoadBalancers.builder()
                .config(engine)
                .registry(registry)
                .logEvents(false)
                .backend(BackendSpec.of("warm-up", address))
                .build();
        try {
            HttpProxyConfig template =
                    ServerListeners.plainProxyConfig(c, c.listeners().get(0), ProxyObserver.NOOP);
            Warmup.Result r = Warmup.run(template, pool, connections, WARMUP_LIMIT);
            log.info(
                    "warm-up: {} connections ({} to its backend, {} failed over from its refusing one) in {} ms{}",
                    r.connections(),
                    r.backendConnections(),
                    r.failovers(),
                    r.took().toMillis(),
                    r.failed() > 0 ? ", " + r.failed() + " without a response" : "");
            return Optional.of(r);
        } catch (RuntimeException e) {
            log.warn("warm-up skipped: {}", e.getMessage());
            return Optional.empty();
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
