package org.reverl.discovery.etcd;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.Map;
import org.reverl.gateway.api.BackendAddress;
import org.reverl.gateway.api.BackendSpec;

/**
 * One key under the prefix, read: the backend it names, or why it names none. Immutable.
 *
 * @param key the whole key
 * @param spec the backend, or {@code null}
 * @param problem why the key was skipped, or {@code null}
 */
record BackendEntry(String key, BackendSpec spec, String problem) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Reads the value of {@code key} (under {@code prefix}); never throws. */
    static BackendEntry parse(String prefix, String key, String value) {
        String id = key.substring(prefix.length());
        if (id.isEmpty() || id.indexOf('/') >= 0) {
            return skip(
                    key,
                    "the part after the prefix is the backend's id (expected: one level, such as " + prefix + "web-1)");
        }
        JsonNode n;
        try {
            n = JSON.readTree(value);
        } catch (JsonProcessingException e) {
            return skip(key, "not valid JSON: " + shorten(value) + " (expected: {\"address\": \"host:port\"})");
        }
        if (n == null || !n.isObject()) {
            return skip(key, "not a JSON object: " + shorten(value) + " (expected: {\"address\": \"host:port\"})");
        }
        JsonNode a = n.get("address");
        if (a == null || !a.isTextual()) {
            return skip(
                    key,
                    "address: " + (a == null ? "missing" : a.toString()) + " (expected: host:port or"
                            + " http(s)://host:port)");
        }
        String address;
        try {
            address = BackendAddress.parse(a.asText(), BackendAddress.Scheme.HTTP)
                    .requireScheme("address", BackendAddress.Scheme.HTTP, BackendAddress.Scheme.HTTPS)
                    .toString();
        } catch (BackendAddress.InvalidAddressException e) {
            return skip(key, "address: \"" + a.asText() + "\" (expected: " + e.expected() + ")");
        } catch (IllegalArgumentException e) {
            return skip(key, "address: \"" + a.asText() + "\" (expected: host:port or http(s)://host:port)");
        }
        int weight = BackendSpec.DEFAULT_WEIGHT;
        JsonNode w = n.get("weight");
        if (w != null) {
            if (!w.isInt() || w.asInt() < BackendSpec.MIN_WEIGHT || w.asInt() > BackendSpec.MAX_WEIGHT) {
                return skip(
                        key,
                        "weight: " + w + " (expected: an integer " + BackendSpec.MIN_WEIGHT + "-"
                                + BackendSpec.MAX_WEIGHT + ")");
            }
            weight = w.asInt();
        }
        Map<String, String> tags = new LinkedHashMap<>();
        JsonNode t = n.get("tags");
        if (t != null) {
            if (!t.isObject()) {
                return skip(key, "tags: " + t + " (expected: an object of strings)");
            }
            for (Map.Entry<String, JsonNode> e : t.properties()) {
                if (!e.getValue().isTextual()) {
                    return skip(key, "tags." + e.getKey() + ": " + e.getValue() + " (expected: a string)");
                }
                tags.put(e.getKey(), e.getValue().asText());
            }
        }
        try {
            return new BackendEntry(key, new BackendSpec(id, address, weight, tags), null);
        } catch (IllegalArgumentException e) {
            return skip(key, e.getMessage());
        }
    }

    private static BackendEntry skip(String key, String problem) {
        return new BackendEntry(key, null, "key " + key + ": " + problem);
    }

    private static String shorten(String value) {
        return value.length() <= 60 ? value : value.substring(0, 57) + "...";
    }
}
