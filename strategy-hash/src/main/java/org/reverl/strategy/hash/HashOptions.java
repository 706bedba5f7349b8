package org.reverl.strategy.hash;

import java.math.BigInteger;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.reverl.gateway.api.Checks;
import org.reverl.gateway.api.RequestContext.HashKey;

/** Parses the options both hashing strategies share ({@code key}, {@code balance_factor}) and their table sizes. */
final class HashOptions {

    static final String KEY = "key";
    static final String BALANCE_FACTOR = "balance_factor";

    /** Bounded loads off, as HAProxy's and Envoy's default. */
    static final int DEFAULT_BALANCE_FACTOR = 0;

    static final int MIN_BALANCE_FACTOR = 100;
    static final int MAX_BALANCE_FACTOR = 10_000;

    private final String strategy;
    private final Map<String, String> options;

    /**
     * @throws IllegalArgumentException for an option not in {@code known}
     */
    HashOptions(String strategy, Map<String, String> options, Set<String> known) {
        this.strategy = strategy;
        this.options = options;
        for (String k : new TreeSet<>(options.keySet())) {
            if (!known.contains(k)) {
                throw Checks.unknown(what("option"), k, new TreeSet<>(known));
            }
        }
    }

    HashKey key() {
        String value = options.get(KEY);
        return value == null ? HashKey.CLIENT_IP : HashKey.parse(what(KEY), value);
    }

    int balanceFactor() {
        String value = options.get(BALANCE_FACTOR);
        if (value == null) {
            return DEFAULT_BALANCE_FACTOR;
        }
        String expected = "0 (off) or a percentage " + MIN_BALANCE_FACTOR + "-" + MAX_BALANCE_FACTOR
                + ": how far above the mean load a backend may go";
        int factor = integer(BALANCE_FACTOR, value, expected);
        if (factor != 0 && (factor < MIN_BALANCE_FACTOR || factor > MAX_BALANCE_FACTOR)) {
            throw new IllegalArgumentException(Checks.message(what(BALANCE_FACTOR), factor, expected));
        }
        return factor;
    }

    int size(String option, int defaultSize, int min, int max, boolean prime) {
        String value = options.get(option);
        if (value == null) {
            return defaultSize;
        }
        String expected = (prime ? "a prime " : "an integer ") + min + "-" + max;
        int size = integer(option, value, expected);
        if (size < min || size > max || (prime && !BigInteger.valueOf(size).isProbablePrime(30))) {
            throw new IllegalArgumentException(Checks.message(what(option), size, expected));
        }
        return size;
    }

    private int integer(String option, String value, String expected) {
        try {
            return Integer.parseInt(value.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(Checks.message(what(option), "'" + value + "'", expected));
        }
    }

    private String what(String option) {
        return "strategy '" + strategy + "': " + option;
    }
}
