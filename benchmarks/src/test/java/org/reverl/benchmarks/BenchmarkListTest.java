package org.reverl.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Fails the build when JMH's annotation processor did not run (JDK 23+ skips processors found on the class path). */
class BenchmarkListTest {

    @Test
    void benchmarkList_listsEveryBenchmark() throws IOException {
        String list;
        try (InputStream in = getClass().getResourceAsStream("/META-INF/BenchmarkList")) {
            assertThat(in)
                    .as("META-INF/BenchmarkList (written by jmh-generator-annprocess)")
                    .isNotNull();
            list = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertThat(list)
                .contains("org.reverl.gateway.core.internal.PickBenchmark")
                .contains("org.reverl.gateway.core.internal.LeaseBenchmark")
                .contains("org.reverl.gateway.core.internal.BreakerBenchmark")
                .contains("org.reverl.gateway.core.internal.GatewayCallBenchmark")
                .contains("org.reverl.server.metrics.BackendMetersBenchmark")
                .contains("org.reverl.benchmarks.BaselineBenchmark");
    }
}
