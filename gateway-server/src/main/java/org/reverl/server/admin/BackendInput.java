package org.reverl.server.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.IOException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.reverl.gateway.api.BackendAddress;
import org.reverl.gateway.api.BackendSpec;
import org.reverl.gateway.api.BackendTlsOptions;
import org.reverl.gateway.api.Checks;

/**
 * The body of {@code POST /backends}: {@code {"id": "b4", "address": "http://10.0.0.4:8080", "weight": 2, "tags":
 * {"zone": "eu-1"}}}, checked field by field with the messages of {@link BackendSpec} and {@link Checks}.
 */
final class BackendInput {

    static final List<String> FIELDS = List.of("id", "address", "weight", "tags", "healthAddress");
    static final String ADDRESS_RULE =
            "host:port, tcp://host:port, http://host:port or https://host:port with a port 1-65535";
    static final String HEALTH_ADDRESS_RULE = "tcp://host:port, host:port, pid:<pid> or pidfile:<path>";

    private BackendInput() {}

    /** Parses and validates; throws {@link ApiError} (400) naming the field, its value and what was expected. */
    static BackendSpec parse(ObjectReader reader, byte[] body) {
        JsonNode n = readJson(reader, body);
        if (!n.isObject()) {
            throw new ApiError(
                    400,
                    Checks.message(
                            "body",
                            "a JSON " + n.getNodeType().name().toLowerCase(java.util.Locale.ROOT),
                            "a JSON object with id, address and optionally weight and tags"));
        }
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!FIELDS.contains(name)) {
                throw new ApiError(
                        400,
                        Checks.message(ApiError.abbreviate(name), "unknown field", "one of " + FIELDS),
                        name,
                        null,
                        "one of " + FIELDS);
            }
        }
        String id = text(n, "id", "a backend id: 1-64 characters of [A-Za-z0-9._:-]");
        try {
            BackendSpec.of(id, "x");
        } catch (IllegalArgumentException e) {
            throw new ApiError(400, e.getMessage(), "id", TextNode.valueOf(id), "1-64 characters of [A-Za-z0-9._:-]");
        }
        String address = checkAddress(id, text(n, "address", ADDRESS_RULE));
        int weight = BackendSpec.DEFAULT_WEIGHT;
        JsonNode w = n.get("weight");
        String weightRule = "an integer " + BackendSpec.MIN_WEIGHT + "-" + BackendSpec.MAX_WEIGHT;
        if (w != null) {
            if (!w.isIntegralNumber() || !w.canConvertToInt()) {
                throw ApiError.field("weight", w, weightRule);
            }
            weight = w.intValue();
            try {
                Checks.inRange("backend '" + id + "': weight", weight, BackendSpec.MIN_WEIGHT, BackendSpec.MAX_WEIGHT);
            } catch (IllegalArgumentException e) {
                throw new ApiError(400, e.getMessage(), "weight", w, weightRule);
            }
        }
        Map<String, String> tags = new LinkedHashMap<>();
        JsonNode t = n.get("tags");
        if (t != null) {
            if (!t.isObject()) {
                throw ApiError.field("tags", t, "an object of string values");
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = t.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!e.getValue().isTextual()) {
                    throw ApiError.field("tags." + e.getKey(), e.getValue(), "a string");
                }
                tags.put(e.getKey(), e.getValue().textValue());
            }
        }
        checkTlsTags(id, address, tags);
        String healthAddress = null;
        if (n.has("healthAddress")) {
            healthAddress = text(n, "healthAddress", HEALTH_ADDRESS_RULE);
            try {
                healthAddress = BackendAddress.parse(healthAddress, BackendAddress.Scheme.TCP)
                        .requireScheme(
                                "healthAddress",
                                BackendAddress.Scheme.TCP,
                                BackendAddress.Scheme.HTTP,
                                BackendAddress.Scheme.PID,
                                BackendAddress.Scheme.PIDFILE)
                        .toString();
            } catch (IllegalArgumentException e) {
                throw new ApiError(
                        400,
                        Checks.message(
                                "backend '" + id + "': healthAddress",
                                "'" + ApiError.abbreviate(healthAddress) + "'",
                                HEALTH_ADDRESS_RULE),
                        "healthAddress",
                        TextNode.valueOf(healthAddress),
                        HEALTH_ADDRESS_RULE);
            }
        }
        try {
            return new BackendSpec(id, address, weight, tags, healthAddress);
        } catch (IllegalArgumentException e) {
            throw new ApiError(400, e.getMessage());
        }
    }

    /**
     * The backend's own TLS options ({@code tls.verify}, {@code tls.ca}, {@code tls.serverName} tags): valid, and only
     * on an {@code https://} address; 400 naming the tag otherwise.
     */
    private static void checkTlsTags(String id, String address, Map<String, String> tags) {
        for (Map.Entry<String, String> e : tags.entrySet()) {
            if (!e.getKey().startsWith("tls.")) {
                continue;
            }
            String field = "tags." + e.getKey();
            if (!address.startsWith("https://")) {
                throw new ApiError(
                        400,
                        Checks.message(
                                "backend '" + id + "': " + field, "'" + e.getValue() + "'", "an https:// address"),
                        field,
                        TextNode.valueOf(e.getValue()),
                        "an https:// address");
            }
            try {
                BackendTlsOptions.fromTags(Map.of(e.getKey(), e.getValue()));
            } catch (IllegalArgumentException ex) {
                throw new ApiError(
                        400,
                        "backend '" + id + "': " + ex.getMessage(),
                        field,
                        TextNode.valueOf(e.getValue()),
                        "tls.verify: true or false; tls.ca: a readable PEM file; tls.serverName: a DNS name or IP literal");
            }
        }
    }

    /** Reads one JSON value; 400 for an empty body, malformed JSON, a duplicate key or trailing content. */
    static JsonNode readJson(ObjectReader reader, byte[] body) {
        if (body.length == 0) {
            throw new ApiError(400, Checks.message("body", "empty", "a JSON object"));
        }
        try {
            JsonNode n = reader.readTree(body);
            if (n == null || n.isMissingNode()) {
                throw new ApiError(400, Checks.message("body", "empty", "a JSON object"));
            }
            return n;
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null
                    ? ""
                    : " at line " + e.getLocation().getLineNr() + ", column "
                            + e.getLocation().getColumnNr();
            throw new ApiError(400, "malformed JSON" + where + ": " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new ApiError(400, "malformed JSON: " + e.getMessage());
        }
    }

    private static String text(JsonNode n, String field, String expected) {
        JsonNode v = n.get(field);
        if (v == null || !v.isTextual()) {
            throw ApiError.field(field, v, expected);
        }
        return v.textValue();
    }

    /**
     * Checks the forms the HTTP proxy reaches ({@code host:port}, {@code tcp://host:port}, {@code http://host:port},
     * {@code https://host:port}), without resolving the host; returns the canonical form, {@code http://host:port} or
     * {@code https://host:port}.
     */
    static String checkAddress(String id, String address) {
        try {
            BackendAddress a = BackendAddress.parse(address)
                    .requireScheme(
                            "address",
                            BackendAddress.Scheme.HTTP,
                            BackendAddress.Scheme.HTTPS,
                            BackendAddress.Scheme.TCP);
            return (a.scheme() == BackendAddress.Scheme.HTTPS ? a : a.withScheme(BackendAddress.Scheme.HTTP))
                    .toString();
        } catch (IllegalArgumentException e) {
            String expected = ADDRESS_RULE;
            throw new ApiError(
                    400,
                    Checks.message("backend '" + id + "': address", "'" + ApiError.abbreviate(address) + "'", expected),
                    "address",
                    TextNode.valueOf(address),
                    expected);
        }
    }

    /** The body of {@code PATCH /backends/{id}}: {@code {"weight": 3}}; 400 naming the field otherwise. */
    static int parseWeightPatch(ObjectReader reader, byte[] body, String id) {
        JsonNode n = readJson(reader, body);
        String weightRule = "an integer " + BackendSpec.MIN_WEIGHT + "-" + BackendSpec.MAX_WEIGHT;
        if (!n.isObject()) {
            throw new ApiError(
                    400,
                    Checks.message(
                            "body",
                            "a JSON " + n.getNodeType().name().toLowerCase(java.util.Locale.ROOT),
                            "a JSON object such as {\"weight\": 3}"));
        }
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!name.equals("weight")) {
                throw new ApiError(
                        400,
                        Checks.message(ApiError.abbreviate(name), "unknown field", "weight"),
                        name,
                        null,
                        "weight");
            }
        }
        JsonNode w = n.get("weight");
        if (w == null
                || !w.isIntegralNumber()
                || !w.canConvertToInt()
                || w.intValue() < BackendSpec.MIN_WEIGHT
                || w.intValue() > BackendSpec.MAX_WEIGHT) {
            throw ApiError.field("weight", w, weightRule);
        }
        return w.intValue();
    }
}
