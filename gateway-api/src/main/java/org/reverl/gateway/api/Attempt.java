package org.reverl.gateway.api;

import static java.util.Objects.requireNonNull;

/**
 * One backend tried for one request, and why it did not serve it. Immutable.
 *
 * @param backendId the backend tried
 * @param reason why it did not serve the request, e.g. {@code stopped} or {@code circuit breaker open}
 */
public record Attempt(String backendId, String reason) {

    /** Validates. */
    public Attempt {
        requireNonNull(backendId, "backendId");
        requireNonNull(reason, "reason");
    }

    @Override
    public String toString() {
        return backendId + " (" + reason + ')';
    }
}
