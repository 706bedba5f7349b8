package org.reverl.gateway.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.reverl.gateway.api.Attempts;
import org.reverl.gateway.api.BackendSpec;
import org.reverl.gateway.api.Lease;
import org.reverl.gateway.api.RequestContext;
import org.reverl.gateway.core.GatewayConfig;
import org.reverl.gateway.core.Membership;
import org.reverl.gateway.core.ProviderRegistry;

/**
 * Slow start on a {@link ManualControlLoop}: a backend new to a pool that serves traffic takes a share growing from a
 * tenth to all over {@code slowStart}, for strategies that follow weights and for those that do not; a pool of only
 * new backends ramps nothing and says why.
 */
class SlowStartTest {

    private static final Duration WINDOW = Duration.ofSeconds(100);
    /** Picks per measurement: the share's standard deviation is below 0.004. */
    private static final int PICKS = 20_000;

    private final ManualControlLoop loop = new ManualControlLoop();
    private DefaultLoadBalancer lb;

    private DefaultLoadBalancer lb(String strategy) {
        GatewayConfig config =
                GatewayConfig.builder().strategy(strategy).slowStart(WINDOW).build();
        lb = new DefaultLoadBalancer(
                config, ProviderRegistry.load().newStrategy(strategy, Map.of()), null, loop.clock(), loop);
        return lb;
    }

    @AfterEach
    void close() {
        if (lb != null) {
            lb.close();
        }
    }

    private void add(String id) {
        lb.add(BackendSpec.of(id, "tcp://127.0.0.1:1").withWeight(10));
    }

    private BackendHandle handle(String id) {
        return (BackendHandle) lb.backend(id).orElseThrow();
    }

    /** The share of {@code n} picks (each released at once) that went to {@code id}. */
    private double share(String id, int n) {
        int hits = 0;
        for (int i = 0; i < n; i++) {
            Lease l = lb.acquire(RequestContext.NONE, new Attempts());
            if (l.backend().id().equals(id)) {
                hits++;
            }
            l.release();
        }
        return hits / (double) n;
    }

    /** A backend at share s next to one full one gets s / (1 + s) of the picks. */
    private static double expected(double s) {
        return s / (1 + s);
    }

    @ParameterizedTest
    @ValueSource(strings = {"round_robin", "least_conn"})
    void newBackend_nextToOneServing_takesATenthAtFirst_halfMidway_allAtTheEnd(String strategy) {
        lb(strategy);
        add("old");
        assertThat(share("old", 10)).isEqualTo(1.0); // the pool serves traffic

        add("new");
        BackendHandle fresh = handle("new");
        assertThat(fresh.effectiveWeight()).isEqualTo(1);
        assertThat(fresh.acceptPermille).isEqualTo(100);
        assertThat(share("new", PICKS)).isCloseTo(expected(0.1), within(0.02));

        loop.advance(WINDOW.dividedBy(2));
        assertThat(fresh.effectiveWeight()).isEqualTo(5);
        assertThat(fresh.acceptPermille).isEqualTo(500);
        assertThat(share("new", PICKS)).isCloseTo(expected(0.5), within(0.02));

        loop.advance(WINDOW.dividedBy(2));
        assertThat(fresh.effectiveWeight()).isEqualTo(10);
        assertThat(fresh.acceptPermille).isEqualTo(SlowStart.FULL);
        assertThat(lb.slowStart.ramping(fresh)).isFalse();
        assertThat(loop.timers())
                .as("the ramp's timer stops with the last ramp")
                .isZero();
        assertThat(share("new", PICKS)).isCloseTo(0.5, within(0.02));
    }

    @Test
    void weightedStrategy_followsTheEffectiveWeight_noPickIsTurnedDown() {
        lb("weighted_round_robin");
        add("old");
        share("old", 10);
        add("new");
        BackendHandle fresh = handle("new");
        assertThat(fresh.acceptPermille).isEqualTo(SlowStart.FULL);
        // weights 10 and 1: exactly 1 of every 11 picks over whole cycles
        assertThat(share("new", 11 * 1000)).isEqualTo(1 / 11.0, within(1e-9));
        loop.advance(WINDOW);
        assertThat(share("new", 2000)).isEqualTo(0.5);
    }

    @Test
    void allNew_atStart_nothingRamps_andTheReasonIsGiven() {
        lb("round_robin");
        add("b1");
        add("b2");
        add("b3");
        for (String id : List.of("b1", "b2", "b3")) {
            assertThat(handle(id).effectiveWeight()).isEqualTo(10);
            assertThat(handle(id).acceptPermille).isEqualTo(SlowStart.FULL);
            assertThat(lb.slowStart.ramping(handle(id))).isFalse();
        }
        assertThat(lb.slowStart.lastSkip())
                .isEqualTo("slow start skipped for [b3]: no backend in rotation serves at full share yet (the pool"
                        + " starts, or every backend in it is new)");
        assertThat(share("b2", 3000)).isEqualTo(1 / 3.0, within(1e-9));
    }

    @Test
    void allNew_everyMemberReplaced_rampsEndWhenNoFullBackendIsLeft() {
        lb("round_robin");
        Membership m = lb;
        m.reconcile(
                "config",
                List.of(BackendSpec.of("b1", "tcp://127.0.0.1:1"), BackendSpec.of("b2", "tcp://127.0.0.1:2")));
        share("b1", 10);
        m.reconcile(
                "config",
                List.of(BackendSpec.of("b1", "tcp://127.0.0.1:3"), BackendSpec.of("b2", "tcp://127.0.0.1:4")));

        assertThat(handle("b1").address()).isEqualTo("tcp://127.0.0.1:3");
        assertThat(lb.slowStart.ramping(handle("b1"))).isFalse();
        assertThat(lb.slowStart.ramping(handle("b2"))).isFalse();
        assertThat(handle("b1").acceptPermille).isEqualTo(SlowStart.FULL);
        assertThat(lb.slowStart.lastSkip()).startsWith("slow start ended for [b1]: no backend in rotation serves");
        assertThat(share("b1", 2000)).isEqualTo(0.5);
    }

    @Test
    void newBackend_whoseOnlyFullNeighbourGoesAway_endsItsRamp() {
        lb("round_robin");
        add("old");
        share("old", 10);
        add("new");
        assertThat(lb.slowStart.ramping(handle("new"))).isTrue();
        lb.maintenance("old");
        assertThat(lb.slowStart.ramping(handle("new"))).isFalse();
        assertThat(handle("new").effectiveWeight()).isEqualTo(10);
        assertThat(lb.slowStart.lastSkip()).startsWith("slow start ended for [new]");
        assertThat(share("new", 100)).isEqualTo(1.0);
    }

    @Test
    void returningBackend_rampsItsWeightFromATenthToFull_evenAlone() {
        lb("round_robin");
        add("b1");
        BackendHandle b1 = handle("b1");
        assertThat(b1.effectiveWeight()).isEqualTo(10); // added up: no ramp
        lb.eject(b1, Duration.ofSeconds(1), "outlier");
        loop.advance(Duration.ofSeconds(1));
        assertThat(lb.slowStart.ramping(b1)).isTrue();
        assertThat(b1.effectiveWeight()).isEqualTo(1);
        assertThat(b1.acceptPermille).as("alone: no pick is turned down").isEqualTo(SlowStart.FULL);

        loop.advance(Duration.ofSeconds(50));
        assertThat(b1.effectiveWeight()).isEqualTo(5);
        loop.advance(Duration.ofSeconds(60));
        assertThat(b1.effectiveWeight()).isEqualTo(10);
        assertThat(lb.slowStart.ramping(b1)).isFalse();
    }

    @Test
    void zeroWindow_noRamp() {
        GatewayConfig config = GatewayConfig.builder().build();
        lb = new DefaultLoadBalancer(
                config, ProviderRegistry.load().newStrategy("round_robin", Map.of()), null, loop.clock(), loop);
        add("old");
        share("old", 10);
        add("new");
        assertThat(handle("new").effectiveWeight()).isEqualTo(10);
        assertThat(handle("new").acceptPermille).isEqualTo(SlowStart.FULL);
        assertThat(lb.slowStart.lastSkip()).isEmpty();
    }
}
