package org.reverl.gateway.api;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * A backend took the request but did not answer in time. The request may have had effects on the backend, so the
 * gateway does not resend it elsewhere. Has no stack trace: it is raised per request.
 */
public final class BackendTimeoutException extends GatewayException {

    private static final long serialVersionUID = 1L;

    private final String backendId;
    private final Duration timeout;

    /**
     * @param backendId the backend that did not answer
     * @param timeout how long the gateway waited
     */
    public BackendTimeoutException(String backendId, Duration timeout) {
        super("backend " + requireNonNull(backendId, "backendId") + " did not answer within " + timeout, null, false);
        this.backendId = backendId;
        this.timeout = requireNonNull(timeout, "timeout");
    }

    /** The backend that did not answer. */
    public String backendId() {
        return backendId;
    }

    /** How long the gateway waited. */
    public Duration timeout() {
        return timeout;
    }
}
