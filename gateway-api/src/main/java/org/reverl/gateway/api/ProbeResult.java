package org.reverl.gateway.api;

import static java.util.Objects.requireNonNull;

/**
 * The outcome of one liveness probe. Immutable.
 *
 * @param alive whether the backend answered as alive
 * @param reason why it is considered down, e.g. {@code connection refused}; empty when up
 */
public record ProbeResult(boolean alive, String reason) {

    private static final ProbeResult UP = new ProbeResult(true, "");

    /** Validates. */
    public ProbeResult {
        requireNonNull(reason, "reason");
        if (!alive && reason.isBlank()) {
            throw new IllegalArgumentException(Checks.message("reason", "\"\"", "a reason when down"));
        }
    }

    /** The backend is alive. */
    public static ProbeResult up() {
        return UP;
    }

    /** The backend is not alive, because of {@code reason}. */
    public static ProbeResult down(String reason) {
        return new ProbeResult(false, reason);
    }
}
