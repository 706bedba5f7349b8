package org.reverl.gateway.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.reverl.gateway.api.Attempts;
import org.reverl.gateway.api.BackendEvent;
import org.reverl.gateway.api.BackendSpec;
import org.reverl.gateway.api.BackendState;
import org.reverl.gateway.api.Lease;
import org.reverl.gateway.api.LoadBalancer;
import org.reverl.gateway.api.RequestContext;

/** Outlier ejection through a real load balancer: its control thread, eligible set and events. */
class OutlierEjectionTest {

    private final List<BackendEvent> events = new CopyOnWriteArrayList<>();
    private LoadBalancer lb;

    private LoadBalancer lb(OutlierConfig outlier, String... ids) {
        LoadBalancers.Builder b = LoadBalancers.builder()
                .config(GatewayConfig.builder().outlier(outlier).build())
                .listener(events::add);
        for (String id : ids) {
            b.backend(BackendSpec.of(id, "tcp://127.0.0.1:" + (9000 + ids.length)));
        }
        lb = b.build();
        return lb;
    }

    @AfterEach
    void close() {
        if (lb != null) {
            lb.close();
        }
    }

    /** A lease on backend {@code id}, or null if the load balancer does not pick it within 10 tries. */
    private Lease leaseOn(String id) {
        List<Lease> others = new ArrayList<>();
        try {
            for (int i = 0; i < 10; i++) {
                Lease l = lb.acquire(RequestContext.NONE, new Attempts());
                if (l == null) {
                    return null;
                }
                if (l.backend().id().equals(id)) {
                    return l;
                }
                others.add(l);
            }
            return null;
        } finally {
            others.forEach(Lease::release);
        }
    }

    /** Returns once the control thread ran every task queued so far (it runs them in order). */
    private void afterQueuedControlTasks() {
        LoadBalancers.membership(lb).setWeight("b1", 1); // unchanged: a task that does nothing
    }

    private List<String> eventsOf(BackendEvent.Type type) {
        List<String> out = new ArrayList<>();
        for (BackendEvent e : events) {
            if (e.type() == type) {
                out.add(e.describe());
            }
        }
        return out;
    }

    @Test
    void fiveConsecutive503_ejectTheBackend_itIsNotPicked_thenATrialRestoresIt() {
        lb(OutlierConfig.builder().baseEjectionTime(Duration.ofSeconds(1)).build(), "b1", "b2", "b3");
        for (int i = 0; i < 5; i++) {
            leaseOn("b1").onResponse(503, 1_000_000);
        }
        await().atMost(Duration.ofSeconds(5))
                .until(() -> !eventsOf(BackendEvent.Type.EJECTED).isEmpty());
        assertThat(eventsOf(BackendEvent.Type.EJECTED))
                .containsExactly("backend b1 is ejected: 5 consecutive 5xx (last: 503); out for 1s (ejection 1)");
        assertThat(lb.backend("b1").orElseThrow().state()).isEqualTo(BackendState.EJECTED);
        assertThat(leaseOn("b1")).isNull();

        Lease trial = await().atMost(Duration.ofSeconds(5)).until(() -> leaseOn("b1"), l -> l != null);
        assertThat(lb.backend("b1").orElseThrow().state()).isEqualTo(BackendState.EJECTED); // shown ejected in trial
        trial.onResponse(200, 2_000_000);
        await().atMost(Duration.ofSeconds(5))
                .until(() -> !eventsOf(BackendEvent.Type.RESTORED).isEmpty());
        assertThat(eventsOf(BackendEvent.Type.RESTORED))
                .containsExactly("backend b1 is restored: trial request succeeded (200 in 2.0 ms)");
        assertThat(lb.backend("b1").orElseThrow().state()).isEqualTo(BackendState.UP);
    }

    @Test
    void aFailedTrial_keepsTheBackendOut() {
        lb(
                OutlierConfig.builder()
                        .consecutive5xx(2)
                        .baseEjectionTime(Duration.ofMillis(300))
                        .build(),
                "b1",
                "b2");
        leaseOn("b1").onFailure(1_000, new IOException("reset"));
        leaseOn("b1").onResponse(500, 1_000);
        await().atMost(Duration.ofSeconds(5))
                .until(() -> !eventsOf(BackendEvent.Type.EJECTED).isEmpty());

        Lease trial = await().atMost(Duration.ofSeconds(5)).until(() -> leaseOn("b1"), l -> l != null);
        trial.onResponse(503, 1_000);
        await().atMost(Duration.ofSeconds(5)).until(() -> leaseOn("b1") == null);
        assertThat(eventsOf(BackendEvent.Type.RESTORED)).isEmpty();
        assertThat(lb.backend("b1").orElseThrow().state()).isEqualTo(BackendState.EJECTED);
    }

    @Test
    void theDefaultBound_ejectsOneOfTwo_notBoth() {
        lb(OutlierConfig.builder().consecutive5xx(3).build(), "b1", "b2");
        for (int i = 0; i < 3; i++) {
            leaseOn("b1").onResponse(503, 1_000);
        }
        await().atMost(Duration.ofSeconds(5))
                .until(() -> !eventsOf(BackendEvent.Type.EJECTED).isEmpty());
        for (int i = 0; i < 9; i++) {
            leaseOn("b2").onResponse(503, 1_000);
        }
        afterQueuedControlTasks();
        assertThat(eventsOf(BackendEvent.Type.EJECTED)).hasSize(1);
        assertThat(lb.backend("b2").orElseThrow().state()).isEqualTo(BackendState.UP);
    }

    @Test
    void withoutOutlierSettings_5xxEjectNothing() {
        lb(null, "b1", "b2");
        for (int i = 0; i < 50; i++) {
            leaseOn("b1").onResponse(503, 1_000);
        }
        afterQueuedControlTasks();
        assertThat(eventsOf(BackendEvent.Type.EJECTED)).isEmpty();
        assertThat(lb.backend("b1").orElseThrow().state()).isEqualTo(BackendState.UP);
    }

    @Test
    void reconfiguringOutlierDetectionOff_restoresTheEjected() {
        lb(OutlierConfig.builder().consecutive5xx(2).build(), "b1", "b2", "b3");
        leaseOn("b1").onResponse(502, 1_000);
        leaseOn("b1").onResponse(502, 1_000);
        await().atMost(Duration.ofSeconds(5))
                .until(() -> !eventsOf(BackendEvent.Type.EJECTED).isEmpty());

        LoadBalancers.reconfigure(lb, GatewayConfig.builder().build(), ProviderRegistry.load());
        assertThat(eventsOf(BackendEvent.Type.RESTORED))
                .containsExactly("backend b1 is restored: outlier detection turned off");
        assertThat(leaseOn("b1")).isNotNull();
    }
}
