package org.reverl.gateway.core.internal;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.reverl.gateway.api.Backend;
import org.reverl.gateway.api.BackendSpec;
import org.reverl.gateway.api.LoadBalancer;
import org.reverl.gateway.api.SelectionStrategy;
import org.reverl.gateway.core.GatewayConfig;
import org.reverl.gateway.core.LoadBalancers;

/** Builds the load balancers the benchmarks measure. */
final class Fleet {

    /** Appended to a strategy name in a {@code strategy} parameter: backends get random weights 1-100. */
    static final String RANDOM_WEIGHTS = ":random_weights";

    private Fleet() {}

    /**
     * A started load balancer with {@code backends} members, named {@code b0, b1, ...}.
     *
     * @param strategy a strategy name, optionally followed by {@link #RANDOM_WEIGHTS}; otherwise every weight is 1
     */
    static DefaultLoadBalancer loadBalancer(String strategy, int backends) {
        return loadBalancer(strategy, Map.of(), backends);
    }

    /** As {@link #loadBalancer(String, int)}, with the strategy's options. */
    static DefaultLoadBalancer loadBalancer(String strategy, Map<String, String> options, int backends) {
        boolean randomWeights = strategy.endsWith(RANDOM_WEIGHTS);
        String name = randomWeights ? strategy.substring(0, strategy.length() - RANDOM_WEIGHTS.length()) : strategy;
        SplittableRandom random = new SplittableRandom(42); // the same weights on every run
        LoadBalancers.Builder builder = LoadBalancers.builder()
                .config(GatewayConfig.builder()
                        .name("bench")
                        .strategy(name, options)
                        .build());
        for (int i = 0; i < backends; i++) {
            int weight = randomWeights ? 1 + random.nextInt(100) : 1;
            builder.backend(new BackendSpec("b" + i, "local:b" + i, weight, Map.of()));
        }
        LoadBalancer lb = builder.build();
        return (DefaultLoadBalancer) lb;
    }

    /**
     * Reports one outcome per backend (latencies 1-2 ms), then, 2 ms later, one more for the first backend: a
     * latency-aware strategy then holds an estimate of every backend and a clock past their samples, so its picks decay
     * estimates as they would in steady state. Strategies that ignore outcomes are unchanged.
     */
    static void reportOutcomes(SelectionStrategy strategy, List<Backend> backends) {
        SplittableRandom random = new SplittableRandom(7);
        for (Backend b : backends) {
            strategy.onCompleted(b, TimeUnit.MILLISECONDS.toNanos(1) + random.nextLong(1_000_000), false);
        }
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
        strategy.onCompleted(backends.get(0), TimeUnit.MILLISECONDS.toNanos(1), false);
    }
}
