package org.reverl.gateway.api;

import java.util.Collection;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Argument checks that produce Reverl's one message format, {@code "<what>: <value> (expected: <rule>)"}, so that a
 * message cannot drift away from the check it describes. Used by Reverl's own modules and free for plugin authors.
 *
 * <p>Stateless and thread-safe.
 */
public final class Checks {

    private static final Pattern PLUGIN_NAME = Pattern.compile("[a-z][a-z0-9_]*");

    private Checks() {}

    /** Returns {@code value} if it lies in {@code [min, max]}, else throws naming {@code what}. */
    public static int inRange(String what, int value, int min, int max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(message(what, value, min + "-" + max));
        }
        return value;
    }

    /** Returns {@code value} if it lies in {@code [min, max]}, else throws naming {@code what}. */
    public static double inRange(String what, double value, double min, double max) {
        if (!(value >= min && value <= max)) {
            throw new IllegalArgumentException(message(what, value, min + "-" + max));
        }
        return value;
    }

    /** Returns {@code value} if it is greater than zero, else throws naming {@code what}. */
    public static int positive(String what, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(message(what, value, "> 0"));
        }
        return value;
    }

    /** Returns {@code value} if it is greater than zero, else throws naming {@code what}. */
    public static java.time.Duration positive(String what, java.time.Duration value) {
        Objects.requireNonNull(value, what);
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(message(what, value, "> 0"));
        }
        return value;
    }

    /** Returns {@code value} if it is zero or more, else throws naming {@code what}. */
    public static java.time.Duration notNegative(String what, java.time.Duration value) {
        Objects.requireNonNull(value, what);
        if (value.isNegative()) {
            throw new IllegalArgumentException(message(what, value, ">= 0"));
        }
        return value;
    }

    /** Returns {@code value} if it is not blank, else throws naming {@code what}. */
    public static String notBlank(String what, String value) {
        Objects.requireNonNull(value, what);
        if (value.isBlank()) {
            throw new IllegalArgumentException(message(what, '"' + value + '"', "not blank"));
        }
        return value;
    }

    /** Returns {@code name} if it is a valid plugin name ({@code [a-z][a-z0-9_]*}), else throws. */
    public static String pluginName(String what, String name) {
        Objects.requireNonNull(name, what);
        if (!PLUGIN_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(message(what, "'" + name + "'", "[a-z][a-z0-9_]*"));
        }
        return name;
    }

    /** Throws for an unknown name, listing the valid ones. */
    public static IllegalArgumentException unknown(String what, String value, Collection<String> known) {
        return new IllegalArgumentException(message(what, "'" + value + "'", "one of " + known));
    }

    /** Formats {@code "<what>: <value> (expected: <expected>)"}. */
    public static String message(String what, Object value, String expected) {
        return what + ": " + value + " (expected: " + expected + ")";
    }
}
