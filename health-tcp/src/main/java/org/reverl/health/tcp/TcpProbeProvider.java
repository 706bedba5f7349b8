package org.reverl.health.tcp;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.reverl.gateway.api.Checks;
import org.reverl.gateway.api.LivenessProbe;
import org.reverl.gateway.api.LivenessProbeProvider;

/**
 * Provides {@value #NAME}: a backend is alive when a TCP connection to it opens within the probe timeout. Its address
 * is {@code tcp://host:port}, {@code http://host:port} or {@code host:port}; a bad address is a failed probe whose
 * reason names the address and the accepted forms. Reasons when down: {@code connection refused}, {@code timed out
 * after 200ms}, {@code unreachable}, {@code DNS failure: <host>}, {@code probe back-off: ...}.
 *
 * <p>Options (durations as {@code 500ms}, {@code 2s}, {@code 1m} or ISO-8601 such as {@code PT2S}):
 * <ul>
 *   <li>{@code backoff_after}: consecutive failures after which the probe backs off, {@value #MIN_BACKOFF_AFTER} to
 *       {@value #MAX_BACKOFF_AFTER}, default {@value #DEFAULT_BACKOFF_AFTER}.
 *   <li>{@code backoff_initial}: the first wait without probing, default {@link #DEFAULT_BACKOFF_INITIAL}; each failed
 *       trial doubles it.
 *   <li>{@code backoff_max}: the longest wait, at least {@code backoff_initial}, default {@link #DEFAULT_BACKOFF_MAX}.
 * </ul>
 * While backing off, probes of that backend return down at once without connecting; the first successful connect
 * resets the back-off, so the backend is probed at the normal interval again.
 *
 * <p>Thread-safe and stateless. Public only because {@link java.util.ServiceLoader} requires it: configure {@code tcp},
 * never this class.
 */
public final class TcpProbeProvider implements LivenessProbeProvider {

    /** The probe's name. */
    public static final String NAME = "tcp";

    /** Default consecutive failures before backing off. */
    public static final int DEFAULT_BACKOFF_AFTER = 3;
    /** The smallest {@code backoff_after}. */
    public static final int MIN_BACKOFF_AFTER = 1;
    /** The largest {@code backoff_after}. */
    public static final int MAX_BACKOFF_AFTER = 1000;
    /** Default first wait. */
    public static final Duration DEFAULT_BACKOFF_INITIAL = Duration.ofSeconds(1);
    /** Default longest wait. */
    public static final Duration DEFAULT_BACKOFF_MAX = Duration.ofSeconds(60);

    private static final String BACKOFF_AFTER = "backoff_after";
    private static final String BACKOFF_INITIAL = "backoff_initial";
    private static final String BACKOFF_MAX = "backoff_max";
    private static final Set<String> OPTIONS = Set.of(BACKOFF_AFTER, BACKOFF_INITIAL, BACKOFF_MAX);
    private static final Pattern DURATION = Pattern.compile("([0-9]{1,9})(ms|s|m)");
    private static final AtomicInteger RESOLVERS = new AtomicInteger();

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public LivenessProbe create(Map<String, String> options) {
        for (String key : options.keySet()) {
            if (!OPTIONS.contains(key)) {
                throw Checks.unknown(what("option"), key, OPTIONS);
            }
        }
        int after = DEFAULT_BACKOFF_AFTER;
        if (options.containsKey(BACKOFF_AFTER)) {
            String value = options.get(BACKOFF_AFTER);
            try {
                after = Integer.parseInt(value.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(Checks.message(
                        what(BACKOFF_AFTER),
                        "'" + value + "'",
                        "an integer " + MIN_BACKOFF_AFTER + "-" + MAX_BACKOFF_AFTER));
            }
            Checks.inRange(what(BACKOFF_AFTER), after, MIN_BACKOFF_AFTER, MAX_BACKOFF_AFTER);
        }
        Duration initial = duration(options, BACKOFF_INITIAL, DEFAULT_BACKOFF_INITIAL);
        Duration max = duration(options, BACKOFF_MAX, DEFAULT_BACKOFF_MAX);
        if (max.compareTo(initial) < 0) {
            throw new IllegalArgumentException(
                    Checks.message(what(BACKOFF_MAX), max, ">= " + BACKOFF_INITIAL + " (" + initial + ")"));
        }
        return new TcpProbe(after, initial, max, System::nanoTime, newResolver());
    }

    private static String what(String option) {
        return "probe '" + NAME + "': " + option;
    }

    /** Parses {@code 500ms}, {@code 2s}, {@code 1m} or ISO-8601; must be positive. */
    static Duration duration(Map<String, String> options, String option, Duration defaultValue) {
        String value = options.get(option);
        if (value == null) {
            return defaultValue;
        }
        Duration parsed = null;
        Matcher m = DURATION.matcher(value.trim());
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            parsed = switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                default -> Duration.ofMinutes(n);
            };
        } else {
            try {
                parsed = Duration.parse(value.trim());
            } catch (RuntimeException e) {
                // reported below
            }
        }
        if (parsed == null) {
            throw new IllegalArgumentException(
                    Checks.message(what(option), "'" + value + "'", "a duration such as 500ms, 2s or 1m"));
        }
        return Checks.positive(what(option), parsed);
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
