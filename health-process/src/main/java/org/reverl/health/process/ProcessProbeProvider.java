package org.reverl.health.process;

import java.util.Map;
import org.reverl.gateway.api.Checks;
import org.reverl.gateway.api.LivenessProbe;
import org.reverl.gateway.api.LivenessProbeProvider;

/**
 * Provides {@value #NAME}: a backend is alive while its OS process runs. Its address is {@code pid:<pid>} or {@code
 * pidfile:<path>}. Reasons when down: {@code exited}, {@code no such process}, {@code pid file missing}, {@code pid
 * file unreadable: ...}, {@code pid file malformed: ...}. A {@code local:<id>} backend is reported down as an
 * unsupported address: the gateway watches local backends through their lifecycle instead.
 *
 * <p>Options: none.
 *
 * <p>Thread-safe and stateless. Public only because {@link java.util.ServiceLoader} requires it: configure {@code
 * process}, never this class.
 */
public final class ProcessProbeProvider implements LivenessProbeProvider {

    /** The probe's name. */
    public static final String NAME = "process";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public LivenessProbe create(Map<String, String> options) {
        for (String key : options.keySet()) {
            throw new IllegalArgumentException(Checks.message("probe '" + NAME + "': option", "'" + key + "'", "none"));
        }
        return new ProcessProbe();
    }
}
