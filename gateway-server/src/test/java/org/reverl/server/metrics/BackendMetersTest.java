package org.reverl.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.reverl.gateway.api.BackendSpec;
import org.reverl.gateway.api.LoadBalancer;
import org.reverl.gateway.core.LoadBalancers;

/** One backend's meters: the Prometheus histogram, and the recent percentiles of the admin API on a moved ticker. */
class BackendMetersTest {

    private final LoadBalancer lb = LoadBalancers.builder()
            .backend(BackendSpec.of("b1", "http://127.0.0.1:9001"))
            .build();
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final AtomicLong now = new AtomicLong();
    private final BackendMeters meters =
            new BackendMeters(registry, lb.backend("b1").orElseThrow(), "default", now::get);

    @AfterEach
    void close() {
        registry.close();
        lb.close();
    }

    @Test
    void stats_p50AndP99OfRecentResponsesInMillis_meanAndCountSinceAdded() {
        for (int i = 1; i <= 100; i++) {
            meters.onResponse(i == 100 ? 503 : 200, TimeUnit.MICROSECONDS.toNanos(300 * i)); // 0.3 to 30 ms
        }
        BackendStats s = meters.stats();
        assertThat(s.requests()).isEqualTo(100);
        assertThat(s.serverErrors()).isEqualTo(1);
        assertThat(s.p50Millis()).isCloseTo(15.0, within(15.0 / 64));
        assertThat(s.p99Millis()).isCloseTo(29.7, within(29.7 / 64));
        assertThat(s.maxMillis()).isCloseTo(30.0, within(0.001));
        assertThat(s.meanMillis()).isCloseTo(15.15, within(0.001));

        now.addAndGet(Duration.ofSeconds(30).toNanos());
        meters.stats(); // the status page reads every second: the window moves on
        meters.onResponse(200, TimeUnit.MICROSECONDS.toNanos(800));
        now.addAndGet(Duration.ofSeconds(30).toNanos());
        BackendStats later = meters.stats();
        assertThat(later.requests()).isEqualTo(101);
        assertThat(later.p50Millis()).isCloseTo(0.8, within(0.8 / 64));
        assertThat(later.p99Millis()).isCloseTo(0.8, within(0.8 / 64));
        assertThat(later.meanMillis()).isCloseTo((15.15 * 100 + 0.8) / 101, within(0.001));
    }

    @Test
    void empty_statsAreZero() {
        BackendStats s = meters.stats();
        assertThat(s.p50Millis()).isZero();
        assertThat(s.p99Millis()).isZero();
        assertThat(s.requests()).isZero();
    }

    @Test
    void prometheus_latencyHistogramWithTheServiceLevelBuckets_noQuantiles() {
        meters.onResponse(200, TimeUnit.MILLISECONDS.toNanos(3));
        String text = registry.scrape();
        String labels = "backend=\"b1\",pool=\"default\"";
        for (String le : new String[] {
            "0.001", "0.002", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1.0", "2.5", "5.0", "10.0",
            "30.0", "60.0", "+Inf"
        }) {
            assertThat(text).contains("reverl_backend_latency_seconds_bucket{" + labels + ",le=\"" + le + "\"}");
        }
        assertThat(text)
                .contains("reverl_backend_latency_seconds_bucket{" + labels + ",le=\"0.002\"} 0")
                .contains("reverl_backend_latency_seconds_bucket{" + labels + ",le=\"0.005\"} 1")
                .contains("reverl_backend_latency_seconds_count{" + labels + "} 1")
                .contains("reverl_backend_latency_seconds_max{" + labels + "} 0.003")
                .doesNotContain("quantile=");
    }
}
