package org.reverl.gateway.http.internal;

import java.net.BindException;
import java.net.UnknownHostException;
import org.reverl.gateway.api.Backend;

/**
 * What a failed connect says, and about whom: the proxy's own limits (no file descriptor, no local port) are not the
 * backend's fault; a name that does not resolve is the backend's address failing.
 */
final class ConnectFailures {

    private ConnectFailures() {}

    /** Whether the proxy itself ran out of something: EMFILE/ENFILE, EADDRNOTAVAIL, no ephemeral port. */
    static boolean isLocal(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof BindException) {
                return true;
            }
            String m = t.getMessage();
            if (m != null
                    && (m.contains("Too many open files")
                            || m.contains("Cannot assign requested address")
                            || m.contains("No buffer space available"))) {
                return true;
            }
        }
        return false;
    }

    /** Whether the backend's host name did not resolve. */
    static boolean isDns(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof UnknownHostException) {
                return true;
            }
        }
        return false;
    }

    /** The host part of the backend's address, for messages. */
    static String host(Backend backend) {
        return BackendPools.backendAddress(backend.address()).host();
    }
}
