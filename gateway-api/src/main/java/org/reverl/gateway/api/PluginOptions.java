package org.reverl.gateway.api;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a plugin's options ({@code Map<String, String>}, as a provider's {@code create} receives them) with Reverl's
 * one message format, so that every plugin names the option, the value and what was expected alike, e.g. {@code
 * discovery 'dns': min_ttl: '5x' (expected: a duration such as 500ms, 2s, 1m or 1h)}.
 *
 * <pre>{@code
 * PluginOptions o = PluginOptions.of("discovery 'dns'", options, Set.of("name", "port", "min_ttl"));
 * String name = o.required("name", "a DNS name such as web.example");
 * Duration minTtl = o.duration("min_ttl", Duration.ofSeconds(1));
 * }</pre>
 *
 * <p>Durations are {@code 500ms}, {@code 2s}, {@code 1m}, {@code 1h} or ISO-8601 such as {@code PT2S}.
 *
 * <p>Not thread-safe; meant for the duration of one {@code create} call.
 */
public final class PluginOptions {

    private static final Pattern DURATION = Pattern.compile("([0-9]{1,9})(ms|s|m|h)");

    private final String plugin;
    private final Map<String, String> options;

    private PluginOptions(String plugin, Map<String, String> options) {
        this.plugin = plugin;
        this.options = options;
    }

    /**
     * Options of {@code plugin} (as it appears in messages, e.g. {@code discovery 'dns'}).
     *
     * @throws IllegalArgumentException if an option is not one of {@code known}, listing the known ones
     */
    public static PluginOptions of(String plugin, Map<String, String> options, Set<String> known) {
        requireNonNull(plugin, "plugin");
        requireNonNull(options, "options");
        for (String key : options.keySet()) {
            if (!known.contains(key)) {
                throw Checks.unknown(plugin + ": option", key, new TreeSet<>(known));
            }
        }
        return new PluginOptions(plugin, options);
    }

    /** The name of an option in messages: {@code discovery 'dns': min_ttl}. */
    public String what(String option) {
        return plugin + ": " + option;
    }

    /** Whether the option is given. */
    public boolean has(String option) {
        return options.containsKey(option);
    }

    /** The option's text, or {@code defaultValue} if it is not given. */
    public String string(String option, String defaultValue) {
        String v = options.get(option);
        return v == null ? defaultValue : v.trim();
    }

    /**
     * The option's text.
     *
     * @param expected what it should be, for the message when it is missing or blank
     */
    public String required(String option, String expected) {
        String v = options.get(option);
        if (v == null || v.isBlank()) {
            throw new IllegalArgumentException(
                    Checks.message(what(option), v == null ? "missing" : "'" + v + "'", expected));
        }
        return v.trim();
    }

    /** An integer in {@code [min, max]}, or {@code defaultValue} if not given. */
    public int integer(String option, int defaultValue, int min, int max) {
        String v = options.get(option);
        if (v == null) {
            return defaultValue;
        }
        int n;
        try {
            n = Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    Checks.message(what(option), "'" + v + "'", "an integer " + min + "-" + max));
        }
        return Checks.inRange(what(option), n, min, max);
    }

    /** {@code true} or {@code false}, or {@code defaultValue} if not given. */
    public boolean bool(String option, boolean defaultValue) {
        String v = options.get(option);
        if (v == null) {
            return defaultValue;
        }
        return switch (v.trim()) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException(Checks.message(what(option), "'" + v + "'", "true or false"));
        };
    }

    /** A positive duration, or {@code defaultValue} if not given. */
    public Duration duration(String option, Duration defaultValue) {
        String v = options.get(option);
        if (v == null) {
            return defaultValue;
        }
        Duration d = parseDuration(v);
        if (d == null) {
            throw new IllegalArgumentException(
                    Checks.message(what(option), "'" + v + "'", "a duration such as 500ms, 2s, 1m or 1h"));
        }
        return Checks.positive(what(option), d);
    }

    /** A comma-separated list, each item trimmed, empty items dropped; empty if not given. */
    public List<String> list(String option) {
        String v = options.get(option);
        List<String> items = new ArrayList<>();
        if (v != null) {
            for (String item : v.split(",")) {
                if (!item.isBlank()) {
                    items.add(item.trim());
                }
            }
        }
        return items;
    }

    /** Fails naming {@code option}, its value and what was expected. */
    public IllegalArgumentException invalid(String option, String expected) {
        String v = options.get(option);
        return new IllegalArgumentException(
                Checks.message(what(option), v == null ? "missing" : "'" + v + "'", expected));
    }

    /** {@code 500ms}, {@code 2s}, {@code 1m}, {@code 1h} or ISO-8601; {@code null} if the text is none of them. */
    public static Duration parseDuration(String text) {
        String s = text.trim();
        Matcher m = DURATION.matcher(s);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                default -> Duration.ofHours(n);
            };
        }
        try {
            return Duration.parse(s);
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
