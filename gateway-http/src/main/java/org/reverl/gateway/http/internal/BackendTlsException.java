package org.reverl.gateway.http.internal;

import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.util.Locale;
import javax.net.ssl.SSLException;

/**
 * The TLS handshake with a backend failed; {@link #reason()} says why in a few words: {@code certificate expired},
 * {@code certificate does not match web.example}, {@code certificate not trusted}, or the TLS implementation's own
 * message.
 */
final class BackendTlsException extends SSLException {

    private static final long serialVersionUID = 1L;

    private final boolean certificate;
    private final String reason;

    BackendTlsException(String host, Throwable cause) {
        super("TLS handshake failed", cause);
        boolean expired = false;
        boolean notYetValid = false;
        boolean mismatch = false;
        boolean untrusted = false;
        String last = null;
        int depth = 0;
        for (Throwable t = cause; t != null && depth < 16; t = t.getCause(), depth++) {
            String m = t.getMessage() == null ? "" : t.getMessage();
            String lower = m.toLowerCase(Locale.ROOT);
            expired |= t instanceof CertificateExpiredException || lower.contains("certificate expired");
            notYetValid |= t instanceof CertificateNotYetValidException || lower.contains("not yet valid");
            mismatch |= lower.contains("no subject alternative") || lower.contains("no name matching");
            untrusted |= lower.contains("unable to find valid certification path")
                    || lower.contains("path building failed")
                    || lower.contains("path validation failed");
            if (!m.isEmpty()) {
                last = m;
            }
        }
        // the most specific first: an expired certificate also fails path validation
        String why = expired
                ? "certificate expired"
                : notYetValid
                        ? "certificate not yet valid"
                        : mismatch
                                ? "certificate does not match " + host
                                : untrusted ? "certificate not trusted" : null;
        boolean cert = why != null;
        this.certificate = cert;
        this.reason = why != null ? why : last != null ? last : cause.getClass().getSimpleName();
    }

    /** Whether the backend's certificate was refused: it will be refused again until the backend or the trust changes. */
    boolean certificateRefused() {
        return certificate;
    }

    /** Why, in a few words. */
    String reason() {
        return reason;
    }

    @Override
    public String getMessage() {
        return "TLS handshake failed: " + reason;
    }
}
