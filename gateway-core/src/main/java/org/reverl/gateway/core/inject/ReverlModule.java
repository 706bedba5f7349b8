package org.reverl.gateway.core.inject;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.multibindings.MapBinder;
import com.google.inject.multibindings.OptionalBinder;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.reverl.gateway.api.DiscoverySourceProvider;
import org.reverl.gateway.api.LivenessProbeProvider;
import org.reverl.gateway.api.LoadBalancer;
import org.reverl.gateway.api.SelectionStrategyProvider;
import org.reverl.gateway.core.GatewayConfig;
import org.reverl.gateway.core.LoadBalancers;
import org.reverl.gateway.core.ProviderRegistry;

/**
 * Wires the Reverl engine for Guice users. Guice is an optional dependency of {@code reverl-gateway-core}: only users
 * of this module need it on their class path.
 *
 * <h2>Bindings</h2>
 * <ul>
 *   <li>{@code GatewayConfig}: an {@link OptionalBinder} defaulting to {@link GatewayConfig#defaults()}; set your own
 *       with {@code OptionalBinder.newOptionalBinder(binder(), GatewayConfig.class).setBinding().toInstance(...)}.
 *   <li>{@code Map<String, SelectionStrategyProvider>}, {@code Map<String, LivenessProbeProvider>} and {@code
 *       Map<String, DiscoverySourceProvider>}: {@link
 *       MapBinder}s keyed by plugin name, empty by default. Providers bound there are used in addition to those
 *       {@link ServiceLoader} finds, and replace a discovered provider of the same name. The key must equal the
 *       provider's {@code name()}.
 *   <li>{@link ProviderRegistry}: singleton, ServiceLoader's providers plus the bound ones.
 *   <li>{@link LoadBalancer}: singleton, built from the config and the registry on first use; the application closes
 *       it.
 * </ul>
 *
 * <p>The module does no work of its own: nothing is loaded or started before the injector provides it.
 */
public final class ReverlModule extends AbstractModule {

    @Override
    protected void configure() {
        OptionalBinder.newOptionalBinder(binder(), GatewayConfig.class)
                .setDefault()
                .toInstance(GatewayConfig.defaults());
        MapBinder.newMapBinder(binder(), String.class, SelectionStrategyProvider.class);
        MapBinder.newMapBinder(binder(), String.class, LivenessProbeProvider.class);
        MapBinder.newMapBinder(binder(), String.class, DiscoverySourceProvider.class);
    }

    @Provides
    @Singleton
    ProviderRegistry providerRegistry(
            Map<String, SelectionStrategyProvider> strategies,
            Map<String, LivenessProbeProvider> probes,
            Map<String, DiscoverySourceProvider> sources) {
        ClassLoader loader = ReverlModule.class.getClassLoader();
        return ProviderRegistry.of(
                merge(
                        "selection strategy",
                        ServiceLoader.load(SelectionStrategyProvider.class, loader),
                        strategies,
                        SelectionStrategyProvider::name),
                merge(
                        "liveness probe",
                        ServiceLoader.load(LivenessProbeProvider.class, loader),
                        probes,
                        LivenessProbeProvider::name),
                merge(
                        "discovery source",
                        ServiceLoader.load(DiscoverySourceProvider.class, loader),
                        sources,
                        DiscoverySourceProvider::name));
    }

    @Provides
    @Singleton
    LoadBalancer loadBalancer(GatewayConfig config, ProviderRegistry registry) {
        return LoadBalancers.builder().config(config).registry(registry).build();
    }

    private static <P> List<P> merge(
            String kind, Iterable<P> discovered, Map<String, P> bound, java.util.function.Function<P, String> nameOf) {
        List<P> all = new ArrayList<>();
        for (Map.Entry<String, P> e : bound.entrySet()) {
            String name = nameOf.apply(e.getValue());
            if (!e.getKey().equals(name)) {
                throw new IllegalArgumentException(kind + " bound as '" + e.getKey() + "': name: '" + name
                        + "' (expected: the key it is bound under)");
            }
            all.add(e.getValue());
        }
        for (P p : discovered) {
            if (!bound.containsKey(nameOf.apply(p))) {
                all.add(p);
            }
        }
        return all;
    }
}
