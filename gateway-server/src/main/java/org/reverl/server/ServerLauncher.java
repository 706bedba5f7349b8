package org.reverl.server;

import com.google.inject.Guice;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.reverl.server.config.ReverlConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/** Starts a {@link ReverlServer} from a configuration and runs it until SIGTERM or Ctrl-C; SIGHUP reloads. */
final class ServerLauncher {

    private static final Logger log = LoggerFactory.getLogger(ServerLauncher.class);

    private ServerLauncher() {}

    /** Wires (Guice) and starts the server. */
    static ReverlServer start(ReverlConfig config, Path configFile) {
        return Guice.createInjector(new ServerModule(config, configFile))
                .getInstance(ReverlServer.class)
                .start();
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
