package org.reverl.gateway.core;

import static java.util.Objects.requireNonNull;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.reverl.gateway.api.BackendEventListener;
import org.reverl.gateway.api.BackendSpec;
import org.reverl.gateway.api.LoadBalancer;
import org.reverl.gateway.core.internal.DefaultLoadBalancer;

/**
 * Builds {@link LoadBalancer}s: the engine for transports that send requests themselves, such as the HTTP proxy.
 *
 * <pre>{@code
 * LoadBalancer lb = LoadBalancers.builder()
 *         .config(GatewayConfig.builder().strategy("least_conn").build())
 *         .backend(BackendSpec.of("web-1", "http://10.0.0.1:8080"))
 *         .build();
 * }</pre>
 */
public final class LoadBalancers {

    private LoadBalancers() {}

    /**
     * The membership path of a load balancer built here (or by {@code ReverlModule}): reconcile, upsert, weight changes
     * and identity-checked removal, all serialized with {@link LoadBalancer#add} and {@link LoadBalancer#remove}.
     *
     * @throws IllegalArgumentException if {@code lb} was not built by Reverl
     */
    public static Membership membership(LoadBalancer lb) {
        requireNonNull(lb, "lb");
        if (lb instanceof Membership) {
            return (Membership) lb;
        }
        throw new IllegalArgumentException(
                "load balancer: " + lb + " (expected: one built by LoadBalancers or ReverlModule)");
    }

    /**
     * Applies new engine settings to a running load balancer built here: strategy and its options, health checking,
     * circuit breakers, retry budget, slow start and panic threshold. Members and their counters stay; see the
     * README's reload table for what each change does to backends in flight.
     *
     * @throws IllegalArgumentException if a plugin name or option is invalid, the name differs, or a member's address
     *     cannot be checked by the new probe; then nothing is changed
     */
    public static void reconfigure(LoadBalancer lb, GatewayConfig next, ProviderRegistry registry) {
        requireNonNull(next, "next");
        if (!(lb instanceof DefaultLoadBalancer)) {
            throw new IllegalArgumentException(
                    "load balancer: " + lb + " (expected: one built by LoadBalancers or ReverlModule)");
        }
        DefaultLoadBalancer d = (DefaultLoadBalancer) lb;
        if (!next.name().equals(d.name())) {
            throw new IllegalArgumentException(
                    "name: '" + next.name() + "' (expected: the running name '" + d.name() + "')");
        }
        ProviderRegistry r = registry != null ? registry : ProviderRegistry.load();
        HealthCheckConfig hc = next.healthCheck();
        d.reconfigure(
                next,
                r.newStrategy(next.strategy(), next.strategyOptions()),
                hc == null ? null : r.newProbe(hc.probe(), hc.probeOptions()));
    }

    /** A new builder with the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds a {@link LoadBalancer}. Not thread-safe. */
    public static final class Builder {
        private GatewayConfig config = GatewayConfig.defaults();
        private ProviderRegistry registry;
        private Clock clock = Clock.systemUTC();
        private final List<BackendSpec> backends = new ArrayList<>();
        private final List<BackendEventListener> listeners = new ArrayList<>();
        private boolean logEvents = true;

        private Builder() {}

        /** The configuration. Default {@link GatewayConfig#defaults()}. */
        public Builder config(GatewayConfig config) {
            this.config = requireNonNull(config, "config");
            return this;
        }

        /** Where strategies are found by name. Default {@link ProviderRegistry#load()}. */
        public Builder registry(ProviderRegistry registry) {
            this.registry = requireNonNull(registry, "registry");
            return this;
        }

        /** The clock that stamps events. Default the system clock. */
        public Builder clock(Clock clock) {
            this.clock = requireNonNull(clock, "clock");
            return this;
        }

        /** A backend to start with. */
        public Builder backend(BackendSpec spec) {
            backends.add(requireNonNull(spec, "spec"));
            return this;
        }

        /** A listener subscribed before the first backend is added, so it sees every event. */
        public Builder listener(BackendEventListener listener) {
            listeners.add(requireNonNull(listener, "listener"));
            return this;
        }

        /**
         * Whether each backend event (added, ejected, restored...) is logged, one line each. Default {@code true};
         * {@code false} leaves the events to the listeners, for a load balancer that is not the operator's concern
         * (the server's warm-up, which ejects a backend of its own on purpose).
         */
        public Builder logEvents(boolean logEvents) {
            this.logEvents = logEvents;
            return this;
        }

        /**
         * Builds and starts the load balancer.
         *
         * @throws IllegalArgumentException if the strategy is unknown or its options are invalid, or two backends share
         *     an id
         */
        public LoadBalancer build() {
            return start(config, registry, clock, listeners, lb -> {
                lb.logEvents(logEvents);
                backends.forEach(lb::add);
            });
        }
    }

    static DefaultLoadBalancer start(
            GatewayConfig config,
            ProviderRegistry registry,
            Clock clock,
            List<BackendEventListener> listeners,
            java.util.function.Consumer<DefaultLoadBalancer> populate) {
        ProviderRegistry r = registry != null ? registry : ProviderRegistry.load();
        HealthCheckConfig hc = config.healthCheck();
        DefaultLoadBalancer lb = new DefaultLoadBalancer(
                config,
                r.newStrategy(config.strategy(), config.strategyOptions()),
                hc == null ? null : r.newProbe(hc.probe(), hc.probeOptions()),
                clock);
        try {
            listeners.forEach(lb::addListener);
            populate.accept(lb);
            return lb;
        } catch (RuntimeException e) {
            lb.close();
            throw e;
        }
    }
}
