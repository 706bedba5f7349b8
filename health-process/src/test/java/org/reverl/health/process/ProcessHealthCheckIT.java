package org.reverl.health.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.reverl.gateway.api.BackendEvent;
import org.reverl.gateway.api.BackendSpec;
import org.reverl.gateway.api.BackendState;
import org.reverl.gateway.api.Gateway;
import org.reverl.gateway.api.LoadBalancer;
import org.reverl.gateway.core.GatewayConfig;
import org.reverl.gateway.core.Gateways;
import org.reverl.gateway.core.HealthCheckConfig;
import org.reverl.gateway.core.LoadBalancers;
import org.reverl.gateway.core.LocalBackend;

/** The health state machine with the real {@code process} probe, and local backends through their lifecycle. */
class ProcessHealthCheckIT {

    private final List<BackendEvent> events = new CopyOnWriteArrayList<>();
    private Process child;
    private AutoCloseable closeable;

    @AfterEach
    void tearDown() throws Exception {
        if (closeable != null) {
            closeable.close();
        }
        if (child != null) {
            child.destroyForcibly();
        }
    }

    @Test
    void childProcessKilled_downAtTheNextProbe_oneEvent() throws Exception {
        child = new ProcessBuilder("sleep", "300").start();
        LoadBalancer lb = LoadBalancers.builder()
                .config(GatewayConfig.builder()
                        .healthCheck(HealthCheckConfig.builder("process")
                                .interval(Duration.ofMillis(100))
                                .timeout(Duration.ofMillis(100))
                                .fall(1)
                                .build())
                        .build())
                .listener(events::add)
                .backend(BackendSpec.of("worker", "pid:" + child.pid()))
                .build();
        closeable = lb;
        assertThat(lb.backend("worker").orElseThrow().state()).isEqualTo(BackendState.UP);

        child.destroyForcibly();
        child.waitFor(10, TimeUnit.SECONDS);

        await().atMost(Duration.ofSeconds(5))
                .until(() -> lb.backend("worker").orElseThrow().state() == BackendState.DOWN);
        // events are emitted on the control thread just after the state changes
        await().untilAsserted(() -> assertThat(events)
                .filteredOn(e -> e.type() != BackendEvent.Type.ADDED)
                .extracting(BackendEvent::describe)
                .singleElement()
                .asString()
                .matches("backend worker is down: (exited|no such process)"));
    }

    @Test
    void localBackendStopped_downAtOnce_oneEvent() {
        LocalBackend<Integer, Integer> b1 = LocalBackend.start("b1", x -> 2 * x);
        LocalBackend<Integer, Integer> b2 = LocalBackend.start("b2", x -> 3 * x);
        Gateway<Integer, Integer> gw = Gateways.<Integer, Integer>builder()
                .backend(b1)
                .backend(b2)
                .listener(events::add)
                .build();
        closeable = () -> {
            gw.close();
            b2.stop();
        };

        b1.stop();

        // no waiting: stop() returns after the gateway has taken b1 down
        assertThat(gw.backend("b1").orElseThrow().state()).isEqualTo(BackendState.DOWN);
        assertThat(events)
                .filteredOn(e -> e.type() != BackendEvent.Type.ADDED)
                .extracting(BackendEvent::describe)
                .containsExactly("backend b1 is down: stopped");
        assertThat(gw.callBlocking(1)).isEqualTo(3);
    }
}
