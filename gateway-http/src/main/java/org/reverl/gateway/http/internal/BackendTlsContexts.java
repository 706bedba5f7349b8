package org.reverl.gateway.http.internal;

import io.netty.handler.ssl.SslContext;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLException;
import org.reverl.gateway.http.BackendTlsOptions;
import org.reverl.gateway.http.BackendTlsSettings;

/**
 * The client contexts of {@code https://} backends: one per distinct {@link BackendTlsSettings} (the proxy's, or the
 * proxy's with a backend's {@link BackendTlsOptions}), shared by every event loop and every connection, so the session
 * cache each context holds lets a new pooled connection resume the session of an earlier one. Kept across
 * reconfigurations that do not change the proxy's settings. Thread-safe.
 */
final class BackendTlsContexts {

    private final BackendTlsSettings base;
    private final Map<BackendTlsSettings, SslContext> contexts = new ConcurrentHashMap<>();

    /**
     * @throws IllegalStateException if the proxy's own context cannot be built (checked at start, not at the first
     *     connection)
     */
    BackendTlsContexts(BackendTlsSettings base) {
        this.base = base;
        context(base);
    }

    /** The contexts of {@code previous} when its settings are {@code base}, else new ones. */
    static BackendTlsContexts reuseOrCreate(BackendTlsContexts previous, BackendTlsSettings base) {
        return previous != null && previous.base.equals(base) ? previous : new BackendTlsContexts(base);
    }

    /**
     * The context for a backend with {@code options}.
     *
     * @throws IllegalStateException if its material cannot be loaded
     */
    SslContext context(BackendTlsOptions options) {
        return context(options.applyTo(base));
    }

    private SslContext context(BackendTlsSettings settings) {
        SslContext c = contexts.get(settings);
        if (c != null) {
            return c;
        }
        return contexts.computeIfAbsent(settings, s -> {
            try {
                return s.newClientContext();
            } catch (SSLException e) {
                throw new IllegalStateException("backendTls: " + e.getMessage(), e);
            }
        });
    }
}
