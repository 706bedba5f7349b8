package org.reverl.strategy.hash;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.reverl.gateway.api.Backend;
import org.reverl.gateway.api.RequestContext;
import org.reverl.gateway.api.RequestContext.HashKey;
import org.reverl.gateway.api.SelectionStrategy;

/**
 * Consistent hashing over a {@link HashTable} ({@code ring_hash} or {@code maglev}), with optional bounded loads.
 *
 * <h2>The key</h2>
 * A pick hashes the request's {@link RequestContext#keyHash key} (client address, header, cookie or path). A request
 * without that key (no such header or cookie) falls back to its client address; one without either (an in-process
 * call with {@link RequestContext#NONE}) goes to a random backend. The hash is mixed here, so any hash of the value
 * will do.
 *
 * <h2>Bounded loads</h2>
 * With {@code balance_factor} {@code c} (a percentage, e.g. 150; 0 is off), as HAProxy's {@code hash-balance-factor}
 * and Mirrokni, Thorup and Zadimoghaddam's "consistent hashing with bounded loads": a backend takes the request only
 * while its in-flight count stays within {@code ceil(c/100 * (total + 1) * weight / totalWeight)}, where {@code total}
 * is the in-flight count of all backends; otherwise the walk goes on to the next slot of another backend. Since these
 * bounds add up to more than {@code total + 1}, some backend is always under its bound; if concurrent changes make the
 * walk find none, the key's own backend takes the request. When the key's own backend is within its bound even for the
 * least possible total (an idle backend always is), it takes the request at once; otherwise the pick sums every
 * backend's in-flight count once: O(N), about a nanosecond a backend.
 *
 * <h2>Threading</h2>
 * {@link #update} builds an immutable table and publishes it with one volatile write; {@link #select} does one
 * volatile read and works on that table: lock-free and allocation-free.
 */
final class ConsistentHashStrategy implements SelectionStrategy {

    /** Builds a table for one candidate set, on the control thread. */
    @FunctionalInterface
    interface TableBuilder {
        HashTable build(Backend[] backends, int[] weights);
    }

    private static final HashTable EMPTY = new HashTable(new Backend[0], new int[0], new int[0]) {
        @Override
        int slotOf(long hash) {
            return 0;
        }
    };

    private final String name;
    private final HashKey key;
    private final int balanceFactor;
    private final TableBuilder builder;
    private volatile HashTable table = EMPTY;

    ConsistentHashStrategy(String name, HashKey key, int balanceFactor, TableBuilder builder) {
        this.name = requireNonNull(name, "name");
        this.key = requireNonNull(key, "key");
        this.balanceFactor = balanceFactor;
        this.builder = requireNonNull(builder, "builder");
    }

    @Override
    public void update(List<Backend> eligible) {
        Backend[] backends = requireNonNull(eligible, "eligible").toArray(new Backend[0]);
        if (backends.length == 0) {
            table = EMPTY;
            return;
        }
        int[] weights = new int[backends.length];
        for (int i = 0; i < backends.length; i++) {
            weights[i] = Math.max(1, backends[i].effectiveWeight());
        }
        table = builder.build(backends, weights);
    }

    @Override
    public Backend select(RequestContext request) {
        HashTable t = table; // the one volatile read
        Backend[] backends = t.backends;
        if (backends.length <= 1) {
            return backends.length == 0 ? null : backends[0];
        }
        int slot = t.slotOf(Hashing.mix(hash(request)));
        int owner = t.owners[slot];
        if (balanceFactor == 0) {
            return backends[owner];
        }
        return backends[bounded(t, slot, owner)];
    }

    /** The request's key hash, its client address hash when it has no such key, or a random one when it has neither. */
    private long hash(RequestContext request) {
        long h = request.keyHash(key);
        if (h == 0 && key != HashKey.CLIENT_IP) {
            h = request.affinityHash();
        }
        return h != 0 ? h : ThreadLocalRandom.current().nextLong();
    }

    /** The first backend from {@code slot} on that is under its bound; {@code owner} if the walk finds none. */
    private int bounded(HashTable t, int slot, int owner) {
        Backend[] backends = t.backends;
        // The total is at least the owner's own load, and a larger total only raises the bound: if the owner is
        // within the bound for that least total, it is within it for the real one, and no count need be summed.
        long ownLoad = backends[owner].inFlight();
        if (ownLoad * 100L * t.totalWeight < (long) balanceFactor * (ownLoad + 1) * t.weights[owner]) {
            return owner;
        }
        long total = 0;
        for (Backend b : backends) {
            total += b.inFlight();
        }
        // load < c/100 * (total + 1) * w / W  <=>  load * 100 * W < c * (total + 1) * w: load + 1 within the ceiling
        long scaledTotal = (long) balanceFactor * (total + 1);
        long weightScale = 100L * t.totalWeight;
        int[] owners = t.owners;
        int[] weights = t.weights;
        int last = -1;
        int pos = slot;
        for (int step = 0; step < owners.length; step++) {
            int candidate = owners[pos];
            if (candidate != last) {
                if (backends[candidate].inFlight() * weightScale < scaledTotal * weights[candidate]) {
                    return candidate;
                }
                last = candidate;
            }
            if (++pos == owners.length) {
                pos = 0;
            }
        }
        return owner;
    }

    HashKey key() {
        return key;
    }

    int balanceFactor() {
        return balanceFactor;
    }

    /** The current table, for tests. */
    HashTable table() {
        return table;
    }

    @Override
    public String toString() {
        return name + "{key=" + key + ", balance_factor=" + balanceFactor + ", backends=" + table.backends.length
                + ", slots=" + table.owners.length + '}';
    }
}
