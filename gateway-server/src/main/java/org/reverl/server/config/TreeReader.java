package org.reverl.server.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.reverl.gateway.api.Checks;

/**
 * Reads a parsed YAML tree field by field, collecting every error instead of stopping at the first, each in the form
 * {@code <path>: <value> (expected: <rule>)}. A field read with a wrong type or value yields its default, so reading
 * goes on and later errors are found too. Not thread-safe; one per load.
 */
final class TreeReader {

    private final List<String> errors = new ArrayList<>();

    List<String> errors() {
        return errors;
    }

    void error(String path, Object value, String expected) {
        errors.add(Checks.message(path, value, expected));
    }

    void error(String path, String message) {
        errors.add(path + ": " + message);
    }

    Obj root(JsonNode node) {
        return new Obj("", node);
    }

    static String show(JsonNode node) {
        return node.isTextual() ? '"' + node.asText() + '"' : node.toString();
    }

    /** One mapping of the tree; remembers which keys were read so that the rest can be reported as unknown. */
    final class Obj {
        final String path;
        private final JsonNode node;
        private final Set<String> known = new LinkedHashSet<>();

        Obj(String path, JsonNode node) {
            this.path = path;
            this.node = node;
        }

        String at(String key) {
            return path.isEmpty() ? key : path + '.' + key;
        }

        boolean has(String key) {
            known.add(key);
            return node != null && node.has(key) && !node.get(key).isNull();
        }

        private JsonNode get(String key) {
            return has(key) ? node.get(key) : null;
        }

        String string(String key, String fallback) {
            JsonNode v = get(key);
            if (v == null) {
                return fallback;
            }
            if (!v.isTextual() && !v.isNumber() && !v.isBoolean()) {
                error(at(key), show(v), "a string");
                return fallback;
            }
            return v.asText();
        }

        /** A required string; reports it missing. */
        String requiredString(String key, String expected) {
            String s = string(key, null);
            if (s == null && !errorsMention(at(key))) {
                error(at(key), "missing", expected);
            }
            return s;
        }

        private boolean errorsMention(String path) {
            for (String e : errors) {
                if (e.startsWith(path + ": ")) {
                    return true;
                }
            }
            return false;
        }

        int integer(String key, int fallback, int min, int max) {
            JsonNode v = get(key);
            if (v == null) {
                return fallback;
            }
            if (!v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() < min || v.asInt() > max) {
                error(at(key), show(v), "an integer " + min + "-" + max);
                return fallback;
            }
            return v.asInt();
        }

        double number(String key, double fallback, double min, double max) {
            JsonNode v = get(key);
            if (v == null) {
                return fallback;
            }
            if (!v.isNumber() || v.asDouble() < min || v.asDouble() > max) {
                error(at(key), show(v), "a number " + strip(min) + "-" + strip(max));
                return fallback;
            }
            return v.asDouble();
        }

        private String strip(double d) {
            return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
        }

        boolean bool(String key, boolean fallback) {
            JsonNode v = get(key);
            if (v == null) {
                return fallback;
            }
            if (!v.isBoolean()) {
                error(at(key), show(v), "true or false");
                return fallback;
            }
            return v.asBoolean();
        }

        /** A duration such as {@code 500ms}, {@code 2s}, {@code 1m}, {@code 1h} or ISO-8601 {@code PT2S}. */
        /**
         * A byte count ({@code 65536}, {@code 64KiB}, {@code 10MiB}) from {@code min} to {@code max}; a number is
         * taken as bytes. {@code unlimitedValue}, if not -1, is what the word {@code unlimited} stands for.
         */
        long size(String key, long fallback, long min, long max, long unlimitedValue) {
            JsonNode v = get(key);
            if (v == null) {
                return fallback;
            }
            if (unlimitedValue != -1 && v.isTextual() && v.asText().trim().equals("unlimited")) {
                return unlimitedValue;
            }
            long n = v.isIntegralNumber() ? v.asLong() : v.isTextual() ? ConfigValues.size(v.asText()) : -1;
            if (n < min || n > max) {
                error(
                        at(key),
                        show(v),
                        "a size from " + min + " to " + max + " bytes, such as 65536, 64KiB or 10MiB"
                                + (unlimitedValue != -1 ? ", or unlimited" : ""));
                return fallback;
            }
            return n;
        }

        Duration duration(String key, Duration fallback, boolean zeroAllowed) {
            JsonNode v = get(key);
            if (v == null) {
                return fallback;
            }
            String expected = (zeroAllowed ? "" : "positive ") + "duration such as 500ms, 2s, 1m or PT2S";
            Duration d = v.isTextual() ? ConfigValues.duration(v.asText()) : null;
            if (d == null || d.isNegative() || (!zeroAllowed && d.isZero())) {
                error(at(key), show(v), "a " + expected);
                return fallback;
            }
            return d;
        }

        Obj obj(String key) {
            JsonNode v = get(key);
            if (v != null && !v.isObject()) {
                error(at(key), show(v), "a mapping");
                return new Obj(at(key), null);
            }
            return new Obj(at(key), v);
        }

        List<Obj> objects(String key) {
            JsonNode v = get(key);
            List<Obj> list = new ArrayList<>();
            if (v == null) {
                return list;
            }
            if (!v.isArray()) {
                error(at(key), show(v), "a list");
                return list;
            }
            for (int i = 0; i < v.size(); i++) {
                String p = at(key) + '[' + i + ']';
                JsonNode item = v.get(i);
                if (!item.isObject()) {
                    error(p, show(item), "a mapping");
                    list.add(new Obj(p, null));
                } else {
                    list.add(new Obj(p, item));
                }
            }
            return list;
        }

        List<String> strings(String key) {
            JsonNode v = get(key);
            List<String> list = new ArrayList<>();
            if (v == null) {
                return list;
            }
            if (!v.isArray()) {
                error(at(key), show(v), "a list of strings");
                return list;
            }
            for (int i = 0; i < v.size(); i++) {
                JsonNode item = v.get(i);
                if (!item.isTextual()) {
                    error(at(key) + '[' + i + ']', show(item), "a string");
                } else {
                    list.add(item.asText());
                }
            }
            return list;
        }

        /** Plugin options: a mapping of names to scalar values, given to the plugin as strings. */
        Map<String, String> options(String key) {
            JsonNode v = get(key);
            Map<String, String> map = new LinkedHashMap<>();
            if (v == null) {
                return map;
            }
            if (!v.isObject()) {
                error(at(key), show(v), "a mapping of option names to values");
                return map;
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!e.getValue().isValueNode() || e.getValue().isNull()) {
                    error(at(key) + '.' + e.getKey(), show(e.getValue()), "a string, number or boolean");
                } else {
                    map.put(e.getKey(), e.getValue().asText());
                }
            }
            return map;
        }

        /**
         * Every key of this mapping not asked for so far, as plugin options (scalar values as strings); they count as
         * asked for from now on.
         */
        Map<String, String> remainingOptions() {
            Map<String, String> map = new LinkedHashMap<>();
            if (node == null) {
                return map;
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (known.add(e.getKey())) {
                    if (!e.getValue().isValueNode() || e.getValue().isNull()) {
                        error(at(e.getKey()), show(e.getValue()), "a string, number or boolean");
                    } else {
                        map.put(e.getKey(), e.getValue().asText());
                    }
                }
            }
            return map;
        }

        /** Marks {@code key} as known: another part of the loader reads it from its own view of this mapping. */
        void readElsewhere(String key) {
            known.add(key);
        }

        /** A mapping of names to mappings, in file order, e.g. {@code pools: { web: {...}, api: {...} }}. */
        Map<String, Obj> mappings(String key) {
            JsonNode v = get(key);
            Map<String, Obj> map = new LinkedHashMap<>();
            if (v == null) {
                return map;
            }
            if (!v.isObject()) {
                error(at(key), show(v), "a mapping of names to mappings");
                return map;
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String p = at(key) + '.' + e.getKey();
                if (!e.getValue().isObject()) {
                    error(p, show(e.getValue()), "a mapping");
                    map.put(e.getKey(), new Obj(p, null));
                } else {
                    map.put(e.getKey(), new Obj(p, e.getValue()));
                }
            }
            return map;
        }

        /** Reports every key of this mapping that was never asked for. Call after reading all fields. */
        void rejectUnknownKeys() {
            if (node == null) {
                return;
            }
            for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
                String key = it.next();
                if (!known.contains(key)) {
                    error(at(key), "unknown key", "one of " + new TreeSet<>(known));
                }
            }
        }
    }
}
