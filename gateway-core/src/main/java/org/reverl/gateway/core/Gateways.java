package org.reverl.gateway.core;

import static java.util.Objects.requireNonNull;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.reverl.gateway.api.BackendEventListener;
import org.reverl.gateway.api.Endpoint;
import org.reverl.gateway.api.Gateway;
import org.reverl.gateway.core.internal.DefaultGateway;

/**
 * Builds {@link Gateway}s.
 *
 * <pre>{@code
 * Gateway<Integer, Integer> gw = Gateways.<Integer, Integer>builder()
 *         .backend(LocalBackend.start("b1", x -> 2 * x))
 *         .backend(LocalBackend.start("b2", x -> 3 * x))
 *         .listener(e -> System.out.println(e.describe()))
 *         .build();
 * }</pre>
 */
public final class Gateways {

    private Gateways() {}

    /** A new builder with the defaults. */
    public static <Q, R> Builder<Q, R> builder() {
        return new Builder<>();
    }

    /**
     * Builds a {@link Gateway}. Not thread-safe.
     *
     * @param <Q> the request type
     * @param <R> the response type
     */
    public static final class Builder<Q, R> {
        private GatewayConfig config = GatewayConfig.defaults();
        private ProviderRegistry registry;
        private Clock clock = Clock.systemUTC();
        private final List<Endpoint<Q, R>> backends = new ArrayList<>();
        private final List<BackendEventListener> listeners = new ArrayList<>();

        private Builder() {}

        /** The configuration. Default {@link GatewayConfig#defaults()}. */
        public Builder<Q, R> config(GatewayConfig config) {
            this.config = requireNonNull(config, "config");
            return this;
        }

        /** Where strategies are found by name. Default {@link ProviderRegistry#load()}. */
        public Builder<Q, R> registry(ProviderRegistry registry) {
            this.registry = requireNonNull(registry, "registry");
            return this;
        }

        /** The clock that stamps events. Default the system clock. */
        public Builder<Q, R> clock(Clock clock) {
            this.clock = requireNonNull(clock, "clock");
            return this;
        }

        /** A backend to start with. */
        public Builder<Q, R> backend(Endpoint<Q, R> endpoint) {
            backends.add(requireNonNull(endpoint, "endpoint"));
            return this;
        }

        /** A listener subscribed before the first backend is added, so it sees every event. */
        public Builder<Q, R> listener(BackendEventListener listener) {
            listeners.add(requireNonNull(listener, "listener"));
            return this;
        }

        /**
         * Builds and starts the gateway.
         *
         * @throws IllegalArgumentException if the strategy is unknown or its options are invalid, or two backends share
         *     an id
         */
        public Gateway<Q, R> build() {
            List<Endpoint<Q, R>> initial = List.copyOf(backends);
            DefaultGateway<Q, R>[] holder = newHolder();
            LoadBalancers.start(config, registry, clock, listeners, lb -> {
                holder[0] = new DefaultGateway<>(lb);
                initial.forEach(holder[0]::add);
            });
            return holder[0];
        }

        @SuppressWarnings("unchecked")
        private static <Q, R> DefaultGateway<Q, R>[] newHolder() {
            return (DefaultGateway<Q, R>[]) new DefaultGateway<?, ?>[1];
        }
    }
}
