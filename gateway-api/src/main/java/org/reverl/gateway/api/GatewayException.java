package org.reverl.gateway.api;

/**
 * The base of every exception a gateway itself raises to its callers. Errors replied by a backend (an exception thrown
 * by a local backend's function, say) reach the caller as they are, not wrapped in this type.
 */
public class GatewayException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** An exception with a stack trace. */
    public GatewayException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * An exception that may skip its stack trace: exceptions raised per request on a hot path pass {@code false}, as
     * a stack trace costs microseconds and says nothing about the request.
     */
    protected GatewayException(String message, Throwable cause, boolean writableStackTrace) {
        super(message, cause, false, writableStackTrace);
    }
}
