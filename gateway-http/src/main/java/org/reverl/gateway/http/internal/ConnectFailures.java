package org.reverl.gateway.http.internal;

import io.netty.channel.epoll.Epoll;
import io.netty.channel.unix.Errors;
import java.net.BindException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import org.reverl.gateway.api.Backend;

/**
 * What a failed connect says, and about whom: the proxy's own limits (no file descriptor, no local port) are not the
 * backend's fault; a name that does not resolve is the backend's address failing; a refused or unroutable connect
 * proves the backend gone; anything else proves nothing about it.
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
                            || m.contains("No buffer space available")
                            || NativeErrno.isLocal(m))) {
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

    /**
     * Whether the backend's host answered that nothing listens on the port ({@code ECONNREFUSED}) or could not be
     * reached at all ({@code EHOSTUNREACH}, {@code ENETUNREACH}). Netty's native transports report every failed connect
     * as a {@link ConnectException} (the unreachable ones as a {@link NoRouteToHostException}) whose message names the
     * error, and so does the JDK's for a refusal: a connect that failed otherwise (reset during the handshake, or a
     * connect timeout, which is a {@code ConnectException} too) proves nothing about the backend.
     */
    static boolean isRefused(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof NoRouteToHostException) {
                return true;
            }
            if (t instanceof ConnectException) {
                String m = t.getMessage();
                return m != null
                        && (m.contains("Connection refused")
                                || (NativeErrno.REFUSED != null && m.contains(NativeErrno.REFUSED)));
            }
        }
        return false;
    }

    /**
     * How Netty's native transport names an errno in a failure's message ({@code connect(..) failed with error(-111):
     * Connection refused}): by its number, which stays the same where the C library translates the text after it (a
     * process whose locale has {@code strerror} in another language). Read on first use, after a connect failed, when
     * the transport's library is loaded; nothing without the native transport.
     */
    private static final class NativeErrno {
        static final String REFUSED = Epoll.isAvailable() ? "error(" + Errors.ERROR_ECONNREFUSED_NEGATIVE + ")" : null;

        /**
         * The proxy's own limits by number: {@code ENFILE} 23, {@code EMFILE} 24, {@code EADDRNOTAVAIL} 99, {@code
         * ENOBUFS} 105. Netty names no constant for them; these are Linux's generic numbers (asm-generic), those of
         * every architecture Netty's epoll transport is built for (x86_64, aarch64, riscv64), and the epoll transport
         * is Linux's alone.
         */
        private static final String[] LOCAL = Epoll.isAvailable()
                ? new String[] {"error(-23)", "error(-24)", "error(-99)", "error(-105)"}
                : new String[0];

        static boolean isLocal(String message) {
            for (String errno : LOCAL) {
                if (message.contains(errno)) {
                    return true;
                }
            }
            return false;
        }
    }

    /** The reason a refused or unroutable connect is given: {@code connection refused} or {@code unreachable}. */
    static String refusedReason(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof NoRouteToHostException) {
                return "unreachable";
            }
        }
        return "connection refused";
    }

    /** A failure's message for a reason, or its type when it has none (a closed channel). */
    static String describe(Throwable cause) {
        String m = cause.getMessage();
        return m != null ? m : cause.getClass().getSimpleName();
    }

    /** The host part of the backend's address, for messages. */
    static String host(Backend backend) {
        return BackendPools.backendAddress(backend.address()).host();
    }
}
