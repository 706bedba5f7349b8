package com.example.reverl.firsteligible;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.reverl.gateway.api.Gateway;
import org.reverl.gateway.api.LivenessProbeProvider;
import org.reverl.gateway.api.SelectionStrategy;
import org.reverl.gateway.api.SelectionStrategyProvider;
import org.reverl.gateway.core.GatewayConfig;
import org.reverl.gateway.core.Gateways;
import org.reverl.gateway.core.LocalBackend;
import org.reverl.gateway.core.ProviderRegistry;

/** A strategy from a user's own module is found, and used, exactly like Reverl's own. */
class CustomStrategyDiscoveryTest {

    private final List<LocalBackend<Integer, Integer>> started = new ArrayList<>();
    private Gateway<Integer, Integer> gateway;

    @AfterEach
    void tearDown() {
        if (gateway != null) {
            gateway.close();
        }
        started.forEach(LocalBackend::stop);
    }

    private LocalBackend<Integer, Integer> start(String id, int factor) {
        LocalBackend<Integer, Integer> backend = LocalBackend.start(id, x -> factor * x);
        started.add(backend);
        return backend;
    }

    @Test
    void serviceLoader_findsTheUserStrategyNextToReverls() {
        List<String> names = new ArrayList<>();
        for (SelectionStrategyProvider p : ServiceLoader.load(SelectionStrategyProvider.class)) {
            names.add(p.name());
        }
        assertThat(names)
                .contains("first_eligible", "round_robin", "weighted_round_robin", "least_conn")
                .doesNotHaveDuplicates();

        List<String> probes = new ArrayList<>();
        for (LivenessProbeProvider p : ServiceLoader.load(LivenessProbeProvider.class)) {
            probes.add(p.name());
        }
        assertThat(probes).contains("tcp", "process");
    }

    @Test
    void registry_createsEveryStrategyAndProbeByName() {
        ProviderRegistry registry = ProviderRegistry.load();

        assertThat(registry.strategyNames())
                .containsExactly("first_eligible", "least_conn", "round_robin", "weighted_round_robin");
        assertThat(registry.probeNames()).containsExactly("process", "tcp");
        assertThat(registry.strategyProvider("first_eligible")).containsInstanceOf(FirstEligibleStrategyProvider.class);
        for (String name : registry.strategyNames()) {
            SelectionStrategy strategy = registry.newStrategy(name, Map.of());
            assertThat(strategy).as(name).isNotNull();
        }
        assertThat(registry.newStrategy("first_eligible", Map.of())).isInstanceOf(FirstEligibleStrategy.class);
        assertThat(registry.newStrategy("least_conn", Map.of("choice_count", "3")))
                .hasToString("least_conn{choice_count=3, backends=[]}");
        for (String name : registry.probeNames()) {
            assertThat(registry.newProbe(name, Map.of())).as(name).isNotNull();
        }
    }

    @Test
    void registry_badOptions_failWithThePluginsMessage() {
        ProviderRegistry registry = ProviderRegistry.load();
        assertThatThrownBy(() -> registry.newStrategy("first_eligible", Map.of("sticky", "yes")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("strategy 'first_eligible': option: 'sticky' (expected: none)");
        assertThatThrownBy(() -> registry.newStrategy("least_conn", Map.of("choice_count", "11")))
                .hasMessage("strategy 'least_conn': choice_count: 11 (expected: 2-10)");
        assertThatThrownBy(() -> registry.newStrategy("firsteligible", Map.of()))
                .hasMessageStartingWith(
                        "unknown selection strategy: 'firsteligible' (expected: one of [first_eligible,");
    }

    @Test
    void gateway_configuredWithTheUserStrategy_sendsEveryCallToTheActiveBackend() {
        gateway = Gateways.<Integer, Integer>builder()
                .config(GatewayConfig.builder().strategy("first_eligible").build())
                .backend(start("active", 2))
                .backend(start("standby", 3))
                .build();

        for (int i = 0; i < 5; i++) {
            assertThat(gateway.callBlocking(21)).isEqualTo(42);
        }
    }

    @Test
    void gateway_activeStops_theStandbyServes() {
        LocalBackend<Integer, Integer> active = start("active", 2);
        gateway = Gateways.<Integer, Integer>builder()
                .config(GatewayConfig.builder().strategy("first_eligible").build())
                .backend(active)
                .backend(start("standby", 3))
                .build();
        assertThat(gateway.callBlocking(21)).isEqualTo(42);

        active.stop();

        for (int i = 0; i < 3; i++) {
            assertThat(gateway.callBlocking(21)).isEqualTo(63);
        }
    }
}
