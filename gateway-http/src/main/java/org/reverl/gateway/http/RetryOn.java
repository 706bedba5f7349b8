package org.reverl.gateway.http;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.reverl.gateway.api.Checks;

/**
 * The response statuses after which an idempotent request is sent again to another backend, as nginx's {@code
 * proxy_next_upstream http_503} and Envoy's {@code retry_on: 5xx} do. Transport failures (refused, reset, timed out
 * before a response) are retried whatever this says; this set adds answers the backend gave but should not have.
 *
 * <p>A response is retried only while nothing of it reached the client, for a request the proxy can send again whole
 * (an idempotent method, its body received whole), within the request's attempt limit and the retry budget; the
 * discarded response counts against its backend ({@link org.reverl.gateway.api.Lease#onResponse}, which outlier
 * detection reads). When no other backend is left to try, the client gets the status the last backend answered, with
 * the proxy's own body. Otherwise, the last answer is relayed as it is.
 *
 * <p>Written as a list of tokens, each one of:
 * <ul>
 *   <li>{@code 5xx}: every server error, 500-599;
 *   <li>{@code gateway-error}: 502, 503 and 504, the statuses of a backend that is itself a proxy or overloaded;
 *   <li>a status code from 400 to 599 ({@code 429}, {@code 503}).
 * </ul>
 * Immutable; the empty set, the default, retries no answered request.
 */
public final class RetryOn {

    private static final int FIRST = 400;
    private static final int LAST = 599;
    private static final int WORDS = (LAST - FIRST) / 64 + 1;

    /** What a token may be, as error messages say it. */
    public static final String EXPECTED = "5xx, gateway-error, or a status code from 400 to 599";

    /** Retries no answered request. */
    public static final RetryOn NONE = new RetryOn(List.of(), new long[WORDS]);

    private final List<String> tokens;
    /** One bit per status from 400 to 599 (bit {@code status - 400}); 200 bits in four longs. */
    private final long[] bits;

    private RetryOn(List<String> tokens, long[] bits) {
        this.tokens = tokens;
        this.bits = bits;
    }

    /**
     * Parses a list of tokens.
     *
     * @param what the setting's name, for error messages (e.g. {@code retry.on})
     * @param tokens {@code 5xx}, {@code gateway-error}, or status codes from 400 to 599
     * @throws IllegalArgumentException naming the setting, the token and what was expected
     */
    public static RetryOn parse(String what, Collection<String> tokens) {
        requireNonNull(tokens, what);
        if (tokens.isEmpty()) {
            return NONE;
        }
        long[] bits = new long[WORDS];
        List<String> kept = new ArrayList<>(tokens.size());
        for (String raw : tokens) {
            String token = raw == null ? "" : raw.trim();
            switch (token) {
                case "5xx":
                    for (int s = 500; s <= 599; s++) {
                        set(bits, s);
                    }
                    break;
                case "gateway-error":
                    set(bits, 502);
                    set(bits, 503);
                    set(bits, 504);
                    break;
                default:
                    set(bits, status(what, token));
            }
            kept.add(token);
        }
        return new RetryOn(List.copyOf(kept), bits);
    }

    private static int status(String what, String token) {
        int status = -1;
        if (token.length() == 3) {
            try {
                status = Integer.parseInt(token);
            } catch (NumberFormatException e) {
                status = -1;
            }
        }
        if (status < FIRST || status > LAST) {
            throw new IllegalArgumentException(Checks.message(what, "\"" + token + "\"", EXPECTED));
        }
        return status;
    }

    private static void set(long[] bits, int status) {
        int i = status - FIRST;
        bits[i >>> 6] |= 1L << i;
    }

    /** Whether a response of this status is retried. No allocation; any int is accepted. */
    public boolean matches(int status) {
        if (status < FIRST || status > LAST) {
            return false;
        }
        int i = status - FIRST;
        return (bits[i >>> 6] & (1L << i)) != 0;
    }

    /** Whether no status is retried. */
    public boolean isEmpty() {
        return tokens.isEmpty();
    }

    /** The tokens as written, for display. */
    public List<String> tokens() {
        return tokens;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RetryOn && java.util.Arrays.equals(bits, ((RetryOn) o).bits);
    }

    @Override
    public int hashCode() {
        return java.util.Arrays.hashCode(bits);
    }

    @Override
    public String toString() {
        return String.join(",", tokens);
    }
}
