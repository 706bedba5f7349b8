package org.reverl.gateway.api;

import static java.util.Objects.requireNonNull;

/**
 * The request was <em>not</em> delivered to the backend: it is stopped, refused the connection, or refused the request
 * before starting it. Such a request is always safe to send to another backend, whatever it does, and the gateway does.
 *
 * <p>{@link #isBackendDown()} tells the health machinery whether the backend itself is gone (stopped, connection
 * refused), which takes it out of rotation at once, or only turned this one request away (mailbox full), which counts
 * as an ordinary failure.
 *
 * <p>Has no stack trace: it is raised per request.
 */
public final class BackendUnavailableException extends GatewayException {

    private static final long serialVersionUID = 1L;

    private final String backendId;
    private final String reason;
    private final boolean backendDown;

    /**
     * @param backendId the backend that did not take the request
     * @param reason why, e.g. {@code stopped}, {@code connection refused}, {@code mailbox full}
     * @param backendDown whether the backend as a whole is gone rather than refusing this one request
     */
    public BackendUnavailableException(String backendId, String reason, boolean backendDown) {
        this(backendId, reason, backendDown, null);
    }

    /** As {@link #BackendUnavailableException(String, String, boolean)}, with the underlying cause. */
    public BackendUnavailableException(String backendId, String reason, boolean backendDown, Throwable cause) {
        super(
                "backend " + requireNonNull(backendId, "backendId") + " is unavailable: "
                        + requireNonNull(reason, "reason"),
                cause,
                false);
        this.backendId = backendId;
        this.reason = reason;
        this.backendDown = backendDown;
    }

    /** The backend that did not take the request. */
    public String backendId() {
        return backendId;
    }

    /** Why, e.g. {@code stopped}. */
    public String reason() {
        return reason;
    }

    /** Whether the backend as a whole is gone, rather than refusing this one request. */
    public boolean isBackendDown() {
        return backendDown;
    }
}
