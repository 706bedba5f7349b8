package org.reverl.strategy.leastconn;

import java.util.concurrent.atomic.AtomicInteger;
import org.reverl.gateway.api.Backend;
import org.reverl.gateway.api.BackendSpec;
import org.reverl.gateway.api.BackendState;

/** A backend whose in-flight count the test drives; counts how often the strategy reads it. */
final class FakeBackend implements Backend {

    private final BackendSpec spec;
    final AtomicInteger inFlight = new AtomicInteger();
    final AtomicInteger reads = new AtomicInteger();

    FakeBackend(String id, int weight, int inFlight) {
        this.spec = BackendSpec.of(id, "local:" + id).withWeight(weight);
        this.inFlight.set(inFlight);
    }

    @Override
    public BackendSpec spec() {
        return spec;
    }

    @Override
    public BackendState state() {
        return BackendState.UP;
    }

    @Override
    public int inFlight() {
        reads.incrementAndGet();
        return inFlight.get();
    }

    @Override
    public String toString() {
        return spec.id() + "(" + inFlight.get() + "/" + spec.weight() + ")";
    }
}
