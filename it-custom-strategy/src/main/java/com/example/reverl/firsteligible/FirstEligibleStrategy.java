package com.example.reverl.firsteligible;

import static java.util.Objects.requireNonNull;

import java.util.List;
import org.reverl.gateway.api.Backend;
import org.reverl.gateway.api.RequestContext;
import org.reverl.gateway.api.SelectionStrategy;

/**
 * The first eligible backend for a first attempt, the second for the first failover, and so on. {@link #update}
 * publishes an array with one volatile write; {@link #select} reads it once: lock-free, allocation-free, thread-safe.
 */
final class FirstEligibleStrategy implements SelectionStrategy {

    private static final Backend[] EMPTY = new Backend[0];

    private volatile Backend[] backends = EMPTY;

    @Override
    public void update(List<Backend> eligible) {
        backends = requireNonNull(eligible, "eligible").toArray(EMPTY);
    }

    @Override
    public Backend select(RequestContext request) {
        Backend[] snapshot = backends;
        int n = snapshot.length;
        if (n == 0) {
            return null;
        }
        int attempt = Math.max(1, request.attempt());
        return snapshot[Math.min(attempt - 1, n - 1)];
    }

    @Override
    public String toString() {
        return "first_eligible" + List.of(backends);
    }
}
