package org.reverl.strategy.roundrobin;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.reverl.gateway.api.Backend;
import org.reverl.gateway.api.RequestContext;
import org.reverl.gateway.api.SelectionStrategy;

/**
 * Round robin over the eligible backends, ignoring weights. {@link #select} is one volatile read, one atomic increment
 * and an array index: lock-free and allocation-free. Thread-safe.
 */
final class RoundRobinStrategy implements SelectionStrategy {

    private static final Backend[] EMPTY = new Backend[0];

    private final AtomicInteger sequence;
    private volatile Backend[] backends = EMPTY;

    RoundRobinStrategy(int start) {
        this.sequence = new AtomicInteger(start);
    }

    @Override
    public void update(List<Backend> eligible) {
        backends = requireNonNull(eligible, "eligible").toArray(EMPTY);
    }

    @Override
    public Backend select(RequestContext request) {
        Backend[] snapshot = backends; // the one volatile read
        int n = snapshot.length;
        if (n == 0) {
            return null;
        }
        // Masking keeps the index non-negative after the counter wraps past Integer.MAX_VALUE.
        return snapshot[(sequence.getAndIncrement() & Integer.MAX_VALUE) % n];
    }

    @Override
    public String toString() {
        return "round_robin" + List.of(backends);
    }
}
