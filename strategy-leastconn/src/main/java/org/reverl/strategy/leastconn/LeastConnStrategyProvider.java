package org.reverl.strategy.leastconn;

import java.util.Map;
import java.util.Set;
import org.reverl.gateway.api.Checks;
import org.reverl.gateway.api.SelectionStrategy;
import org.reverl.gateway.api.SelectionStrategyProvider;

/**
 * Provides {@value #NAME}: each request goes to the least loaded of a few randomly sampled eligible backends, where
 * load is {@code inFlight / effectiveWeight} ("power of two choices", Mitzenmacher). With at most {@code choice_count}
 * backends every backend is compared, so the pick is exact.
 *
 * <p>Options:
 * <ul>
 *   <li>{@code choice_count}: how many distinct backends to sample per pick, {@value #MIN_CHOICE_COUNT} to {@value
 *       #MAX_CHOICE_COUNT}, default {@value #DEFAULT_CHOICE_COUNT}. More choices follow the load more closely but
 *       herd more: concurrent gateways tend to pick the same backend.
 * </ul>
 *
 * <p>Thread-safe and stateless. Public only because {@link java.util.ServiceLoader} requires it: configure {@code
 * least_conn}, never this class.
 */
public final class LeastConnStrategyProvider implements SelectionStrategyProvider {

    /** The strategy's name. */
    public static final String NAME = "least_conn";

    /** The default number of backends sampled per pick. */
    public static final int DEFAULT_CHOICE_COUNT = 2;
    /** The smallest {@code choice_count}. */
    public static final int MIN_CHOICE_COUNT = 2;
    /** The largest {@code choice_count}. */
    public static final int MAX_CHOICE_COUNT = 10;

    private static final String CHOICE_COUNT = "choice_count";
    private static final Set<String> OPTIONS = Set.of(CHOICE_COUNT);

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public SelectionStrategy create(Map<String, String> options) {
        for (String key : options.keySet()) {
            if (!OPTIONS.contains(key)) {
                throw Checks.unknown("strategy '" + NAME + "': option", key, OPTIONS);
            }
        }
        int choiceCount = DEFAULT_CHOICE_COUNT;
        String value = options.get(CHOICE_COUNT);
        if (value != null) {
            String what = "strategy '" + NAME + "': " + CHOICE_COUNT;
            try {
                choiceCount = Integer.parseInt(value.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(Checks.message(
                        what, "'" + value + "'", "an integer " + MIN_CHOICE_COUNT + "-" + MAX_CHOICE_COUNT));
            }
            Checks.inRange(what, choiceCount, MIN_CHOICE_COUNT, MAX_CHOICE_COUNT);
        }
        return new LeastConnStrategy(choiceCount, LeastConnStrategy.THREAD_LOCAL_RANDOM);
    }
}
