package org.reverl.benchmarks.soak;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.reverl.gateway.api.PluginOptions;

/**
 * The soak load's options, parsed and checked in one place: {@code --target http://host:port/path} (required),
 * {@code --rate} requests a second (2000), {@code --warmup} before the measured run (10s, {@code 0s} for none), {@code
 * --duration} (10m) and {@code --interval} between reports (60s), all whole seconds, {@code --connections} in the keep-alive pool (16), {@code --new-connections} percent of the requests
 * that open a connection of their own (20), {@code --timeout} per request (5s), {@code --max-outstanding} requests
 * (one second's worth at the rate).
 */
record SoakOptions(
        URI target,
        int rate,
        Duration warmup,
        Duration duration,
        Duration interval,
        int connections,
        int newConnectionPercent,
        Duration timeout,
        int maxOutstanding) {

    private static final Duration MAX_DURATION = Duration.ofHours(24);
    private static final Set<String> KNOWN = Set.of(
            "--target",
            "--rate",
            "--warmup",
            "--duration",
            "--interval",
            "--connections",
            "--new-connections",
            "--timeout",
            "--max-outstanding");

    /**
     * Parses {@code --name value} pairs.
     *
     * @throws IllegalArgumentException naming the option, its value and what was expected
     */
    static SoakOptions parse(String... argv) {
        Map<String, String> given = new LinkedHashMap<>();
        for (int i = 0; i < argv.length; i += 2) {
            if (!argv[i].startsWith("--")) {
                throw new IllegalArgumentException("soak: '" + argv[i] + "' (expected: an option such as --rate)");
            }
            if (i + 1 >= argv.length) {
                throw new IllegalArgumentException("soak: " + argv[i] + ": missing (expected: a value after it)");
            }
            given.put(argv[i], argv[i + 1]);
        }
        PluginOptions o = PluginOptions.of("soak", given, KNOWN);
        URI target = target(o);
        int rate = o.integer("--rate", 2000, 1, 100_000);
        Duration warmup = o.has("--warmup") && "0s".equals(o.string("--warmup", ""))
                ? Duration.ZERO
                : wholeSeconds(o, "--warmup", Duration.ofSeconds(10));
        Duration duration = wholeSeconds(o, "--duration", Duration.ofMinutes(10));
        Duration interval = wholeSeconds(o, "--interval", Duration.ofSeconds(60));
        int connections = o.integer("--connections", 16, 1, 10_000);
        int newConnections = o.integer("--new-connections", 20, 0, 100);
        Duration timeout = o.duration("--timeout", Duration.ofSeconds(5));
        int maxOutstanding = o.integer("--max-outstanding", rate, 1, 1_000_000);
        return new SoakOptions(
                target, rate, warmup, duration, interval, connections, newConnections, timeout, maxOutstanding);
    }

    private static URI target(PluginOptions o) {
        String text = o.required("--target", "a URL such as http://127.0.0.1:8080/");
        try {
            URI uri = new URI(text);
            if ("http".equals(uri.getScheme()) && uri.getHost() != null && uri.getPort() > 0) {
                return uri;
            }
        } catch (URISyntaxException e) {
            // the message below says what was expected
        }
        throw o.invalid("--target", "an http URL with a host and a port, such as http://127.0.0.1:8080/");
    }

    private static Duration wholeSeconds(PluginOptions o, String option, Duration defaultValue) {
        Duration d = o.duration(option, defaultValue);
        if (d.toMillis() % 1000 != 0 || d.compareTo(MAX_DURATION) > 0) {
            throw o.invalid(option, "whole seconds, at most 24h, such as 90s or 10m");
        }
        return d;
    }

    /** How many requests the warm-up sends. */
    long warmupCount() {
        return rate * warmup.toSeconds();
    }

    /** How many requests the measured run sends. */
    long count() {
        return rate * duration.toSeconds();
    }

    /** How many requests each report covers (the last one may cover fewer). */
    long perInterval() {
        return rate * interval.toSeconds();
    }
}
