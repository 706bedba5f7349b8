package org.reverl.gateway.api;

import static java.util.Objects.requireNonNull;

import java.util.Map;
import java.util.regex.Pattern;

/**
 * The immutable description of one backend: what an operator configures and what the gateway is told to add.
 *
 * <ul>
 *   <li>{@code id}: unique within a gateway; 1 to 64 characters of {@code [A-Za-z0-9._:-]}, starting with a letter or
 *       digit. Appears in events, log lines ({@code backend b1 is down: stopped}), metrics and the admin API.
 *   <li>{@code address}: where the backend lives, e.g. {@code local:b1}, {@code tcp://10.0.0.5:9000}, {@code
 *       http://10.0.0.5:8080}; interpreted by the transport and the probes, not by the engine.
 *   <li>{@code weight}: {@value #MIN_WEIGHT} to {@value #MAX_WEIGHT}; weight-aware strategies share load in
 *       proportion to it, others ignore it.
 *   <li>{@code tags}: free-form labels, e.g. {@code zone=eu-1}.
 *   <li>{@code healthAddress}: what the liveness probe checks instead of {@code address}, or {@code null} to probe
 *       the address itself: another port ({@code tcp://10.0.0.5:9090}, HAProxy's {@code port}/{@code addr}) or the
 *       backend's process ({@code pid:1234}, {@code pidfile:/run/app.pid}) for the {@code process} probe. Parsed as a
 *       {@link BackendAddress}.
 * </ul>
 *
 * <p>Immutable and thread-safe.
 *
 * @param id unique id
 * @param address where the backend is
 * @param weight relative share of load, {@value #MIN_WEIGHT}-{@value #MAX_WEIGHT}
 * @param tags labels; copied
 * @param healthAddress what the probe checks, or {@code null} for {@code address}
 */
public record BackendSpec(String id, String address, int weight, Map<String, String> tags, String healthAddress) {

    /** The weight of a backend for which none is configured. */
    public static final int DEFAULT_WEIGHT = 1;
    /** The smallest weight. */
    public static final int MIN_WEIGHT = 1;
    /** The largest weight. */
    public static final int MAX_WEIGHT = 10_000;

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,63}");

    /** Validates and copies. */
    public BackendSpec {
        requireNonNull(id, "id");
        if (!ID.matcher(id).matches()) {
            throw new IllegalArgumentException(
                    Checks.message("backend id", "'" + id + "'", "1-64 characters of [A-Za-z0-9._:-]"));
        }
        Checks.notBlank("backend '" + id + "': address", address);
        Checks.inRange("backend '" + id + "': weight", weight, MIN_WEIGHT, MAX_WEIGHT);
        tags = Map.copyOf(requireNonNull(tags, "tags"));
        if (healthAddress != null) {
            try {
                BackendAddress.parse(healthAddress, BackendAddress.Scheme.TCP);
            } catch (BackendAddress.InvalidAddressException e) {
                throw new IllegalArgumentException(
                        Checks.message("backend '" + id + "': health address", "'" + healthAddress + "'", e.expected()),
                        e);
            }
        }
    }

    /** A backend probed at its own address. */
    public BackendSpec(String id, String address, int weight, Map<String, String> tags) {
        this(id, address, weight, tags, null);
    }

    /** What the liveness probe checks: {@link #healthAddress()} if set, else {@link #address()}. */
    public BackendAddress probeAddress() {
        return healthAddress != null
                ? BackendAddress.parse(healthAddress, BackendAddress.Scheme.TCP)
                : BackendAddress.parse(address, BackendAddress.Scheme.TCP);
    }

    /** Returns a copy probed at {@code healthAddress} ({@code null}: at its address). */
    public BackendSpec withHealthAddress(String healthAddress) {
        return java.util.Objects.equals(healthAddress, this.healthAddress)
                ? this
                : new BackendSpec(id, address, weight, tags, healthAddress);
    }

    /** A backend with the default weight and no tags. */
    public static BackendSpec of(String id, String address) {
        return new BackendSpec(id, address, DEFAULT_WEIGHT, Map.of());
    }

    /** Returns a copy with {@code weight}, or {@code this} if the weight is the same. */
    public BackendSpec withWeight(int weight) {
        return weight == this.weight ? this : new BackendSpec(id, address, weight, tags, healthAddress);
    }

    /** Returns a copy with {@code tags}, or {@code this} if the tags are equal. */
    public BackendSpec withTags(Map<String, String> tags) {
        return tags.equals(this.tags) ? this : new BackendSpec(id, address, weight, tags, healthAddress);
    }
}
