package org.reverl.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import org.reverl.gateway.api.Backend;
import org.reverl.gateway.api.BackendAddress;
import org.reverl.gateway.api.BackendSpec;
import org.reverl.gateway.api.BackendState;
import org.reverl.gateway.api.BackendTlsOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Saves a running server's backends into its configuration file: each pool's live backends (not those draining, nor
 * a registry's) replace the file's {@code backends} (or {@code pools.<name>.backends}), with their weights, health
 * addresses and TLS options, and the other sections are left as they are.
 */
final class ConfigSaver {

    /** Saving is one of the server's operations, and logs as the server. */
    private static final Logger log = LoggerFactory.getLogger(ReverlServer.class);

    private ConfigSaver() {}

    /**
     * Writes the live backends into the configuration file in place of its {@code backends} section (with pools, each
     * running pool's {@code pools.<name>.backends}), leaving the other sections as they are (comments are not kept).
     * The file keeps its mode, owner and group; a symbolic link is followed and its target written; the new content
     * goes to a temporary file created with mode 0600 in the same directory, which then atomically replaces the
     * target: a reader sees the old file or the new one.
     */
    static Path save(Path configFile, ServerPools pools) throws IOException {
        Path target = configFile.toRealPath();
        YAMLMapper mapper = new YAMLMapper();
        JsonNode tree = mapper.readTree(target.toFile());
        if (!(tree instanceof ObjectNode)) {
            throw new IOException(configFile + ": not a YAML mapping any more");
        }
        int saved = 0;
        JsonNode poolsNode = tree.get("pools");
        if (poolsNode instanceof ObjectNode) {
            for (ServerPools.Running r : pools.all().values()) {
                JsonNode pool = poolsNode.get(r.config().name());
                if (pool instanceof ObjectNode) {
                    ArrayNode backends = backends(mapper, r);
                    ((ObjectNode) pool).set("backends", backends);
                    saved += backends.size();
                }
            }
        } else {
            ArrayNode backends = backends(mapper, pools.defaultPool());
            ((ObjectNode) tree).set("backends", backends);
            saved = backends.size();
        }
        PosixFileAttributes attributes = posix(target);
        Path tmp = attributes != null
                ? Files.createTempFile(
                        target.getParent(),
                        "." + target.getFileName() + ".",
                        ".tmp",
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))
                : Files.createTempFile(target.getParent(), "." + target.getFileName() + ".", ".tmp");
        try {
            mapper.writeValue(tmp.toFile(), tree);
            if (attributes != null) {
                PosixFileAttributeView view = Files.getFileAttributeView(tmp, PosixFileAttributeView.class);
                if (!attributes.owner().equals(view.getOwner())) {
                    view.setOwner(attributes.owner()); // only root may; then the file would change hands, so fail
                }
                if (!attributes.group().equals(view.readAttributes().group())) {
                    try {
                        view.setGroup(attributes.group());
                    } catch (IOException e) {
                        log.warn(
                                "save: {} keeps group {}: {}",
                                configFile,
                                view.readAttributes().group(),
                                e.toString());
                    }
                }
                view.setPermissions(attributes.permissions());
            }
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
        log.info("saved {} backends to {}", saved, target);
        return configFile;
    }

    /** The live backends of {@code pool} as the file lists them: not those draining, nor the registry's. */
    private static ArrayNode backends(YAMLMapper mapper, ServerPools.Running pool) {
        ArrayNode backends = mapper.createArrayNode();
        for (Backend b : pool.lb().backends()) {
            if (b.state() == BackendState.DRAINING
                    || pool.discovery() != null && pool.discovery().owns(b.id())) {
                continue; // on its way out, or the registry's
            }
            ObjectNode n = backends.addObject();
            n.put("id", b.id());
            n.put("address", fileAddress(b.address()));
            if (b.weight() != BackendSpec.DEFAULT_WEIGHT) {
                n.put("weight", b.weight());
            }
            String health = b.spec().healthAddress();
            if (health != null) {
                BackendAddress h = BackendAddress.parse(health, BackendAddress.Scheme.TCP);
                ObjectNode hn = n.putObject("health");
                switch (h.scheme()) {
                    case PID:
                        hn.put("pid", Long.parseLong(h.value()));
                        break;
                    case PIDFILE:
                        hn.put("pidfile", h.value());
                        break;
                    default:
                        hn.put("address", h.hostPort());
                        break;
                }
            }
            saveTlsOptions(n, b);
        }
        return backends;
    }

    /** A backend's own TLS options, as {@code backends[i].tls}. */
    private static void saveTlsOptions(ObjectNode n, Backend b) {
        BackendTlsOptions o;
        try {
            o = BackendTlsOptions.fromTags(b.tags());
        } catch (IllegalArgumentException e) {
            return; // not from the file nor the admin API, which validate them
        }
        if (o.equals(BackendTlsOptions.none())) {
            return;
        }
        ObjectNode tn = n.putObject("tls");
        if (o.verify() != null) {
            tn.put("verify", o.verify());
        }
        if (o.caBundle() != null) {
            tn.put("ca", o.caBundle().toString());
        }
        if (o.serverName() != null) {
            tn.put("serverName", o.serverName());
        }
    }

    private static PosixFileAttributes posix(Path p) throws IOException {
        try {
            return Files.readAttributes(p, PosixFileAttributes.class);
        } catch (UnsupportedOperationException e) {
            return null; // not a POSIX file system: default attributes
        }
    }

    /** {@code http://host:port} to {@code host:port}, the form the configuration file uses. */
    static String fileAddress(String address) {
        try {
            BackendAddress a = BackendAddress.parse(address);
            return a.scheme() == BackendAddress.Scheme.HTTP ? a.hostPort() : a.toString();
        } catch (IllegalArgumentException e) {
            return address;
        }
    }
}
