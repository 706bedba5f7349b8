package org.reverl.strategy.hash;

import java.util.Map;
import java.util.Set;
import org.reverl.gateway.api.SelectionStrategy;
import org.reverl.gateway.api.SelectionStrategyProvider;

/**
 * Provides {@value #NAME}: consistent hashing through a Maglev lookup table (as Envoy's {@code MAGLEV}): a pick is one
 * table read, backends own their share of the table within a fraction of a percent, and a backend added or removed
 * moves few more keys than the {@code 1/N} that must move. Weighted.
 *
 * <p>Options:
 * <ul>
 *   <li>{@code key}: {@code client_ip} (default), {@code header:<name>}, {@code cookie:<name>} or {@code path}; a
 *       request without the header or cookie is hashed by its client address;
 *   <li>{@code table_size}: a prime {@value #MIN_TABLE_SIZE}-{@value #MAX_TABLE_SIZE}, default {@value
 *       #DEFAULT_TABLE_SIZE} (Envoy's); it should be well above 100 times the number of backends;
 *   <li>{@code balance_factor}: bounded loads, {@code 0} (off, default) or a percentage 100-10000: a backend whose
 *       in-flight requests would exceed that share of the mean passes the request on to the table's next backend.
 * </ul>
 *
 * <p>Thread-safe and stateless. Public only because {@link java.util.ServiceLoader} requires it: configure {@code
 * maglev}, never this class.
 */
public final class MaglevStrategyProvider implements SelectionStrategyProvider {

    /** The strategy's name. */
    public static final String NAME = "maglev";

    /** The default table size, a prime. */
    public static final int DEFAULT_TABLE_SIZE = 65_537;
    /** The smallest table size. */
    public static final int MIN_TABLE_SIZE = 101;
    /** The largest table size (a prime). */
    public static final int MAX_TABLE_SIZE = 5_000_011;

    private static final String TABLE_SIZE = "table_size";
    private static final Set<String> OPTIONS = Set.of(HashOptions.KEY, HashOptions.BALANCE_FACTOR, TABLE_SIZE);

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public SelectionStrategy create(Map<String, String> options) {
        HashOptions o = new HashOptions(NAME, options, OPTIONS);
        int tableSize = o.size(TABLE_SIZE, DEFAULT_TABLE_SIZE, MIN_TABLE_SIZE, MAX_TABLE_SIZE, true);
        return new ConsistentHashStrategy(
                NAME,
                o.key(),
                o.balanceFactor(),
                (backends, weights) -> MaglevTable.build(backends, weights, tableSize));
    }
}
