package org.reverl.health.process;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.reverl.gateway.api.Backend;
import org.reverl.gateway.api.BackendAddress;
import org.reverl.gateway.api.BackendSpec;
import org.reverl.gateway.api.Checks;
import org.reverl.gateway.api.LivenessProbe;
import org.reverl.gateway.api.ProbeResult;

/**
 * Asks the OS, through {@link ProcessHandle}, whether the backend's process runs: the one its {@linkplain
 * BackendSpec#healthAddress() health address} names, or its own address when that is a {@code pid:} or {@code pidfile:}.
 *
 * <h2>Addresses</h2>
 * <ul>
 *   <li>{@code pid:<pid>}: that process.
 *   <li>{@code pidfile:<path>}: the process whose pid the file holds (decimal, surrounding white space allowed), read
 *       again at every probe, so a restarted service that rewrites its pid file is followed.
 *   <li>{@code local:<id>}: not probed; down with a reason saying so (see the package documentation).
 * </ul>
 *
 * <h2>Reasons when down</h2>
 * {@code exited} (a process this probe saw alive has ended, or the pid now belongs to another process: {@link
 * ProcessHandle#isAlive()} compares start times, so pid reuse is not mistaken for life), {@code no such process},
 * {@code pid file missing}, {@code pid file unreadable: <why>}, {@code pid file malformed: '<content>'}, {@code bad
 * address: ...}, {@code unsupported address: ...}.
 *
 * <h2>Threading</h2>
 * Thread-safe. A probe is a process-table lookup and, for a pid file, a read of a few bytes of a local file; both are
 * quick, so the probe runs on the calling thread and returns a completed stage. The last handle seen alive is kept per
 * backend, weakly, so removed backends are forgotten.
 */
final class ProcessProbe implements LivenessProbe {

    static final String EXPECTED = "pid:<pid> or pidfile:<path>";

    private static final int MAX_PID_FILE_BYTES = 64;

    private final Map<Backend, ProcessHandle> seenAlive = Collections.synchronizedMap(new WeakHashMap<>());

    @Override
    public CompletionStage<ProbeResult> probe(Backend backend, Duration timeout) {
        return CompletableFuture.completedFuture(check(backend));
    }

    private ProbeResult check(Backend backend) {
        BackendSpec spec = backend.spec();
        String text = spec.healthAddress() != null ? spec.healthAddress() : spec.address();
        BackendAddress address;
        try {
            address = BackendAddress.parse(text);
        } catch (IllegalArgumentException e) {
            return ProbeResult.down("bad " + Checks.message("address", "'" + text + "'", EXPECTED));
        }
        switch (address.scheme()) {
            case PID:
                return check(backend, Long.parseLong(address.value()));
            case PIDFILE:
                return checkPidFile(backend, address.value());
            case LOCAL:
                return ProbeResult.down("unsupported "
                        + Checks.message(
                                "address",
                                "'" + text + "'",
                                EXPECTED + "; a local backend is watched through its lifecycle"));
            default:
                return ProbeResult.down("bad " + Checks.message("address", "'" + text + "'", EXPECTED));
        }
    }

    /** {@code pid} and {@code pidfile}. */
    @Override
    public Set<BackendAddress.Scheme> schemes() {
        return EnumSet.of(BackendAddress.Scheme.PID, BackendAddress.Scheme.PIDFILE);
    }

    private ProbeResult checkPidFile(Backend backend, String file) {
        String content;
        try {
            Path path = Path.of(file);
            byte[] bytes = Files.readAllBytes(path);
            if (bytes.length > MAX_PID_FILE_BYTES) {
                return ProbeResult.down("pid file malformed: " + bytes.length + " bytes (expected: a pid)");
            }
            content = new String(bytes, StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            return ProbeResult.down("pid file missing");
        } catch (IOException | InvalidPathException | SecurityException e) {
            return ProbeResult.down("pid file unreadable: " + describe(e));
        }
        long pid = parsePid(content.strip());
        if (pid <= 0) {
            return ProbeResult.down("pid file malformed: '" + content.strip() + "'");
        }
        return check(backend, pid);
    }

    private ProbeResult check(Backend backend, long pid) {
        ProcessHandle seen = seenAlive.get(backend);
        if (seen != null && seen.pid() == pid) {
            if (seen.isAlive()) { // same pid and same start time
                return ProbeResult.up();
            }
            seenAlive.remove(backend);
            return ProbeResult.down("exited");
        }
        Optional<ProcessHandle> handle = ProcessHandle.of(pid);
        if (handle.isEmpty()) {
            return ProbeResult.down("no such process");
        }
        if (!handle.get().isAlive()) {
            return ProbeResult.down("exited");
        }
        seenAlive.put(backend, handle.get());
        return ProbeResult.up();
    }

    /** The pid in {@code text}, or {@code -1} if it is not a positive decimal number. */
    private static long parsePid(String text) {
        if (text.isEmpty() || text.length() > 18) {
            return -1;
        }
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) < '0' || text.charAt(i) > '9') {
                return -1;
            }
        }
        return Long.parseLong(text);
    }

    private static String describe(Exception e) {
        String message = e.getMessage();
        return e.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }

    @Override
    public String toString() {
        return "process";
    }
}
