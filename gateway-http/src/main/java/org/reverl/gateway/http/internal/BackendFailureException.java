package org.reverl.gateway.http.internal;

import org.reverl.gateway.api.GatewayException;

/**
 * A backend took a request and then failed it: closed or reset the connection, or answered with something that is not
 * HTTP. Reported to the request's lease; has no stack trace, as it is raised per request.
 */
final class BackendFailureException extends GatewayException {

    private static final long serialVersionUID = 1L;

    BackendFailureException(String backendId, String reason) {
        super("backend " + backendId + " failed the request: " + reason, null, false);
    }
}
