package org.reverl.benchmarks.tail;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.reverl.gateway.api.BackendSpec;
import org.reverl.gateway.api.LoadBalancer;
import org.reverl.gateway.api.PluginOptions;
import org.reverl.gateway.core.GatewayConfig;
import org.reverl.gateway.core.LoadBalancers;
import org.reverl.gateway.http.HttpProxyConfig;
import org.reverl.gateway.http.HttpProxyServer;

/**
 * The tail-latency benchmark: for each scenario and strategy, starts Reverl's HTTP proxy in this process in front of N
 * in-process backends, runs open-loop load through it and prints p50, p99, p99.9, the share of requests over 1 s and
 * the share of errors, as one Markdown table.
 *
 * <p>Scenarios (backend {@code b0} is the odd one out):
 * <ul>
 *   <li>{@code healthy}: every backend answers after a uniform latency in {@code --latency};
 *   <li>{@code slow}: {@code b0} is 10x slower;
 *   <li>{@code stall}: from the start of the measurement, {@code b0} answers every request 2 s late for {@code
 *       --stall}; the measurement lasts {@code --stall} plus 10 s;
 *   <li>{@code failing}: {@code b0} answers 503 after 1 ms.
 * </ul>
 *
 * <p>Each run gets a fresh load balancer and proxy (library defaults, no health checks, one io thread) and a warm-up
 * whose results are dropped. Run with {@code benchmarks/tail-latency.sh [--rate 300] [--warmup 5s] [--duration 15s]
 * [--stall 30s] [--backends 11] [--latency 5ms-15ms] [--timeout 10s] [--strategies a,b] [--scenarios a,b]}.
 */
public final class TailLatency {

    private static final long STALL_NANOS = TimeUnit.SECONDS.toNanos(2);
    private static final long FAIL_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final Duration AFTER_STALL = Duration.ofSeconds(10);

    private final Map<String, String> args;
    private final int rate;
    private final Duration warmup;
    private final Duration duration;
    private final Duration stall;
    private final int backendCount;
    private final long minLatency;
    private final long maxLatency;
    private final Duration timeout;
    private final List<String> strategies;
    private final List<String> scenarios;

    private TailLatency(Map<String, String> args) {
        this.args = args;
        rate = Integer.parseInt(args.getOrDefault("rate", "300"));
        warmup = duration(args.getOrDefault("warmup", "5s"));
        duration = duration(args.getOrDefault("duration", "15s"));
        stall = duration(args.getOrDefault("stall", "30s"));
        backendCount = Integer.parseInt(args.getOrDefault("backends", "11"));
        String[] latency = args.getOrDefault("latency", "5ms-15ms").split("-", 2);
        minLatency = duration(latency[0]).toNanos();
        maxLatency = duration(latency.length > 1 ? latency[1] : latency[0]).toNanos();
        timeout = duration(args.getOrDefault("timeout", "10s"));
        strategies = List.of(args.getOrDefault("strategies", "round_robin,least_conn,peak_ewma")
                .split(","));
        scenarios = List.of(
                args.getOrDefault("scenarios", "healthy,slow,stall,failing").split(","));
        if (rate < 1 || rate > 100_000 || backendCount < 2) {
            throw new IllegalArgumentException(
                    "--rate: 1-100000 and --backends: 2 or more (got " + rate + ", " + backendCount + ")");
        }
        for (String s : scenarios) {
            if (!List.of("healthy", "slow", "stall", "failing").contains(s)) {
                throw new IllegalArgumentException(
                        "--scenarios: '" + s + "' (expected: some of healthy, slow, stall, failing)");
            }
        }
    }

    public static void main(String[] argv) throws Exception {
        Map<String, String> args = new LinkedHashMap<>();
        for (int i = 0; i < argv.length; i++) {
            if (!argv[i].startsWith("--") || i + 1 >= argv.length) {
                throw new IllegalArgumentException("usage: --name value ...; got '" + argv[i] + "'");
            }
            args.put(argv[i].substring(2), argv[++i]);
        }
        new TailLatency(args).run();
    }

    private static Duration duration(String text) {
        Duration d = PluginOptions.parseDuration(text);
        if (d == null || d.isNegative()) {
            throw new IllegalArgumentException("'" + text + "' (expected: a duration such as 500ms, 2s, 1m)");
        }
        return d;
    }

    private void run() throws Exception {
        System.out.printf(
                "# tail latency: %d backends, %s-%s uniform, %d req/s open loop, warm-up %s, measured %s (stall: %s + %s),"
                        + " timeout %s; Java %s, %d CPUs, load average at start %s%n",
                backendCount,
                ms(minLatency),
                ms(maxLatency),
                rate,
                warmup,
                duration,
                stall,
                AFTER_STALL,
                timeout,
                System.getProperty("java.version"),
                Runtime.getRuntime().availableProcessors(),
                loadAverage());
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        ExecutorService clientThreads = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "load");
            t.setDaemon(true);
            return t;
        });
        List<LatencyBackend> backends = new ArrayList<>();
        List<String> rows = new ArrayList<>();
        try {
            Behaviour healthy = Behaviour.uniform(minLatency, maxLatency);
            for (int i = 0; i < backendCount; i++) {
                backends.add(new LatencyBackend(group, healthy));
            }
            OpenLoopLoad load = new OpenLoopLoad(clientThreads, timeout);
            for (String scenario : scenarios) {
                for (String strategy : strategies) {
                    rows.add(runOne(scenario, strategy, backends, healthy, load));
                }
            }
        } finally {
            backends.forEach(LatencyBackend::close);
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            clientThreads.shutdownNow();
        }
        System.out.println();
        System.out.println(
                "| scenario | strategy | requests | p50 | p99 | p99.9 | max | > 1 s | errors | to b0 | load avg |");
        System.out.println("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        rows.forEach(System.out::println);
        String out = args.get("out");
        if (out != null) {
            Files.write(Path.of(out), rows);
        }
    }

    private String runOne(
            String scenario, String strategy, List<LatencyBackend> backends, Behaviour healthy, OpenLoopLoad load)
            throws Exception {
        for (LatencyBackend b : backends) {
            b.behaviour(healthy);
        }
        LatencyBackend odd = backends.get(0);
        switch (scenario) {
            case "slow" -> odd.behaviour(healthy.slower(10));
            case "failing" -> odd.behaviour(Behaviour.fixed(FAIL_NANOS, 503));
            default -> {}
        }
        LoadBalancers.Builder builder = LoadBalancers.builder()
                .config(GatewayConfig.builder().name("tail").strategy(strategy).build());
        for (int i = 0; i < backends.size(); i++) {
            builder.backend(BackendSpec.of(
                    "b" + i, "http://127.0.0.1:" + backends.get(i).port()));
        }
        LoadBalancer lb = builder.build();
        HttpProxyServer proxy = HttpProxyServer.start(
                lb,
                HttpProxyConfig.builder().listen("127.0.0.1", 0).ioThreads(1).build());
        try {
            InetSocketAddress address = proxy.localAddress();
            URI uri = URI.create("http://127.0.0.1:" + address.getPort() + "/");
            load.run(uri, rate, warmup);
            backends.forEach(LatencyBackend::takeRequests);
            Duration measured = duration;
            if (scenario.equals("stall")) {
                long now = System.nanoTime();
                odd.behaviour(healthy.stalling(now, now + stall.toNanos(), STALL_NANOS));
                measured = stall.plus(AFTER_STALL);
            }
            OpenLoopLoad.Run result = load.run(uri, rate, measured);
            long toOdd = odd.takeRequests();
            long total = 0;
            for (LatencyBackend b : backends) {
                total += b.takeRequests();
            }
            total += toOdd;
            String row = row(scenario, strategy, result, total == 0 ? 0 : 100.0 * toOdd / total);
            System.err.println(row);
            return row;
        } finally {
            proxy.close();
            lb.close();
        }
    }

    private static String row(String scenario, String strategy, OpenLoopLoad.Run run, double oddShare) {
        long[] sorted = run.latencies().clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        long overOneSecond = Arrays.stream(sorted)
                .filter(l -> l > TimeUnit.SECONDS.toNanos(1))
                .count();
        long errors =
                Arrays.stream(run.statuses()).filter(s -> s < 200 || s > 299).count();
        return String.format(
                java.util.Locale.ROOT,
                "| %s | %s | %d | %s | %s | %s | %s | %.2f%% | %.2f%% | %.2f%% | %s |",
                scenario,
                strategy,
                n,
                ms(percentile(sorted, 0.50)),
                ms(percentile(sorted, 0.99)),
                ms(percentile(sorted, 0.999)),
                ms(sorted[n - 1]),
                100.0 * overOneSecond / n,
                100.0 * errors / n,
                oddShare,
                loadAverage());
    }

    /** The smallest latency at or above which lies a share {@code 1 - q} of the requests (nearest rank). */
    private static long percentile(long[] sorted, double q) {
        int rank = (int) Math.ceil(q * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    private static String ms(long nanos) {
        double ms = nanos / 1e6;
        return ms < 100 ? String.format(java.util.Locale.ROOT, "%.1f ms", ms) : String.format("%.0f ms", ms);
    }

    /** The one-minute load average, or {@code ?} where {@code /proc/loadavg} does not exist. */
    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (IOException | RuntimeException e) {
            return "?";
        }
    }
}
