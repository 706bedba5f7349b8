package org.reverl.server.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.reverl.gateway.api.Backend;
import org.reverl.gateway.api.BackendState;
import org.reverl.gateway.http.ProxyObserver;

/** The meters of one backend, registered once when it joins and removed when it leaves. Thread-safe. */
final class BackendMeters {

    /** Latency buckets: 16 series per backend, from 1 ms to 60 s. */
    static final Duration[] LATENCY_BUCKETS = {
        Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10),
        Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
        Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5),
        Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(60)
    };

    final Backend backend;
    /** The name of the backend's pool. */
    final String pool;

    /** How far back the admin API's percentiles and maximum look. */
    static final Duration RECENT = Duration.ofMinutes(1);

    private final List<Meter> meters = new ArrayList<>();
    /** Count, sum, max and the {@link #LATENCY_BUCKETS} histogram, for Prometheus. */
    private final Timer latency;
    /** p50 and p99 of recent responses, for the admin API: far cheaper to record than the Timer's own percentiles. */
    private final LatencyWindow recent;
    /** Responses by status class; index {@code status / 100}, 2 to 5. */
    private final Counter[] responses = new Counter[6];

    private final Counter serverErrors;
    /** Failures by {@link ProxyObserver.Failure#ordinal()}. */
    private final Counter[] failures = new Counter[ProxyObserver.Failure.values().length];

    private final Counter retries;
    /** Where the pool's listener registers the backend's event counters. */
    private final MeterRegistry registry;

    /** Meters of {@code backend} in {@code registry}; {@code ticker} (nanoseconds) times the recent percentiles. */
    BackendMeters(MeterRegistry registry, Backend backend, String pool, LongSupplier ticker) {
        this.backend = backend;
        this.pool = pool;
        this.registry = registry;
        this.recent = new LatencyWindow(RECENT, ticker);
        Tags tags = Tags.of("backend", backend.id(), "pool", pool);
        latency = add(Timer.builder(ServerMetrics.LATENCY)
                .description("Time from taking the backend for a request to the end of its response")
                .tags(tags)
                .serviceLevelObjectives(LATENCY_BUCKETS)
                .distributionStatisticExpiry(RECENT) // of the max
                .register(registry));
        for (int c = 2; c <= 5; c++) {
            responses[c] = add(Counter.builder(ServerMetrics.RESPONSES)
                    .description("Responses of the backend relayed whole to clients, by status class")
                    .tags(tags.and("status", c + "xx"))
                    .register(registry));
        }
        serverErrors = add(errorCounter(registry, tags, "5xx"));
        for (ProxyObserver.Failure f : ProxyObserver.Failure.values()) {
            failures[f.ordinal()] = add(errorCounter(registry, tags, f.name().toLowerCase(java.util.Locale.ROOT)));
        }
        retries = add(Counter.builder(ServerMetrics.RETRIES)
                .description("Requests retried on another backend after this one failed them")
                .tags(tags)
                .register(registry));
        add(Gauge.builder(ServerMetrics.IN_FLIGHT, backend, Backend::inFlight)
                .description("Requests on the backend whose outcome is not known yet")
                .tags(tags)
                .strongReference(true)
                .register(registry));
        add(Gauge.builder(ServerMetrics.STATE, backend, b -> stateCode(b.state()))
                .description("State: 0 up, 1 down, 2 ejected, 3 draining, 4 maintenance, 5 removed")
                .tags(tags)
                .strongReference(true)
                .register(registry));
        add(Gauge.builder(ServerMetrics.WEIGHT, backend, Backend::effectiveWeight)
                .description("Effective weight: the configured weight, lowered during slow start")
                .tags(tags)
                .strongReference(true)
                .register(registry));
    }

    private static Counter errorCounter(MeterRegistry registry, Tags tags, String kind) {
        return Counter.builder(ServerMetrics.ERRORS)
                .description("Failed attempts on the backend by kind: 5xx response, connect, timeout, reset")
                .tags(tags.and("kind", kind))
                .register(registry);
    }

    private <M extends Meter> M add(M meter) {
        meters.add(meter);
        return meter;
    }

    /** The value of the state gauge; fixed, whatever the enum's order. */
    static int stateCode(BackendState state) {
        switch (state) {
            case UP:
                return 0;
            case DOWN:
                return 1;
            case EJECTED:
                return 2;
            case DRAINING:
                return 3;
            case MAINTENANCE:
                return 4;
            case REMOVED:
            default:
                return 5;
        }
    }

    void onResponse(int status, long nanos) {
        latency.record(nanos, TimeUnit.NANOSECONDS);
        recent.record(nanos);
        int c = status / 100;
        if (c < 2 || c > 5) {
            c = 5; // no final status outside 200-599 is standard: counted with the server errors
        }
        responses[c].increment();
        if (c == 5) {
            serverErrors.increment();
        }
    }

    void onFailure(ProxyObserver.Failure failure) {
        failures[failure.ordinal()].increment();
    }

    void onRetry() {
        retries.increment();
    }

    BackendStats stats() {
        HistogramSnapshot s = latency.takeSnapshot();
        LatencyWindow.Snapshot r = recent.snapshot();
        long responseCount = s.count();
        long connect = count(failures[ProxyObserver.Failure.CONNECT.ordinal()]);
        long timeout = count(failures[ProxyObserver.Failure.TIMEOUT.ordinal()]);
        long reset = count(failures[ProxyObserver.Failure.RESET.ordinal()]);
        long fiveXx = count(serverErrors);
        return new BackendStats(
                responseCount + connect + timeout + reset,
                fiveXx + connect + timeout + reset,
                fiveXx,
                connect,
                timeout,
                reset,
                count(retries),
                ejections(),
                s.mean(TimeUnit.MILLISECONDS),
                r.valueMillis(0.5),
                r.valueMillis(0.99),
                s.max(TimeUnit.MILLISECONDS));
    }

    /** The pool's listener counts the backend's events (by id, as the events name it); none yet is none. */
    private long ejections() {
        Counter c = registry.find(ServerMetrics.EVENTS)
                .tags("backend", backend.id(), "pool", pool, "type", "ejected")
                .counter();
        return c == null ? 0 : count(c);
    }

    private static long count(Counter c) {
        return (long) c.count();
    }

    void remove(MeterRegistry registry) {
        for (Meter m : meters) {
            registry.remove(m);
        }
    }
}
