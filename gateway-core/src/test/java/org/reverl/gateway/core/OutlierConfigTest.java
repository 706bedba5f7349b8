package org.reverl.gateway.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class OutlierConfigTest {

    @Test
    void defaults_areEnvoys() {
        OutlierConfig d = OutlierConfig.defaults();
        assertThat(d.consecutive5xx()).isEqualTo(5);
        assertThat(d.consecutiveGatewayFailure()).isZero();
        assertThat(d.baseEjectionTime()).isEqualTo(Duration.ofSeconds(30));
        assertThat(d.maxEjectionTime()).isEqualTo(Duration.ofSeconds(300));
        assertThat(d.maxEjectionPercent()).isEqualTo(10);
        assertThat(d.latency()).isNull();
        assertThat(GatewayConfig.defaults().outlier()).isNull(); // off unless configured
    }

    @Test
    void ejectionTime_growsWithTheCount_upToTheMaximum() {
        OutlierConfig c = OutlierConfig.builder()
                .baseEjectionTime(Duration.ofSeconds(30))
                .maxEjectionTime(Duration.ofSeconds(100))
                .build();
        assertThat(c.ejectionTime(1)).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.ejectionTime(3)).isEqualTo(Duration.ofSeconds(90));
        assertThat(c.ejectionTime(4)).isEqualTo(Duration.ofSeconds(100));
        assertThat(c.ejectionTime(1000)).isEqualTo(Duration.ofSeconds(100));
    }

    @Test
    void maxEjected_roundsDown_atLeastOneUnlessZero() {
        OutlierConfig c = OutlierConfig.builder().maxEjectionPercent(30).build();
        assertThat(c.maxEjected(0)).isZero();
        assertThat(c.maxEjected(1)).isEqualTo(1);
        assertThat(c.maxEjected(3)).isEqualTo(1);
        assertThat(c.maxEjected(7)).isEqualTo(2);
        assertThat(c.maxEjected(10)).isEqualTo(3);
        assertThat(OutlierConfig.builder().maxEjectionPercent(100).build().maxEjected(4))
                .isEqualTo(4);
        assertThat(OutlierConfig.builder().maxEjectionPercent(0).build().maxEjected(50))
                .isZero();
    }

    @Test
    void badValues_nameTheFieldTheValueAndTheRule() {
        assertThatThrownBy(() -> new OutlierConfig.Latency(0.5, Duration.ofSeconds(10), 20))
                .hasMessage("outlier.latency.factor: 0.5 (expected: > 1)");
        assertThatThrownBy(() -> new OutlierConfig.Latency(Double.NaN, Duration.ofSeconds(10), 20))
                .hasMessage("outlier.latency.factor: NaN (expected: > 1)");
        assertThatThrownBy(() -> new OutlierConfig.Latency(2, Duration.ZERO, 20))
                .hasMessage("outlier.latency.window: PT0S (expected: >= 1ms)");
        assertThatThrownBy(() -> new OutlierConfig.Latency(2, Duration.ofSeconds(1), 0))
                .hasMessage("outlier.latency.minRequests: 0 (expected: 1-1000000)");
        assertThatThrownBy(() -> OutlierConfig.builder().consecutive5xx(-1))
                .hasMessage("outlier.consecutive5xx: -1 (expected: 0-10000)");
        assertThatThrownBy(() -> OutlierConfig.builder().maxEjectionPercent(101))
                .hasMessage("outlier.maxEjectionPercent: 101 (expected: 0-100)");
        assertThatThrownBy(() -> OutlierConfig.builder().baseEjectionTime(Duration.ofNanos(10)))
                .hasMessage("outlier.baseEjectionTime: PT0.00000001S (expected: >= 1ms)");
        assertThatThrownBy(() -> OutlierConfig.builder()
                        .baseEjectionTime(Duration.ofMinutes(1))
                        .maxEjectionTime(Duration.ofSeconds(30))
                        .build())
                .hasMessage("outlier.maxEjectionTime: PT30S (expected: >= outlier.baseEjectionTime (PT1M))");
        assertThatThrownBy(() -> OutlierConfig.builder().consecutive5xx(0).build())
                .hasMessage("outlier: consecutive5xx 0, consecutiveGatewayFailure 0, no latency"
                        + " (expected: at least one detector on)");
    }
}
