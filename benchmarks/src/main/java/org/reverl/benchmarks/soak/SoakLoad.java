package org.reverl.benchmarks.soak;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.HdrHistogram.Histogram;
import org.reverl.benchmarks.load.OpenLoopSchedule;
import org.reverl.gateway.http.internal.Ticker;

/**
 * The soak's load: GETs to one target at a fixed rate for a bounded time, open loop (each request is due at {@code
 * start + i / rate} and its latency counts from then, see {@link OpenLoopSchedule}), a share of them each on a new
 * connection and the rest over a pool of keep-alive connections ({@link HttpLoadClient}). Every interval (a minute by
 * default) it prints one line: p50, p99 and p99.9 per kind of connection, the highest latency, requests, failed ones
 * (not 2xx, or no answer) and the load's own lag (how late after its time the client took a request up: a pause of
 * this JVM or a busy event loop, so that it is not mistaken for the proxy's).
 *
 * <p>A warm-up at the same rate comes first (10 s by default), reported on a line of its own and left out of the
 * totals. Output lines start with a tag, so that {@code benchmarks/soak.sh} can merge them with its own columns:
 * {@code warmup 1 ...}, {@code start}, {@code header}, {@code interval N ...}, {@code failures interval N ...} (when a
 * request of interval N failed or a keep-alive connection had to be opened again), and {@code total ...} at the end.
 *
 * <p>Run with {@code java -cp benchmarks.jar org.reverl.benchmarks.soak.SoakLoad --target http://127.0.0.1:8080/
 * [--rate 2000] [--warmup 10s] [--duration 10m] [--interval 60s] [--connections 16] [--new-connections 20] [--timeout 5s]
 * [--max-outstanding N]}; the JVM options {@code benchmarks/soak.sh} uses are explained there.
 */
public final class SoakLoad {

    private static final String TRIPLE = "%6.2f/%7.2f/%7.2fms";

    private final SoakOptions options;
    private final PrintStream out;
    private final Ticker ticker;
    private final OpenLoopSchedule.Sleeper sleeper;
    private long openedBefore; // keep-alive connections opened by the last report; the reporter thread's

    SoakLoad(SoakOptions options, PrintStream out, Ticker ticker, OpenLoopSchedule.Sleeper sleeper) {
        this.options = options;
        this.out = out;
        this.ticker = ticker;
        this.sleeper = sleeper;
        this.openedBefore = options.connections();
    }

    public static void main(String[] argv) throws Exception {
        SoakOptions options;
        try {
            options = SoakOptions.parse(argv);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        new SoakLoad(options, System.out, Ticker.SYSTEM, OpenLoopSchedule.Sleeper.PARK).run();
    }

    /**
     * Runs the load, prints a line per interval as each interval's last request ends, and returns the totals.
     *
     * @throws IllegalStateException if the keep-alive pool cannot be opened, or requests are still outstanding a
     *     timeout after the last one was due (which would be a bug: each request ends by its timeout)
     */
    Interval.Snapshot run() throws InterruptedException {
        ExecutorService reporter = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "report");
            t.setDaemon(true);
            return t;
        });
        try (HttpLoadClient client = new HttpLoadClient(
                options.target(), options.connections(), options.timeout(), options.maxOutstanding(), ticker)) {
            client.start();
            if (options.warmupCount() > 0) {
                // the JIT compiles the load's paths (the proxy's too), then one full collection takes the start-up's
                // leftovers out of the young generation, so that the run's young collections copy almost nothing
                phase(client, reporter, "warmup", options.warmupCount(), options.warmupCount(), null);
                System.gc();
            }
            out.printf(
                    Locale.ROOT,
                    "start %d req/s for %ds to %s: %d%% on new connections, the rest over %d keep-alive connections;"
                            + " timeout %s, at most %d outstanding; warm-up %ds%n",
                    options.rate(),
                    options.duration().toSeconds(),
                    options.target(),
                    options.newConnectionPercent(),
                    options.connections(),
                    options.timeout().toMillis() + "ms",
                    options.maxOutstanding(),
                    options.warmup().toSeconds());
            out.printf(
                    Locale.ROOT,
                    "header %24s %24s %9s %8s %7s %14s%n",
                    "keep-alive p50/p99/p99.9",
                    "new-conn p50/p99/p99.9",
                    "max",
                    "requests",
                    "failed",
                    "lag p99/max");
            out.flush();
            Interval total = new Interval(0, Long.MAX_VALUE);
            phase(client, reporter, "interval", options.count(), options.perInterval(), total);
            Interval.Snapshot t = total.snapshot();
            out.println("total " + totals(t, client.keepAliveOpened() - options.connections()));
            out.flush();
            return t;
        } finally {
            reporter.shutdownNow();
        }
    }

    /**
     * Sends {@code count} requests on the schedule, reporting every {@code perInterval} as lines tagged {@code tag},
     * added to {@code total} if not null; returns once the last line is printed.
     */
    private void phase(
            HttpLoadClient client, ExecutorService reporter, String tag, long count, long perInterval, Interval total)
            throws InterruptedException {
        Issuer issuer = new Issuer(client, reporter, tag, count, perInterval, total);
        OpenLoopSchedule.of(options.rate(), count).run(ticker, sleeper, issuer);
        try {
            issuer.reported.get(options.timeout().toMillis() + 30_000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException("a report failed", e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException(client.outstanding() + " requests outstanding after the timeout");
        }
    }

    /** Hands each request to the client with its interval, and chains the intervals' reports in order. */
    private final class Issuer implements OpenLoopSchedule.Sender {
        private final HttpLoadClient client;
        private final ExecutorService reporter;
        private final String tag;
        private final long count;
        private final long perInterval;
        private final Interval total;
        private Interval current;
        CompletableFuture<Void> reported = CompletableFuture.completedFuture(null);

        Issuer(
                HttpLoadClient client,
                ExecutorService reporter,
                String tag,
                long count,
                long perInterval,
                Interval total) {
            this.client = client;
            this.reporter = reporter;
            this.tag = tag;
            this.count = count;
            this.perInterval = perInterval;
            this.total = total;
        }

        @Override
        public void send(long index, long intendedNanos) {
            if (index % perInterval == 0) {
                current = new Interval(index / perInterval + 1, Math.min(perInterval, count - index));
                reported = reported.thenCombineAsync(current.done(), (v, done) -> report(done), reporter);
            }
            client.send(Kind.of(index, options.newConnectionPercent()), intendedNanos, current);
        }

        /** On the reporter thread, once every request of {@code interval} has ended and the one before was printed. */
        private Void report(Interval interval) {
            Interval.Snapshot s = interval.snapshot();
            if (total != null) {
                total.add(interval);
            }
            long opened = client.keepAliveOpened();
            long reopened = opened - openedBefore;
            openedBefore = opened;
            out.println(tag + " " + interval.number() + " " + line(s));
            if (s.failed() > 0 || reopened > 0) {
                out.println("failures " + tag + " " + interval.number() + " " + failures(s)
                        + "; keep-alive connections opened again: " + reopened);
            }
            out.flush();
            return null;
        }
    }

    private static String line(Interval.Snapshot s) {
        Histogram keepAlive = s.latency().get(Kind.KEEP_ALIVE);
        Histogram newConnection = s.latency().get(Kind.NEW_CONNECTION);
        return String.format(
                Locale.ROOT,
                "%s %s %7.1fms %8d %7d %5.2f/%6.2fms",
                triple(TRIPLE, keepAlive),
                triple(TRIPLE, newConnection),
                ms(Math.max(keepAlive.getMaxValue(), newConnection.getMaxValue())),
                s.requests(),
                s.failed(),
                ms(s.lag().getValueAtPercentile(99)),
                ms(s.lag().getMaxValue()));
    }

    private static String totals(Interval.Snapshot s, long reopened) {
        Histogram keepAlive = s.latency().get(Kind.KEEP_ALIVE);
        Histogram newConnection = s.latency().get(Kind.NEW_CONNECTION);
        return String.format(
                Locale.ROOT,
                "requests %d, failed %d (%s); keep-alive p50/p99/p99.9 %s, new-conn %s, max %.1fms;"
                        + " lag p99/max %.2f/%.2fms; keep-alive connections opened again: %d",
                s.requests(),
                s.failed(),
                failures(s),
                triple("%.2f/%.2f/%.2fms", keepAlive),
                triple("%.2f/%.2f/%.2fms", newConnection),
                ms(Math.max(keepAlive.getMaxValue(), newConnection.getMaxValue())),
                ms(s.lag().getValueAtPercentile(99)),
                ms(s.lag().getMaxValue()),
                reopened);
    }

    private static String failures(Interval.Snapshot s) {
        StringJoiner j = new StringJoiner(", ");
        for (Map.Entry<Failure, Long> e : s.failures().entrySet()) {
            String detail = "";
            if (e.getKey() == Failure.STATUS) {
                StringJoiner statuses = new StringJoiner(", ", " [", "]");
                s.badStatuses().forEach((status, n) -> statuses.add(status + ": " + n));
                detail = statuses.toString();
            }
            j.add(e.getKey().label() + ": " + e.getValue() + detail);
        }
        return j.length() == 0 ? "none" : j.toString();
    }

    private static String triple(String format, Histogram h) {
        return String.format(
                Locale.ROOT,
                format,
                ms(h.getValueAtPercentile(50)),
                ms(h.getValueAtPercentile(99)),
                ms(h.getValueAtPercentile(99.9)));
    }

    private static double ms(long micros) {
        return micros / 1000.0;
    }
}
