package org.reverl.gateway.http.internal;

import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * Why the proxy refuses a request before any of it reaches a backend, and the status it answers with: set as the
 * decoder result of an invalid request by {@link FrontendCodec}. No stack trace: it is an answer, not a bug.
 */
final class RequestRejectedException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final transient HttpResponseStatus status;

    RequestRejectedException(HttpResponseStatus status, String reason) {
        super(reason);
        this.status = status;
    }

    /** The status to answer with. */
    HttpResponseStatus status() {
        return status;
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;
    }
}
