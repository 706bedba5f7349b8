package org.reverl.gateway.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.reverl.gateway.api.Backend;
import org.reverl.gateway.api.RequestContext;
import org.reverl.gateway.api.SelectionStrategy;
import org.reverl.gateway.api.SelectionStrategyProvider;

class ProviderRegistryTest {

    /** A fake provider; subclasses give distinct class names, which break ties. */
    static class FakeProvider implements SelectionStrategyProvider {
        final String name;
        final int priority;
        final boolean available;

        FakeProvider(String name, int priority, boolean available) {
            this.name = name;
            this.priority = priority;
            this.available = available;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public int priority() {
            return priority;
        }

        @Override
        public boolean isAvailable() {
            return available;
        }

        @Override
        public SelectionStrategy create(Map<String, String> options) {
            return new SelectionStrategy() {
                @Override
                public void update(List<Backend> eligible) {}

                @Override
                public Backend select(RequestContext request) {
                    return null;
                }
            };
        }
    }

    static final class OtherProvider extends FakeProvider {
        OtherProvider(String name, int priority, boolean available) {
            super(name, priority, available);
        }
    }

    private static ProviderRegistry registry(SelectionStrategyProvider... providers) {
        return ProviderRegistry.of(List.of(providers), List.of());
    }

    @Test
    void lookup_highestPriorityWins_whateverTheOrder() {
        FakeProvider low = new FakeProvider("fancy", 4, true);
        OtherProvider high = new OtherProvider("fancy", 6, true);

        assertThat(registry(low, high).strategyProvider("fancy")).containsSame(high);
        assertThat(registry(high, low).strategyProvider("fancy")).containsSame(high);
    }

    @Test
    void lookup_unavailableProvider_ignored() {
        FakeProvider available = new FakeProvider("fancy", 4, true);
        OtherProvider unavailable = new OtherProvider("fancy", 9, false);

        assertThat(registry(unavailable, available).strategyProvider("fancy")).containsSame(available);
        assertThat(registry(unavailable).strategyNames()).isEmpty();
    }

    @Test
    void construct_twoClassesSameNameSamePriority_failsNamingBoth() {
        assertThatThrownBy(() -> registry(new FakeProvider("fancy", 5, true), new OtherProvider("fancy", 5, true)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("selection strategy 'fancy'")
                .hasMessageContaining(FakeProvider.class.getName())
                .hasMessageContaining(OtherProvider.class.getName())
                .hasMessageContaining("same priority 5");
    }

    @Test
    void construct_sameClassTwice_countsOnce() {
        FakeProvider a = new FakeProvider("fancy", 5, true);
        FakeProvider b = new FakeProvider("fancy", 5, true);

        assertThat(registry(a, b).strategyNames()).containsExactly("fancy");
    }

    @Test
    void construct_invalidNameOrPriority_failsNamingTheClass() {
        assertThatThrownBy(() -> registry(new FakeProvider("Fancy", 5, true)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("selection strategy provider " + FakeProvider.class.getName()
                        + ": name: 'Fancy' (expected: [a-z][a-z0-9_]*)");
        assertThatThrownBy(() -> registry(new FakeProvider("fancy", 11, true)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("selection strategy provider " + FakeProvider.class.getName()
                        + ": priority: 11 (expected: 0-10)");
    }

    @Test
    void newStrategy_unknownName_listsKnownNames() {
        ProviderRegistry r = registry(new FakeProvider("zeta", 5, true), new OtherProvider("alpha", 5, true));

        assertThat(r.strategyNames()).containsExactly("alpha", "zeta");
        assertThatThrownBy(() -> r.newStrategy("leastconn", Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("unknown selection strategy: 'leastconn' (expected: one of [alpha, zeta]);"
                        + " is the module that provides it on the class path?");
    }

    @Test
    void load_findsRoundRobinFromThePlainClassPath() {
        ProviderRegistry r = ProviderRegistry.load();

        assertThat(r.strategyNames()).contains("round_robin");
        assertThat(r.newStrategy("round_robin", Map.of())).isNotNull();
        assertThatThrownBy(() -> r.newStrategy("round_robin", Map.of("bogus", "1")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("option: 'bogus'");
    }
}
