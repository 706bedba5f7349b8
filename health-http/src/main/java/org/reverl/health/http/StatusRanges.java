package org.reverl.health.http;

import java.util.Arrays;
import org.reverl.gateway.api.Checks;

/**
 * The response statuses a probe accepts, parsed once from text such as {@code 200-399} or {@code 200,204,300-308}.
 * Immutable and thread-safe.
 */
final class StatusRanges {

    /** HAProxy's and nginx's meaning of a passing check: any 2xx or 3xx. */
    static final StatusRanges DEFAULT = parse("expect_status", "200-399");

    private static final String EXPECTED = "status codes 100-599 or ranges of them, comma-separated, e.g. 200-399,404";

    /** Pairs of inclusive bounds: {@code [low0, high0, low1, high1, ...]}. */
    private final int[] bounds;

    private final String text;

    private StatusRanges(int[] bounds, String text) {
        this.bounds = bounds;
        this.text = text;
    }

    /**
     * Parses {@code text}.
     *
     * @throws IllegalArgumentException naming {@code what}, the text and the accepted form
     */
    static StatusRanges parse(String what, String text) {
        String[] parts = text.split(",", -1);
        int[] bounds = new int[parts.length * 2];
        for (int i = 0; i < parts.length; i++) {
            String part = parts[i].strip();
            int dash = part.indexOf('-');
            int low = status(what, text, dash < 0 ? part : part.substring(0, dash));
            int high = dash < 0 ? low : status(what, text, part.substring(dash + 1));
            if (low > high) {
                throw new IllegalArgumentException(
                        Checks.message(what, "'" + text + "'", "ranges low-high with low <= high"));
            }
            bounds[2 * i] = low;
            bounds[2 * i + 1] = high;
        }
        return new StatusRanges(bounds, text.replace(" ", ""));
    }

    private static int status(String what, String text, String digits) {
        String d = digits.strip();
        if (d.length() != 3 || !d.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException(Checks.message(what, "'" + text + "'", EXPECTED));
        }
        int code = Integer.parseInt(d);
        if (code < 100 || code > 599) {
            throw new IllegalArgumentException(Checks.message(what, "'" + text + "'", EXPECTED));
        }
        return code;
    }

    /** Whether {@code status} is accepted. */
    boolean contains(int status) {
        for (int i = 0; i < bounds.length; i += 2) {
            if (status >= bounds[i] && status <= bounds[i + 1]) {
                return true;
            }
        }
        return false;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StatusRanges && Arrays.equals(bounds, ((StatusRanges) o).bounds);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bounds);
    }

    @Override
    public String toString() {
        return text;
    }
}
