package org.reverl.gateway.core;

import static java.util.Objects.requireNonNull;

import java.time.Instant;

/**
 * One thing a {@link DiscoveryFollower} did or noticed: a snapshot applied, an entry skipped, the registry failing or
 * back. Logged as one line, {@link #describe()}.
 *
 * <p>Immutable.
 *
 * @param type what happened
 * @param source the source's {@linkplain org.reverl.gateway.api.DiscoverySource#describe() description}
 * @param detail what changed, which entry was skipped and why, or what failed; never empty
 * @param time when the follower recorded it
 */
public record DiscoveryEvent(Type type, String source, String detail, Instant time) {

    /** What happened. */
    public enum Type {
        /** A snapshot was applied and changed membership; the detail lists the changes. */
        APPLIED("applied"),
        /** An entry of the registry could not be used and was skipped; the rest was applied. */
        SKIPPED("skipped an entry"),
        /** The registry could not be read or gave nothing usable; the last good membership stays. */
        FAILED("failed, keeping the last good backends"),
        /** The registry answers again after failing. */
        RECOVERED("recovered");

        private final String verb;

        Type(String verb) {
            this.verb = verb;
        }
    }

    /** Validates. */
    public DiscoveryEvent {
        requireNonNull(type, "type");
        requireNonNull(source, "source");
        requireNonNull(detail, "detail");
        requireNonNull(time, "time");
    }

    /** The log line, e.g. {@code discovery dns A web.example:8080 failed, keeping the last good backends: NXDOMAIN}. */
    public String describe() {
        return "discovery " + source + ' ' + type.verb + ": " + detail;
    }

    @Override
    public String toString() {
        return describe();
    }
}
