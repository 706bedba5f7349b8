package org.reverl.strategy.roundrobin;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.reverl.gateway.api.Checks;

/** The one option both round-robin strategies take, {@code start}: {@code first} (default) or {@code random}. */
final class StartOption {

    private static final Set<String> OPTIONS = Set.of("start");

    private StartOption() {}

    /**
     * Validates {@code options} of strategy {@code name} and returns where its sequence starts: 0, or a random value.
     *
     * @throws IllegalArgumentException for an unknown option or a bad value, naming it and the valid ones
     */
    static long parse(String name, Map<String, String> options) {
        for (String key : options.keySet()) {
            if (!OPTIONS.contains(key)) {
                throw Checks.unknown("strategy '" + name + "': option", key, OPTIONS);
            }
        }
        String start = options.getOrDefault("start", "first");
        switch (start) {
            case "first":
                return 0;
            case "random":
                return ThreadLocalRandom.current().nextLong();
            default:
                throw new IllegalArgumentException(
                        Checks.message("strategy '" + name + "': start", "'" + start + "'", "first or random"));
        }
    }
}
