package org.reverl.gateway.http.internal;

import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLException;
import org.reverl.gateway.api.BackendTlsOptions;
import org.reverl.gateway.http.BackendTlsSettings;

/**
 * The client contexts of {@code https://} backends: one per distinct {@link BackendTlsSettings} (the proxy's, or the
 * proxy's with a backend's {@link BackendTlsOptions}), shared by every event loop and every connection, so the session
 * cache each context holds lets a new pooled connection resume the session of an earlier one. Kept across
 * reconfigurations that change neither the proxy's settings nor a file they were read from (so a CA bundle or client
 * certificate replaced on disk is read again at a reload). Thread-safe.
 */
final class BackendTlsContexts {

    private final BackendTlsSettings base;
    private final Map<BackendTlsSettings, SslContext> contexts = new ConcurrentHashMap<>();
    /** What each file read looked like then: its modification time and size. */
    private final Map<Path, List<Object>> files = new ConcurrentHashMap<>();

    /**
     * Settings that read files or name a provider are built now, so a bad CA bundle, key or provider fails the start,
     * not the first connection. The defaults (the JDK's trust store, the provider found at run time) are built at the
     * first {@code https://} backend: a proxy with none loads no TLS client classes, no OpenSSL and no trust store
     * (about 11 MB of resident memory, measured under load).
     *
     * @throws IllegalStateException if the proxy's own context cannot be built
     */
    BackendTlsContexts(BackendTlsSettings base) {
        this.base = base;
        if (!base.equals(BackendTlsSettings.defaults())) {
            context(base);
        }
    }

    /** Whether the context of {@code settings} has been built. */
    boolean built(BackendTlsSettings settings) {
        return contexts.containsKey(settings);
    }

    /** The contexts of {@code previous} when its settings are {@code base}, else new ones. */
    static BackendTlsContexts reuseOrCreate(BackendTlsContexts previous, BackendTlsSettings base) {
        return previous != null && previous.base.equals(base) && previous.filesUnchanged()
                ? previous
                : new BackendTlsContexts(base);
    }

    private boolean filesUnchanged() {
        for (Map.Entry<Path, List<Object>> e : files.entrySet()) {
            if (!stamp(e.getKey()).equals(e.getValue())) {
                return false;
            }
        }
        return true;
    }

    private static List<Object> stamp(Path file) {
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
            return List.of(a.lastModifiedTime(), a.size());
        } catch (IOException e) {
            return List.of("unreadable");
        }
    }

    /**
     * The context for a backend with {@code options}.
     *
     * @throws IllegalStateException if its material cannot be loaded
     */
    SslContext context(BackendTlsOptions options) {
        return context(applied(base, options));
    }

    /** The proxy's settings {@code base} with a backend's own options applied: its CA bundle, its verification. */
    static BackendTlsSettings applied(BackendTlsSettings base, BackendTlsOptions options) {
        BackendTlsSettings s = base;
        if (options.caBundle() != null) {
            s = s.withCaBundle(options.caBundle());
        }
        if (options.verify() != null) {
            s = s.withVerify(options.verify());
        }
        return s;
    }

    private SslContext context(BackendTlsSettings settings) {
        SslContext c = contexts.get(settings);
        if (c != null) {
            return c;
        }
        return contexts.computeIfAbsent(settings, s -> {
            for (Path f : s.files()) {
                files.putIfAbsent(f, stamp(f));
            }
            try {
                return s.newClientContext();
            } catch (SSLException e) {
                throw new IllegalStateException("backendTls: " + e.getMessage(), e);
            }
        });
    }
}
