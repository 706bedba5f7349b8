package org.reverl.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reverl.gateway.core.OutlierConfig;
import org.reverl.gateway.core.ProviderRegistry;

/** The {@code outlier:} section of the configuration file. */
class OutlierConfigLoaderTest {

    private static final String BASE = """
            listeners: [ { address: 127.0.0.1:8080 } ]
            backends: [ { id: b1, address: 127.0.0.1:9001 } ]
            """;

    private final ConfigLoader loader = new ConfigLoader(ProviderRegistry.load());

    @TempDir
    Path dir;

    private OutlierConfig outlier(String section) throws ConfigException {
        return loader.parse(BASE + section, "reverl.yaml", dir).gateway().outlier();
    }

    private void assertErrors(String section, String... errors) {
        assertThatThrownBy(() -> outlier(section))
                .isInstanceOfSatisfying(
                        ConfigException.class, e -> assertThat(e.errors()).containsExactlyInAnyOrder(errors));
    }

    @Test
    void withoutTheSection_outlierDetectionIsOff() throws Exception {
        assertThat(outlier("")).isNull();
    }

    @Test
    void anEmptySection_turnsItOnWithTheDefaults() throws Exception {
        assertThat(outlier("outlier: {}\n")).isEqualTo(OutlierConfig.defaults());
    }

    @Test
    void everyKey_isApplied() throws Exception {
        OutlierConfig c = outlier("""
                outlier:
                  consecutive5xx: 7
                  consecutiveGatewayFailure: 3
                  baseEjectionTime: 10s
                  maxEjectionTime: 2m
                  maxEjectionPercent: 50
                  latency: { factor: 2.5, window: 30s, minRequests: 50 }
                """);
        assertThat(c)
                .isEqualTo(new OutlierConfig(
                        7,
                        3,
                        Duration.ofSeconds(10),
                        Duration.ofMinutes(2),
                        50,
                        new OutlierConfig.Latency(2.5, Duration.ofSeconds(30), 50)));
    }

    @Test
    void latencyAlone_withItsDefaults() throws Exception {
        OutlierConfig c = outlier("outlier: { consecutive5xx: 0, latency: {} }\n");
        assertThat(c.consecutive5xxEnabled()).isFalse();
        assertThat(c.latency()).isEqualTo(OutlierConfig.Latency.defaults());
    }

    @Test
    void badValues_areReportedWithTheirPath() {
        assertErrors("outlier: { latency: { factor: 0.5 } }\n", "outlier.latency.factor: 0.5 (expected: > 1)");
        assertErrors(
                "outlier: { baseEjectionTime: 1m, maxEjectionTime: 30s }\n",
                "outlier.maxEjectionTime: PT30S (expected: >= outlier.baseEjectionTime (PT1M))");
        assertErrors(
                "outlier: { consecutive5xx: 0 }\n",
                "outlier: consecutive5xx 0, consecutiveGatewayFailure 0, no latency (expected: at least one detector"
                        + " on)");
        assertErrors(
                "outlier: { maxEjectionPercent: 150, consecutive5xx: five, interval: 10s, latency: { minRequest: 5 } }\n",
                "outlier.maxEjectionPercent: 150 (expected: an integer 0-100)",
                "outlier.consecutive5xx: \"five\" (expected: an integer 0-10000)",
                "outlier.interval: unknown key (expected: one of [baseEjectionTime, consecutive5xx,"
                        + " consecutiveGatewayFailure, latency, maxEjectionPercent, maxEjectionTime])",
                "outlier.latency.minRequest: unknown key (expected: one of [factor, minRequests, window])");
        assertErrors(
                "outlier: { baseEjectionTime: 0s }\n",
                "outlier.baseEjectionTime: \"0s\" (expected: a positive duration such as 500ms, 2s, 1m or PT2S)");
    }
}
