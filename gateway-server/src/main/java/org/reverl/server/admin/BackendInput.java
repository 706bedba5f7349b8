package org.reverl.server.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.reverl.gateway.api.BackendSpec;
import org.reverl.gateway.api.Checks;

/**
 * The body of {@code POST /backends}: {@code {"id": "b4", "address": "http://10.0.0.4:8080", "weight": 2, "tags":
 * {"zone": "eu-1"}}}, checked field by field with the messages of {@link BackendSpec} and {@link Checks}.
 */
final class BackendInput {

    static final List<String> FIELDS = List.of("id", "address", "weight", "tags");
    static final String ADDRESS_RULE = "host:port, tcp://host:port or http://host:port with a port 1-65535";

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
        String address = text(n, "address", ADDRESS_RULE);
        checkAddress(id, address);
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
        try {
            return new BackendSpec(id, address, weight, tags);
        } catch (IllegalArgumentException e) {
            throw new ApiError(400, e.getMessage());
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
     * Checks the forms the HTTP proxy reaches ({@code host:port}, {@code tcp://host:port}, {@code http://host:port}),
     * without resolving the host.
     */
    static void checkAddress(String id, String address) {
        String a = address.trim();
        boolean ok;
        try {
            String withScheme = a.contains("://") ? a : "tcp://" + a;
            URI uri = new URI(withScheme);
            String scheme = uri.getScheme();
            ok = ("tcp".equals(scheme) || "http".equals(scheme))
                    && uri.getHost() != null
                    && uri.getPort() >= 1
                    && uri.getPort() <= 65535
                    && uri.getUserInfo() == null
                    && (uri.getRawPath() == null || uri.getRawPath().isEmpty())
                    && uri.getRawQuery() == null
                    && uri.getRawFragment() == null;
        } catch (URISyntaxException e) {
            ok = false;
        }
        if (!ok) {
            String expected = ADDRESS_RULE;
            throw new ApiError(
                    400,
                    Checks.message("backend '" + id + "': address", "'" + ApiError.abbreviate(address) + "'", expected),
                    "address",
                    TextNode.valueOf(address),
                    expected);
        }
    }
}
