package org.reverl.server.admin;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * An admin request that gets an error response: its status and the JSON error body {@code {"error": ..., "field":
 * ..., "value": ..., "expected": ...}} (the last three when known). No stack trace: it is an answer, not a fault.
 */
final class ApiError extends RuntimeException {

    private static final long serialVersionUID = 1L;

    final int status;
    final String field;
    final transient JsonNode value;
    final String expected;

    ApiError(int status, String message, String field, JsonNode value, String expected) {
        super(message, null, false, false);
        this.status = status;
        this.field = field;
        this.value = value;
        this.expected = expected;
    }

    ApiError(int status, String message) {
        this(status, message, null, null, null);
    }

    /** 400 for one field, with the message {@code "<field>: <value> (expected: <expected>)"}. */
    static ApiError field(String field, JsonNode value, String expected) {
        String shown = value == null ? "missing" : abbreviate(value.toString());
        return new ApiError(400, org.reverl.gateway.api.Checks.message(field, shown, expected), field, value, expected);
    }

    static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }
}
