package org.reverl.server;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.reverl.gateway.api.BackendTlsOptions;
import org.reverl.gateway.http.HttpProxyConfig;
import org.reverl.gateway.http.HttpProxyServer;
import org.reverl.gateway.http.ProxyObserver;
import org.reverl.gateway.http.Router;
import org.reverl.gateway.http.TlsSettings;
import org.reverl.server.config.ReverlConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A server's listeners, one {@link HttpProxyServer} per configured address: started with the server, brought to a
 * reloaded configuration's list (kept, reconfigured, started, stopped), and closed with it. The list is immutable and
 * replaced whole, never emptied and filled again, so a reader never sees a reload midway.
 */
final class ServerListeners {

    private static final Logger log = LoggerFactory.getLogger(ServerListeners.class);

    /** One per listener, in configuration order. */
    private volatile List<HttpProxyServer> proxies = List.of();

    private ProxyObserver observer = ProxyObserver.NOOP;

    /** Where every listener reports its responses; before {@link #start}. */
    void observe(ProxyObserver observer) {
        this.observer = observer;
    }

    /**
     * Starts a listener for each of {@code c}'s addresses, routed by {@code router}. Each one joins the list as it
     * starts, so that when one cannot, {@link #close} stops those already listening.
     */
    void start(ReverlConfig c, Router router) {
        for (ReverlConfig.Listener listener : c.listeners()) {
            List<HttpProxyServer> more = new ArrayList<>(proxies);
            more.add(HttpProxyServer.start(router, proxyConfig(c, listener, observer, null)));
            proxies = List.copyOf(more);
        }
    }

    /** The bound addresses, in configuration order (real ports when 0 was configured). */
    List<InetSocketAddress> addresses() {
        List<InetSocketAddress> list = new ArrayList<>();
        for (HttpProxyServer p : proxies) {
            list.add(p.localAddress());
        }
        return list;
    }

    /** Whether the listener at {@code index} terminates TLS. */
    boolean isTls(int index) {
        return proxies.get(index).config().isTls();
    }

    /** Whether any listener runs. */
    boolean any() {
        return !proxies.isEmpty();
    }

    /** Stops accepting connections on every listener; those open go on. */
    void stopAccepting() {
        for (HttpProxyServer p : proxies) {
            p.stopAccepting();
        }
    }

    /** Closes every listener at once. */
    void close() {
        for (HttpProxyServer p : proxies) {
            p.close();
        }
    }

    /**
     * Brings the listeners to {@code next}'s: the same address is reconfigured in place (new connections get the new
     * settings) and routed by {@code router} from its next request, a new address starts, an address no longer listed
     * stops accepting and closes after the shutdown timeout.
     */
    List<String> apply(ReverlConfig next, Router router) {
        List<String> changes = new ArrayList<>();
        Map<InetSocketAddress, HttpProxyServer> running = new LinkedHashMap<>();
        List<HttpProxyServer> now = proxies;
        for (HttpProxyServer p : now) {
            running.put(p.config().listen(), p);
        }
        // a listener started on port 0 is also found by the port it got
        Map<InetSocketAddress, InetSocketAddress> bound = new LinkedHashMap<>();
        for (HttpProxyServer p : now) {
            bound.put(p.localAddress(), p.config().listen());
        }
        List<HttpProxyServer> ordered = new ArrayList<>();
        for (ReverlConfig.Listener listener : next.listeners()) {
            InetSocketAddress key = running.containsKey(listener.address())
                    ? listener.address()
                    : bound.getOrDefault(listener.address(), listener.address());
            HttpProxyServer p = running.remove(key);
            // a generated certificate stays what it was: clients may have been told to trust it
            TlsSettings keep = p != null
                            && listener.tls() != null
                            && listener.tls().selfSigned()
                            && p.config().tls() != null
                    ? p.config().tls()
                    : null;
            HttpProxyConfig pc;
            try {
                pc = proxyConfig(next, listener, observer, keep).toBuilder()
                        .listen(key)
                        .build();
            } catch (RuntimeException e) {
                changes.add("listener " + format(listener.address()) + " kept as it was: " + e.getMessage());
                if (p != null) {
                    p.route(router);
                    ordered.add(p);
                }
                continue;
            }
            if (p == null) {
                try {
                    ordered.add(HttpProxyServer.start(router, pc));
                    changes.add("started listener " + format(listener.address()));
                } catch (Exception e) { // Netty rethrows a failed bind's IOException unchecked
                    changes.add("listener " + format(listener.address()) + " not started: " + e.getMessage());
                }
            } else {
                // certificate files may have been replaced on disk: read again (backend TLS contexts are kept when
                // neither their settings nor their files changed)
                if (!pc.equals(p.config()) || listener.tls() != null || readsTlsFiles(next)) {
                    try {
                        p.reconfigure(pc);
                        changes.add("listener " + format(listener.address()) + ": new settings for new connections");
                    } catch (RuntimeException e) {
                        changes.add("listener " + format(listener.address()) + " kept as it was: " + e.getMessage());
                    }
                }
                p.route(router);
                ordered.add(p);
            }
        }
        for (HttpProxyServer gone : running.values()) {
            InetSocketAddress where = gone.localAddress();
            gone.stopAccepting();
            Duration grace = next.shutdownTimeout();
            Thread closer = new Thread(
                    () -> {
                        try {
                            TimeUnit.MILLISECONDS.sleep(grace.toMillis()); // the grace period requests in flight get
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        gone.close();
                    },
                    "reverl-listener-close");
            closer.setDaemon(true);
            closer.start();
            changes.add("stopped listener " + format(where) + " (open connections close after " + grace + ")");
        }
        proxies = List.copyOf(ordered);
        return changes;
    }

    private static String format(InetSocketAddress a) {
        return org.reverl.server.config.ConfigValues.format(a);
    }

    /** Whether backends are reached with TLS material read from files: the proxy's or a backend's own. */
    private static boolean readsTlsFiles(ReverlConfig c) {
        return !c.proxy().backendTls().files().isEmpty()
                || c.pools().values().stream()
                        .flatMap(p -> p.backends().stream())
                        .anyMatch(b -> b.tags().containsKey(BackendTlsOptions.CA));
    }

    /** @param keepTls TLS material to keep (a generated certificate across reloads), or {@code null} to load it */
    private static HttpProxyConfig proxyConfig(
            ReverlConfig c, ReverlConfig.Listener listener, ProxyObserver observer, TlsSettings keepTls) {
        HttpProxyConfig.Builder b = plainProxyConfig(c, listener, observer).toBuilder();
        if (listener.tls() != null) {
            b.tls(keepTls != null ? keepTls : tlsSettings(listener.tls()));
        }
        return b.build();
    }

    /** {@code listener}'s proxy settings without its TLS, whose material is neither read nor generated. */
    static HttpProxyConfig plainProxyConfig(ReverlConfig c, ReverlConfig.Listener listener, ProxyObserver observer) {
        return c.proxy().toBuilder()
                .listen(listener.address())
                .observer(observer)
                .accessLog(c.accessLog())
                .maxAttempts(c.gateway().maxAttempts())
                .build();
    }

    /** The certificate source of a listener or of the admin port. */
    static TlsSettings tlsSettings(ReverlConfig.Tls t) {
        TlsSettings tls;
        if (t.p12() != null) {
            tls = TlsSettings.pkcs12(t.p12(), t.p12Password().toCharArray());
        } else if (t.selfSigned()) {
            try {
                SelfSignedCertificates.Generated g = SelfSignedCertificates.generate("localhost");
                Path pem = Files.createTempFile("reverl-self-signed-", ".pem");
                g.writeCertificatePem(pem);
                log.info("self-signed certificate for localhost and 127.0.0.1 written to {}", pem);
                tls = TlsSettings.of(g.key(), g.certificate());
            } catch (java.security.GeneralSecurityException | IOException e) {
                throw new IllegalStateException("tls: cannot generate a self-signed certificate: " + e, e);
            }
        } else {
            tls = TlsSettings.pem(t.cert(), t.key());
        }
        for (ReverlConfig.SniCertificate c : t.sni()) {
            TlsSettings one = c.p12() != null
                    ? TlsSettings.pkcs12(c.p12(), c.p12Password().toCharArray())
                    : TlsSettings.pem(c.cert(), c.key());
            for (String name : c.names()) {
                tls = tls.withSniCertificate(name, one);
            }
        }
        return tls.withProvider(TlsSettings.Provider.valueOf(t.provider().toUpperCase(java.util.Locale.ROOT)));
    }
}
