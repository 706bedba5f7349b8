package org.reverl.gateway.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.reverl.gateway.core.HealthCheckConfig;

class ProbeScheduleTest {

    private static final long MS = 1_000_000;

    private static HealthCheckConfig.Builder config() {
        return HealthCheckConfig.builder("tcp")
                .interval(Duration.ofSeconds(2))
                .downInterval(Duration.ofMillis(200))
                .fastInterval(Duration.ofMillis(50));
    }

    @Test
    void interval_followsWhereTheBackendStands() {
        ProbeSchedule s = new ProbeSchedule(config().jitterPercent(0).build(), bound -> 0);

        assertThat(s.baseNanos(false, 5, 0)).as("up, passing").isEqualTo(2000 * MS);
        assertThat(s.baseNanos(false, 0, 1)).as("up, a first failure").isEqualTo(50 * MS);
        assertThat(s.baseNanos(false, 0, 2)).as("up, failing until fall").isEqualTo(50 * MS);
        assertThat(s.baseNanos(true, 0, 1)).as("down, failing").isEqualTo(200 * MS);
        assertThat(s.baseNanos(true, 0, 100_000))
                .as("down for long: the same, nothing grows")
                .isEqualTo(200 * MS);
        assertThat(s.baseNanos(true, 1, 0)).as("down, a first success").isEqualTo(50 * MS);
        assertThat(s.nextDelayNanos(true, 0, 3)).isEqualTo(200 * MS);
    }

    @Test
    void jitter_movesEachDelayBothWays_byAtMostItsShare() {
        HealthCheckConfig c = config().jitterPercent(10).build();
        assertThat(new ProbeSchedule(c, bound -> 0).nextDelayNanos(true, 0, 1)).isEqualTo(180 * MS);
        assertThat(new ProbeSchedule(c, bound -> bound - 1).nextDelayNanos(true, 0, 1))
                .isEqualTo(220 * MS);
        assertThat(new ProbeSchedule(c, bound -> bound - 1).nextDelayNanos(true, 1, 0))
                .isEqualTo(55 * MS);
    }

    @Test
    void defaults_aReturningBackendIsUpWithinHalfASecond() {
        HealthCheckConfig c = HealthCheckConfig.builder("tcp").build();
        ProbeSchedule latest = new ProbeSchedule(c, bound -> bound - 1); // the longest jitter every time
        // worst case: it listens just after a failed probe; the next probe passes, then rise - 1 more at the fast pace
        long worst = latest.nextDelayNanos(true, 0, 1);
        for (int successes = 1; successes < c.rise(); successes++) {
            worst += latest.nextDelayNanos(true, successes, 0);
        }
        assertThat(worst).isEqualTo(275 * MS).isLessThan(500 * MS);
    }
}
