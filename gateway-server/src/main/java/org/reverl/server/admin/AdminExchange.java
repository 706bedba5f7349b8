package org.reverl.server.admin;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Map;

/**
 * One admin request as the endpoints see it, independent of the transport: method, decoded path and query, the headers
 * the API reads, the whole body and who sent it. Immutable.
 *
 * @param method upper case
 * @param path the decoded path, without a trailing slash (except {@code /})
 * @param query decoded query parameters
 * @param host the {@code Host} header, or {@code null}
 * @param origin the {@code Origin} header, or {@code null}
 * @param contentType the {@code Content-Type} header, or {@code null}
 * @param authorization the {@code Authorization} header, or {@code null}
 * @param body the body; empty when none
 * @param remote the client, for the audit log
 */
record AdminExchange(
        String method,
        String path,
        Map<String, List<String>> query,
        String host,
        String origin,
        String contentType,
        String authorization,
        byte[] body,
        String remote) {

    AdminExchange {
        requireNonNull(method, "method");
        requireNonNull(path, "path");
        query = Map.copyOf(query);
        requireNonNull(body, "body");
        requireNonNull(remote, "remote");
    }

    /** The single value of a query parameter, or {@code null}; 400 if it is given twice. */
    String queryParam(String name) {
        List<String> values = query.get(name);
        if (values == null || values.isEmpty()) {
            return null;
        }
        if (values.size() > 1) {
            throw new ApiError(400, "query parameter " + name + ": given " + values.size() + " times (expected: once)");
        }
        return values.get(0);
    }

    /**
     * A response: status, content type, body and extra headers.
     *
     * @param status HTTP status
     * @param contentType the media type
     * @param body the body
     * @param headers extra headers
     */
    record Reply(int status, String contentType, byte[] body, Map<String, String> headers) {
        Reply(int status, String contentType, byte[] body) {
            this(status, contentType, body, Map.of());
        }
    }
}
