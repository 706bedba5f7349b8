package org.reverl.gateway.core.inject;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.inject.AbstractModule;
import com.google.inject.CreationException;
import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.ProvisionException;
import com.google.inject.multibindings.MapBinder;
import com.google.inject.multibindings.OptionalBinder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.reverl.gateway.api.Attempts;
import org.reverl.gateway.api.Backend;
import org.reverl.gateway.api.BackendSpec;
import org.reverl.gateway.api.Lease;
import org.reverl.gateway.api.LoadBalancer;
import org.reverl.gateway.api.RequestContext;
import org.reverl.gateway.api.SelectionStrategy;
import org.reverl.gateway.api.SelectionStrategyProvider;
import org.reverl.gateway.core.GatewayConfig;
import org.reverl.gateway.core.ProviderRegistry;

class ReverlModuleTest {

    /** Always the last eligible backend: easy to tell apart from round robin. */
    static final class LastProvider implements SelectionStrategyProvider {
        @Override
        public String name() {
            return "last";
        }

        @Override
        public SelectionStrategy create(Map<String, String> options) {
            return new SelectionStrategy() {
                private volatile List<Backend> eligible = List.of();

                @Override
                public void update(List<Backend> eligible) {
                    this.eligible = eligible;
                }

                @Override
                public Backend select(RequestContext request) {
                    List<Backend> e = eligible;
                    return e.isEmpty() ? null : e.get(e.size() - 1);
                }
            };
        }
    }

    @Test
    void defaults_roundRobinFromServiceLoader() {
        Injector injector = Guice.createInjector(new ReverlModule());
        try (LoadBalancer lb = injector.getInstance(LoadBalancer.class)) {
            assertThat(injector.getInstance(ProviderRegistry.class).strategyNames())
                    .contains("round_robin");
            assertThat(injector.getInstance(LoadBalancer.class)).isSameAs(lb);
            assertThat(lb.name()).isEqualTo("reverl");
        }
    }

    @Test
    void userModule_bindsItsOwnStrategyAndConfig() {
        Injector injector = Guice.createInjector(new ReverlModule(), new AbstractModule() {
            @Override
            protected void configure() {
                MapBinder.newMapBinder(binder(), String.class, SelectionStrategyProvider.class)
                        .addBinding("last")
                        .to(LastProvider.class);
                OptionalBinder.newOptionalBinder(binder(), GatewayConfig.class)
                        .setBinding()
                        .toInstance(GatewayConfig.builder()
                                .name("edge")
                                .strategy("last")
                                .build());
            }
        });
        try (LoadBalancer lb = injector.getInstance(LoadBalancer.class)) {
            lb.add(BackendSpec.of("b1", "tcp://127.0.0.1:9001"));
            lb.add(BackendSpec.of("b2", "tcp://127.0.0.1:9002"));
            Lease lease = lb.acquire(RequestContext.NONE, new Attempts());
            assertThat(lease.backend().id()).isEqualTo("b2");
            lease.release();
            assertThat(lb.name()).isEqualTo("edge");
        }
    }

    @Test
    void providerBoundUnderAnotherName_failsClearly() {
        Injector injector = Guice.createInjector(new ReverlModule(), new AbstractModule() {
            @Override
            protected void configure() {
                MapBinder.newMapBinder(binder(), String.class, SelectionStrategyProvider.class)
                        .addBinding("first")
                        .to(LastProvider.class);
            }
        });
        assertThatThrownBy(() -> injector.getInstance(ProviderRegistry.class))
                .isInstanceOf(ProvisionException.class)
                .hasMessageContaining(
                        "selection strategy bound as 'first': name: 'last' (expected: the key it is bound under)");
    }

    @Test
    void duplicateKeys_failWhenTheInjectorIsCreated() {
        assertThatThrownBy(() -> Guice.createInjector(new ReverlModule(), new AbstractModule() {
                    @Override
                    protected void configure() {
                        MapBinder<String, SelectionStrategyProvider> b =
                                MapBinder.newMapBinder(binder(), String.class, SelectionStrategyProvider.class);
                        b.addBinding("last").to(LastProvider.class);
                        b.addBinding("last").toInstance(new LastProvider());
                    }
                }))
                .isInstanceOf(CreationException.class);
    }
}
