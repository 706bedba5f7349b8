package org.reverl.server.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.reverl.gateway.api.BackendAddress;
import org.reverl.gateway.api.BackendSpec;
import org.reverl.gateway.core.GatewayConfig;
import org.reverl.gateway.core.HealthCheckConfig;
import org.reverl.gateway.core.ProviderRegistry;

/**
 * A pool's {@code backends}: each backend's address, weight, health address and TLS options, and whether the pool's
 * probe can check every backend's health address. Errors go to the {@link TreeReader} with the setting's path, like
 * every other section's.
 */
final class BackendSections {

    private BackendSections() {}

    /**
     * {@code backends: [...]}: each backend's id, address, weight, health address and TLS options; ids unique. Without
     * {@code discovery} at least one backend.
     */
    static List<BackendSpec> backends(TreeReader r, TreeReader.Obj top, Path baseDir, boolean discovery) {
        List<BackendSpec> list = new ArrayList<>();
        if (!top.has("backends") && !discovery) {
            r.error(
                    top.at("backends"),
                    "missing",
                    "a list of backends, e.g. - { id: web-1, address: 127.0.0.1:9001 }, or a discovery section");
        }
        Map<String, String> ids = new HashMap<>();
        for (TreeReader.Obj b : top.objects("backends")) {
            String id = b.requiredString("id", "a unique id such as web-1");
            String address = backendAddress(r, b);
            int weight =
                    b.integer("weight", BackendSpec.DEFAULT_WEIGHT, BackendSpec.MIN_WEIGHT, BackendSpec.MAX_WEIGHT);
            String healthAddress = b.has("health") ? healthAddress(r, b.obj("health"), address, baseDir) : null;
            Map<String, String> tags =
                    b.has("tls") ? TlsSections.backendTlsTags(r, b.obj("tls"), address, baseDir) : Map.of();
            b.rejectUnknownKeys();
            if (id == null || address == null) {
                continue;
            }
            String other = ids.putIfAbsent(id, b.at("id"));
            if (other != null) {
                r.error(b.at("id"), '"' + id + '"', "a unique id; " + other + " has it too");
                continue;
            }
            try {
                list.add(new BackendSpec(id, address, weight, tags, healthAddress));
            } catch (IllegalArgumentException e) {
                r.error(b.at("id"), '"' + id + '"', "1-64 characters of [A-Za-z0-9._:-]");
            }
        }
        return list;
    }

    /** A backend's address, {@code host:port}, {@code http://host:port} or {@code tcp://host:port}; canonical http. */
    private static String backendAddress(TreeReader r, TreeReader.Obj b) {
        String text = b.requiredString("address", "host:port");
        if (text == null) {
            return null;
        }
        try {
            BackendAddress a = BackendAddress.parse(text)
                    .requireScheme(
                            b.at("address"),
                            BackendAddress.Scheme.HTTP,
                            BackendAddress.Scheme.HTTPS,
                            BackendAddress.Scheme.TCP);
            // https stays TLS; tcp and a bare host:port are plain HTTP
            return (a.scheme() == BackendAddress.Scheme.HTTPS ? a : a.withScheme(BackendAddress.Scheme.HTTP))
                    .toString();
        } catch (BackendAddress.InvalidAddressException e) {
            r.error(
                    b.at("address"),
                    '"' + text + '"',
                    e.expected().equals(BackendAddress.FORMS) ? "host:port" : e.expected());
        } catch (IllegalArgumentException e) {
            r.error(
                    b.at("address"),
                    '"' + text + '"',
                    "host:port, http://host:port, https://host:port or tcp://host:port");
        }
        return null;
    }

    /**
     * {@code backends[i].health}: what the probe checks instead of the address, one of {@code port} (same host),
     * {@code address} ({@code host:port}), {@code pid} or {@code pidfile} (for the process probe).
     */
    private static String healthAddress(TreeReader r, TreeReader.Obj h, String address, Path baseDir) {
        String expected = "one of port, address, pid or pidfile";
        Integer port = h.has("port") ? h.integer("port", 0, 1, 65535) : null;
        String hostPort = h.string("address", null);
        Long pid = null;
        if (h.has("pid")) {
            int p = h.integer("pid", 0, 1, Integer.MAX_VALUE);
            pid = p > 0 ? (long) p : null;
        }
        String pidFile = h.string("pidfile", null);
        h.rejectUnknownKeys();
        int given = (h.has("port") ? 1 : 0)
                + (hostPort != null ? 1 : 0)
                + (h.has("pid") ? 1 : 0)
                + (pidFile != null ? 1 : 0);
        if (given != 1) {
            r.error(h.path, given == 0 ? "{}" : given + " keys", "exactly " + expected);
            return null;
        }
        if (port != null) {
            if (port == 0 || address == null) {
                return null;
            }
            BackendAddress a = BackendAddress.parse(address);
            return BackendAddress.of(BackendAddress.Scheme.TCP, a.host(), port).toString();
        }
        if (hostPort != null) {
            try {
                return BackendAddress.parse(hostPort, BackendAddress.Scheme.TCP)
                        .requireScheme(h.at("address"), BackendAddress.Scheme.TCP, BackendAddress.Scheme.HTTP)
                        .toString();
            } catch (BackendAddress.InvalidAddressException e) {
                r.error(h.at("address"), '"' + hostPort + '"', e.expected());
            } catch (IllegalArgumentException e) {
                r.error(h.at("address"), '"' + hostPort + '"', "host:port");
            }
            return null;
        }
        if (pid != null) {
            return "pid:" + pid;
        }
        if (pidFile != null) {
            if (pidFile.isBlank()) {
                r.error(h.at("pidfile"), '"' + pidFile + '"', "a path");
                return null;
            }
            Path p = baseDir == null ? Path.of(pidFile) : baseDir.resolve(pidFile);
            return "pidfile:" + p;
        }
        return null;
    }

    /** Every backend's probe address must be one the configured probe can check. */
    static void checkProbeAddresses(
            ProviderRegistry registry,
            TreeReader r,
            TreeReader.Obj pool,
            GatewayConfig gateway,
            List<BackendSpec> backends) {
        HealthCheckConfig hc = gateway.healthCheck();
        if (hc == null) {
            return;
        }
        Set<BackendAddress.Scheme> schemes;
        try {
            schemes = registry.newProbe(hc.probe(), hc.probeOptions()).schemes();
        } catch (IllegalArgumentException e) {
            return; // reported with health.probe
        }
        for (int i = 0; i < backends.size(); i++) {
            BackendSpec b = backends.get(i);
            BackendAddress target = b.probeAddress();
            if (target.scheme() == BackendAddress.Scheme.LOCAL || schemes.contains(target.scheme())) {
                continue;
            }
            List<String> forms = new ArrayList<>();
            for (BackendAddress.Scheme s : schemes) {
                forms.add(s.isNetwork() ? "address: host:port" : s.text() + ": ...");
            }
            r.error(
                    pool.at("backends") + "[" + i + "].health",
                    b.healthAddress() == null ? "missing" : '"' + b.healthAddress() + '"',
                    "{ " + String.join(" } or { ", forms) + " } for " + pool.at("health.probe") + ": " + hc.probe());
        }
    }
}
