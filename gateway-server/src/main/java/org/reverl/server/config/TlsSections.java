package org.reverl.server.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.reverl.gateway.api.BackendTlsOptions;
import org.reverl.gateway.core.GatewayConfig;
import org.reverl.gateway.core.HealthCheckConfig;
import org.reverl.gateway.http.BackendTlsSettings;
import org.reverl.gateway.http.TlsSettings;

/**
 * The TLS parts of a configuration file: a listener's (or the admin port's) certificate with its SNI certificates,
 * the proxy's {@code backendTls}, and a backend's own {@code tls} options. Each section's errors go to the {@link
 * TreeReader} with the setting's path, like every other section's.
 */
final class TlsSections {

    private TlsSections() {}

    static ReverlConfig.Tls tls(TreeReader r, TreeReader.Obj t, Path baseDir) {
        Path cert = file(r, t, "cert", baseDir);
        Path key = file(r, t, "key", baseDir);
        Path p12 = file(r, t, "p12", baseDir);
        String password = t.string("p12Password", "");
        boolean selfSigned = t.bool("selfSigned", false);
        String provider = t.string("provider", "auto");
        if (!List.of("auto", "jdk", "openssl").contains(provider)) {
            r.error(t.at("provider"), '"' + provider + '"', "auto, jdk or openssl");
        }
        t.rejectUnknownKeys();
        int sources = (t.has("cert") || t.has("key") ? 1 : 0) + (t.has("p12") ? 1 : 0) + (selfSigned ? 1 : 0);
        if (sources != 1) {
            r.error(t.path, "exactly one of cert+key, p12 or selfSigned: true");
        } else if (t.has("cert") != t.has("key")) {
            r.error(t.path, "cert and key go together");
        }
        return new ReverlConfig.Tls(cert, key, p12, password, selfSigned, provider);
    }

    static ReverlConfig.Tls withSni(ReverlConfig.Tls t, List<ReverlConfig.SniCertificate> sni) {
        return sni.isEmpty()
                ? t
                : new ReverlConfig.Tls(t.cert(), t.key(), t.p12(), t.p12Password(), t.selfSigned(), t.provider(), sni);
    }

    /**
     * {@code listeners[i].tls.sni}: more certificates of a listener, each with its names (exact or {@code *.}
     * wildcards, each name once in the listener) and one source, {@code cert} + {@code key} or {@code p12}.
     */
    static List<ReverlConfig.SniCertificate> sniCertificates(TreeReader r, TreeReader.Obj t, Path baseDir) {
        List<ReverlConfig.SniCertificate> list = new ArrayList<>();
        Map<String, String> seen = new HashMap<>();
        for (TreeReader.Obj e : t.objects("sni")) {
            List<String> names = new ArrayList<>();
            List<String> given = e.strings("names");
            if (given.isEmpty() && !e.has("names")) {
                r.error(e.at("names"), "missing", "a list of names such as [api.example.com, \"*.example.com\"]");
            } else if (given.isEmpty() && r.errors().stream().noneMatch(m -> m.startsWith(e.at("names")))) {
                r.error(e.at("names"), "[]", "at least one name");
            }
            for (int i = 0; i < given.size(); i++) {
                String at = e.at("names") + '[' + i + ']';
                try {
                    String n = TlsSettings.sniName(given.get(i));
                    String other = seen.putIfAbsent(n, at);
                    if (other != null) {
                        r.error(at, '"' + given.get(i) + '"', "a name not listed already; " + other + " has it");
                    } else {
                        names.add(n);
                    }
                } catch (IllegalArgumentException ex) {
                    r.error(at, '"' + given.get(i) + '"', TlsSettings.SNI_NAME_FORM);
                }
            }
            Path cert = file(r, e, "cert", baseDir);
            Path key = file(r, e, "key", baseDir);
            Path p12 = file(r, e, "p12", baseDir);
            String password = e.string("p12Password", "");
            e.rejectUnknownKeys();
            if ((e.has("cert") || e.has("key")) == e.has("p12")) {
                r.error(e.path, "exactly one of cert+key or p12");
            } else if (e.has("cert") != e.has("key")) {
                r.error(e.path, "cert and key go together");
            }
            list.add(new ReverlConfig.SniCertificate(names, cert, key, p12, password));
        }
        return list;
    }

    /**
     * {@code backendTls}: how {@code https://} backends are reached. {@code verify: false} is the only way to turn
     * verification off.
     */
    static BackendTlsSettings backendTls(TreeReader r, TreeReader.Obj t, Path baseDir) {
        Path ca = file(r, t, "caBundle", baseDir);
        Path cert = file(r, t, "clientCert", baseDir);
        Path key = file(r, t, "clientKey", baseDir);
        boolean verify = t.bool("verify", true);
        String provider = t.string("provider", "auto");
        if (!List.of("auto", "jdk", "openssl").contains(provider)) {
            r.error(t.at("provider"), '"' + provider + '"', "auto, jdk or openssl");
        }
        t.rejectUnknownKeys();
        if (t.has("clientCert") != t.has("clientKey")) {
            r.error(t.path, "clientCert and clientKey go together");
        }
        BackendTlsSettings s = BackendTlsSettings.defaults();
        try {
            if (ca != null) {
                s = s.withCaBundle(ca);
            }
            if (cert != null && key != null) {
                s = s.withClientCertificate(cert, key);
            }
        } catch (IllegalArgumentException e) {
            return s; // the unreadable file is reported already
        }
        if (!verify) {
            s = s.insecure();
        }
        return s.withProvider(TlsSettings.Provider.valueOf(
                List.of("auto", "jdk", "openssl").contains(provider)
                        ? provider.toUpperCase(java.util.Locale.ROOT)
                        : "AUTO"));
    }

    /** The probe whose TLS options {@link #probeWithBackendTls} fills in. */
    static final String HTTP_PROBE = "http";

    /**
     * {@code g} with the {@code http} probe's TLS options taken from the proxy's {@code backendTls} where the probe's
     * own options leave them out: {@code tls_verify} from {@code verify}, {@code tls_ca} from {@code caBundle}, and
     * {@code tls_cert} and {@code tls_key} from {@code clientCert} and {@code clientKey} (both, unless the probe names
     * either). So a probe reaches an {@code https} backend as the proxy's connections do, as HAProxy's checks use their
     * server's TLS settings: a backend that only a private CA vouches for, or that asks for a client certificate, is
     * not probed down for what the proxy's connections have. Any other probe, or none, leaves {@code g} as it is.
     */
    static GatewayConfig probeWithBackendTls(GatewayConfig g, BackendTlsSettings tls) {
        HealthCheckConfig hc = g.healthCheck();
        if (hc == null || !hc.probe().equals(HTTP_PROBE)) {
            return g;
        }
        Map<String, String> options = new HashMap<>(hc.probeOptions());
        if (!tls.verifies()) {
            options.putIfAbsent("tls_verify", "false");
        }
        if (tls.caBundle() != null) {
            options.putIfAbsent("tls_ca", tls.caBundle().toString());
        }
        if (tls.clientCertificate() != null && !options.containsKey("tls_cert") && !options.containsKey("tls_key")) {
            options.put("tls_cert", tls.clientCertificate().toString());
            options.put("tls_key", tls.clientKey().toString());
        }
        if (options.equals(hc.probeOptions())) {
            return g;
        }
        return g.toBuilder().healthCheck(hc.withProbeOptions(options)).build();
    }

    static Path file(TreeReader r, TreeReader.Obj o, String key, Path baseDir) {
        String name = o.string(key, null);
        if (name == null) {
            return null;
        }
        Path p = baseDir == null ? Path.of(name) : baseDir.resolve(name);
        if (!Files.isRegularFile(p) || !Files.isReadable(p)) {
            r.error(o.at(key), '"' + name + '"', "a readable file");
        }
        return p;
    }

    /**
     * {@code backends[i].tls}: how this {@code https://} backend differs from {@code backendTls}, as the backend's
     * tags ({@link BackendTlsOptions}): {@code verify} (off only when written {@code false}), {@code ca} (a PEM bundle)
     * and {@code serverName} (sent as SNI and verified instead of the address's host).
     */
    static Map<String, String> backendTlsTags(TreeReader r, TreeReader.Obj t, String address, Path baseDir) {
        BackendTlsOptions o = BackendTlsOptions.none();
        if (t.has("verify")) {
            o = o.withVerify(t.bool("verify", true));
        }
        Path ca = file(r, t, "ca", baseDir);
        if (ca != null) {
            try {
                o = o.withCaBundle(ca);
            } catch (IllegalArgumentException e) {
                // reported by file() already
            }
        }
        String serverName = t.string("serverName", null);
        if (serverName != null) {
            try {
                o = o.withServerName(serverName);
            } catch (IllegalArgumentException e) {
                r.error(t.at("serverName"), '"' + serverName + '"', "a DNS name or an IP literal");
            }
        }
        t.rejectUnknownKeys();
        if (address != null && !address.startsWith("https://")) {
            r.error(t.path, "only for an https:// address (the address is " + address + ")");
        }
        return o.tags();
    }
}
