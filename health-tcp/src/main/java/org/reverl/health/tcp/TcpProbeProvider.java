package org.reverl.health.tcp;

import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.reverl.gateway.api.Checks;
import org.reverl.gateway.api.LivenessProbe;
import org.reverl.gateway.api.LivenessProbeProvider;

/**
 * Provides {@value #NAME}: a backend is alive when a TCP connection to it opens within the probe timeout. Its address
 * is {@code tcp://host:port}, {@code http://host:port} or {@code host:port}; a bad address is a failed probe whose
 * reason names the address and the accepted forms. Reasons when down: {@code connection refused}, {@code timed out
 * after 200ms}, {@code unreachable}, {@code DNS failure: <host>}.
 *
 * <p>No options. Every probe connects; how often a dead backend is probed is the health check's {@code
 * downInterval}. (Earlier versions backed off from dead backends with {@code backoff_after}, {@code
 * backoff_initial} and {@code backoff_max}; a back-off longer than the down interval delays noticing a backend's
 * return, and one no longer changes nothing, so those options are rejected with a note saying so.)
 *
 * <p>Thread-safe and stateless. Public only because {@link java.util.ServiceLoader} requires it: configure {@code tcp},
 * never this class.
 */
public final class TcpProbeProvider implements LivenessProbeProvider {

    /** The probe's name. */
    public static final String NAME = "tcp";

    private static final Set<String> REMOVED_OPTIONS = Set.of("backoff_after", "backoff_initial", "backoff_max");
    private static final AtomicInteger RESOLVERS = new AtomicInteger();

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public LivenessProbe create(Map<String, String> options) {
        if (!options.isEmpty()) {
            String key = new TreeSet<>(options.keySet()).first();
            throw new IllegalArgumentException(Checks.message(
                    "probe '" + NAME + "': option",
                    "'" + key + "'",
                    REMOVED_OPTIONS.contains(key)
                            ? "no options; the probe back-off was replaced by the health check's downInterval"
                            : "no options"));
        }
        return new TcpProbe(newResolver());
    }

    /**
     * The JDK resolver blocks, so DNS lookups get two daemon threads of their own, which exit when idle. A lookup that
     * outlives the probe timeout only delays later lookups; the probes themselves still end at their timeout.
     */
    private static ExecutorService newResolver() {
        int id = RESOLVERS.incrementAndGet();
        AtomicInteger threads = new AtomicInteger();
        ThreadPoolExecutor executor =
                new ThreadPoolExecutor(2, 2, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), task -> {
                    Thread t = new Thread(task, "reverl-tcp-probe-dns-" + id + "-" + threads.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        executor.allowCoreThreadTimeOut(true);
        return executor;
    }
}
