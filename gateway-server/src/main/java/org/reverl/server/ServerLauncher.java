package org.reverl.server;

import com.google.inject.Guice;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import org.reverl.server.config.ReverlConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

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
     * Blocks until SIGTERM or SIGINT, then shuts down gracefully within the configured bound. SIGHUP reloads the
     * configuration file meanwhile. Returns the exit status: 0.
     */
    static int runUntilSignalled(ReverlServer server, PrintStream out) throws InterruptedException {
        CountDownLatch stop = new CountDownLatch(1);
        Signal.handle(new Signal("TERM"), s -> stop.countDown());
        Signal.handle(new Signal("INT"), s -> stop.countDown());
        Signal.handle(new Signal("HUP"), s -> {
            ServerControl.ReloadResult r = server.reload();
            if (!r.applied()) {
                log.warn("SIGHUP: reload refused: {}", String.join("; ", r.errors()));
            }
        });
        stop.await();
        out.println("reverl: stopping (in-flight requests get up to "
                + server.config().shutdownTimeout() + ")");
        int left = server.shutdown(server.config().shutdownTimeout());
        out.println("reverl: stopped" + (left > 0 ? " with " + left + " request(s) cut" : ""));
        return 0;
    }
}
