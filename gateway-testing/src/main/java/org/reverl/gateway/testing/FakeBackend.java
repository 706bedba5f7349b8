package org.reverl.gateway.testing;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.reverl.gateway.api.Backend;
import org.reverl.gateway.api.BackendSpec;
import org.reverl.gateway.api.BackendState;

/**
 * A {@link Backend} whose state, in-flight count and effective weight a test sets, for testing strategies and probes
 * without a gateway. It also counts how often a strategy reads its in-flight count.
 *
 * <pre>{@code
 * FakeBackend a = FakeBackend.of("a").inFlight(3);
 * FakeBackend b = FakeBackend.of("b", 5);          // weight 5
 * strategy.update(List.of(a, b));
 * }</pre>
 *
 * <p>Thread-safe: the live values are atomics, so concurrency tests may drive them from several threads.
 */
public final class FakeBackend implements Backend {

    private final BackendSpec spec;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger inFlightReads = new AtomicInteger();
    private volatile int effectiveWeight;
    private volatile BackendState state = BackendState.UP;

    private FakeBackend(BackendSpec spec) {
        this.spec = requireNonNull(spec, "spec");
        this.effectiveWeight = spec.weight();
    }

    /** A backend with id {@code id}, address {@code fake:<id>}, weight 1, up, nothing in flight. */
    public static FakeBackend of(String id) {
        return of(BackendSpec.of(id, "fake:" + id));
    }

    /** As {@link #of(String)}, with a weight. */
    public static FakeBackend of(String id, int weight) {
        return of(BackendSpec.of(id, "fake:" + id).withWeight(weight));
    }

    /** A backend with this description, up, nothing in flight. */
    public static FakeBackend of(BackendSpec spec) {
        return new FakeBackend(spec);
    }

    /** Backends {@code ids[0]}, {@code ids[1]}, ... with weight 1, as an immutable list. */
    public static List<Backend> list(String... ids) {
        List<Backend> list = new ArrayList<>(ids.length);
        for (String id : ids) {
            list.add(of(id));
        }
        return List.copyOf(list);
    }

    /** Backends {@code b1}, {@code b2}, ... with these weights, as an immutable list. */
    public static List<Backend> weighted(int... weights) {
        List<Backend> list = new ArrayList<>(weights.length);
        for (int i = 0; i < weights.length; i++) {
            list.add(of("b" + (i + 1), weights[i]));
        }
        return List.copyOf(list);
    }

    /** Sets the in-flight count; returns {@code this}. */
    public FakeBackend inFlight(int count) {
        inFlight.set(count);
        return this;
    }

    /** Adds {@code delta} to the in-flight count and returns the new count. */
    public int addInFlight(int delta) {
        return inFlight.addAndGet(delta);
    }

    /** Sets the effective weight (as slow start would); returns {@code this}. */
    public FakeBackend effectiveWeight(int weight) {
        this.effectiveWeight = weight;
        return this;
    }

    /** Sets the state; returns {@code this}. */
    public FakeBackend state(BackendState state) {
        this.state = requireNonNull(state, "state");
        return this;
    }

    /** The in-flight count, without counting this as a read. */
    public int currentInFlight() {
        return inFlight.get();
    }

    /** How often {@link #inFlight()} was read since creation or the last {@link #resetInFlightReads()}. */
    public int inFlightReads() {
        return inFlightReads.get();
    }

    /** Starts counting {@link #inFlight()} reads from zero again. */
    public void resetInFlightReads() {
        inFlightReads.set(0);
    }

    @Override
    public BackendSpec spec() {
        return spec;
    }

    @Override
    public int effectiveWeight() {
        return effectiveWeight;
    }

    @Override
    public BackendState state() {
        return state;
    }

    @Override
    public int inFlight() {
        inFlightReads.incrementAndGet();
        return inFlight.get();
    }

    @Override
    public String toString() {
        return spec.id();
    }
}
