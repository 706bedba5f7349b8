package org.reverl.gateway.http.internal;

import static java.util.Objects.requireNonNull;

import org.reverl.gateway.http.Router;

/**
 * The router of one proxy, shared by every connection it accepted, whatever settings the connection started with: a
 * new router applies to the next request of every connection (each request reads it once, when its head arrives).
 */
public final class RouterRef {

    private volatile Router current;

    public RouterRef(Router initial) {
        this.current = requireNonNull(initial, "initial");
    }

    public Router get() {
        return current;
    }

    public void set(Router next) {
        this.current = requireNonNull(next, "next");
    }
}
