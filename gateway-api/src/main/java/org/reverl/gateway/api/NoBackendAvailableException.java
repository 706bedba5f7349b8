package org.reverl.gateway.api;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * No backend could serve the request: none was eligible, or every one tried failed before taking it, or failover
 * stopped (attempt limit, retry budget). The message and {@link #attempts()} list what was tried and why each failed,
 * e.g. {@code no backend available: tried b1 (stopped), b2 (circuit breaker open); failover stopped: attempt limit 3}.
 *
 * <p>Has no stack trace: it is raised per request.
 */
public final class NoBackendAvailableException extends GatewayException {

    private static final long serialVersionUID = 1L;

    private final List<Attempt> attempts;
    private final String why;

    /**
     * @param attempts the backends tried, in order, possibly empty
     * @param why what ended the search, e.g. {@code no eligible backend (3 members, 0 eligible)}
     */
    public NoBackendAvailableException(List<Attempt> attempts, String why) {
        super(format(attempts, why), null, false);
        this.attempts = List.copyOf(attempts);
        this.why = why;
    }

    private static String format(List<Attempt> attempts, String why) {
        requireNonNull(attempts, "attempts");
        requireNonNull(why, "why");
        if (attempts.isEmpty()) {
            return "no backend available: " + why;
        }
        StringBuilder sb = new StringBuilder("no backend available: tried ");
        for (int i = 0; i < attempts.size(); i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(attempts.get(i));
        }
        return sb.append("; ").append(why).toString();
    }

    /** The backends tried, in order, and why each failed. */
    public List<Attempt> attempts() {
        return attempts;
    }

    /** What ended the search. */
    public String why() {
        return why;
    }
}
