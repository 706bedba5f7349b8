package org.reverl.gateway.api;

/** The gateway was closed: it takes no more calls or changes. */
public final class GatewayClosedException extends GatewayException {

    private static final long serialVersionUID = 1L;

    /** @param gatewayName the closed gateway's name */
    public GatewayClosedException(String gatewayName) {
        super("gateway '" + gatewayName + "' is closed", null, false);
    }
}
