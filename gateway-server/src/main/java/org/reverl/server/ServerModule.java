package org.reverl.server;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.multibindings.OptionalBinder;
import jakarta.inject.Singleton;
import java.nio.file.Path;
import org.reverl.gateway.api.LoadBalancer;
import org.reverl.gateway.core.GatewayConfig;
import org.reverl.gateway.core.ProviderRegistry;
import org.reverl.gateway.core.inject.ReverlModule;
import org.reverl.server.config.ConfigLoader;
import org.reverl.server.config.ReverlConfig;

/**
 * Wires the server with Guice: the engine through {@link ReverlModule} (its {@code GatewayConfig} set from the
 * configuration file), the configuration loader, and the {@link ReverlServer}, not started. Does no work itself.
 *
 * <p>Bindings: {@link ReverlConfig}; {@link GatewayConfig} (through ReverlModule's {@code OptionalBinder});
 * {@link ProviderRegistry} and {@link LoadBalancer} (from ReverlModule); {@link ConfigLoader}; {@link ReverlServer}.
 */
final class ServerModule extends AbstractModule {

    private final ReverlConfig config;
    private final Path configFile;

    /** @param configFile where {@code config} was loaded from, or {@code null} (command-line flags, demo) */
    ServerModule(ReverlConfig config, Path configFile) {
        this.config = config;
        this.configFile = configFile;
    }

    @Override
    protected void configure() {
        install(new ReverlModule());
        bind(ReverlConfig.class).toInstance(config);
        OptionalBinder.newOptionalBinder(binder(), GatewayConfig.class)
                .setBinding()
                .toInstance(config.gateway());
    }

    @Provides
    @Singleton
    ConfigLoader configLoader(ProviderRegistry registry) {
        return new ConfigLoader(registry);
    }

    @Provides
    @Singleton
    ReverlServer server(ReverlConfig config, LoadBalancer lb, ConfigLoader loader) {
        return new ReverlServer(config, configFile, lb, loader);
    }
}
