package org.reverl.strategy.roundrobin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.reverl.gateway.api.Backend;
import org.reverl.gateway.api.RequestContext;
import org.reverl.gateway.api.SelectionStrategy;
import org.reverl.gateway.api.SelectionStrategyProvider;
import org.reverl.gateway.testing.FakeBackend;

class RoundRobinStrategyTest {

    private static SelectionStrategy create(Map<String, String> options) {
        return new RoundRobinStrategyProvider().create(options);
    }

    @Test
    void select_startsAtFirstAndCyclesInOrder() {
        SelectionStrategy rr = create(Map.of());
        List<Backend> b = FakeBackend.list("b1", "b2", "b3");
        rr.update(b);

        List<Backend> picks = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            picks.add(rr.select(RequestContext.NONE));
        }

        assertThat(picks).containsExactly(b.get(0), b.get(1), b.get(2), b.get(0), b.get(1), b.get(2), b.get(0));
    }

    @Test
    void select_noBackends_returnsNull() {
        SelectionStrategy rr = create(Map.of());
        assertThat(rr.select(RequestContext.NONE)).isNull();
        rr.update(FakeBackend.list("b1"));
        rr.update(List.of());
        assertThat(rr.select(RequestContext.NONE)).isNull();
    }

    @Test
    void select_afterIntOverflow_staysInRangeAndFair() throws Exception {
        RoundRobinStrategy rr = (RoundRobinStrategy) create(Map.of());
        List<Backend> b = FakeBackend.list("b1", "b2", "b3");
        rr.update(b);
        Field f = RoundRobinStrategy.class.getDeclaredField("sequence");
        f.setAccessible(true);
        ((AtomicInteger) f.get(rr)).set(Integer.MAX_VALUE - 5);

        Map<Backend, Integer> counts = new HashMap<>();
        for (int i = 0; i < 30; i++) {
            counts.merge(rr.select(RequestContext.NONE), 1, Integer::sum);
        }

        assertThat(counts)
                .containsOnlyKeys(b)
                .allSatisfy((k, v) -> assertThat(v).isBetween(9, 11));
    }

    @Test
    void select_randomStart_visitsEveryBackendOncePerCycle() {
        SelectionStrategy rr = create(Map.of("start", "random"));
        List<Backend> b = FakeBackend.list("b1", "b2", "b3", "b4", "b5");
        rr.update(b);
        for (int cycle = 0; cycle < 4; cycle++) {
            List<Backend> picks = new ArrayList<>();
            for (int i = 0; i < b.size(); i++) {
                picks.add(rr.select(RequestContext.NONE));
            }
            assertThat(picks).containsExactlyInAnyOrderElementsOf(b);
        }
    }

    @Test
    void create_unknownOption_rejectedWithTheOptionAndValidOnes() {
        assertThatThrownBy(() -> create(Map.of("weighted", "true")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("strategy 'round_robin': option: 'weighted' (expected: one of [start])");
    }

    @Test
    void create_badStart_rejected() {
        assertThatThrownBy(() -> create(Map.of("start", "middle")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("strategy 'round_robin': start: 'middle' (expected: first or random)");
    }

    @Test
    void serviceLoader_findsRoundRobinByName() {
        List<String> names = new ArrayList<>();
        for (SelectionStrategyProvider p : ServiceLoader.load(SelectionStrategyProvider.class)) {
            names.add(p.name());
            if (p.name().equals("round_robin")) {
                assertThat(p).isInstanceOf(RoundRobinStrategyProvider.class);
                assertThat(p.isAvailable()).isTrue();
                assertThat(p.priority()).isEqualTo(5);
            }
        }
        assertThat(names).contains("round_robin");
    }
}
