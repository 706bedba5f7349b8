package org.reverl.gateway.http;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.regex.Pattern;
import org.reverl.gateway.api.Checks;
import org.reverl.gateway.api.LoadBalancer;

/**
 * A named pool of backends as the proxy sees it: the {@link LoadBalancer} that picks a backend (its strategy, health,
 * circuit breakers and retry budget), and the settings of the proxy's side of each try: how long connecting and the
 * response may take, how long an idle kept-alive connection is kept, and how many backends one request may be tried
 * on. A {@link Router} sends each request to one pool.
 *
 * <p>Immutable and thread-safe. The load balancer is the caller's: the proxy never closes it.
 *
 * @param name the pool's name: {@code [a-z0-9][a-z0-9_-]*}, up to 64 characters
 * @param lb where requests of this pool go
 * @param connectTimeout how long connecting to a backend may take; then the request fails over
 * @param responseTimeout how long a backend may take to start answering a request sent whole
 * @param upstreamIdleTimeout how long an idle kept-alive connection to a backend is kept
 * @param maxAttempts how many backends one request may be tried on, including the first
 * @param retryOn the answered statuses after which an idempotent request goes to another backend of the pool
 * @since 0.3
 */
public record ProxyPool(
        String name,
        LoadBalancer lb,
        Duration connectTimeout,
        Duration responseTimeout,
        Duration upstreamIdleTimeout,
        int maxAttempts,
        RetryOn retryOn) {

    /** The name of the pool of a server configured with one list of backends. */
    public static final String DEFAULT = "default";

    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,63}");

    /**
     * Checks every value.
     *
     * @throws IllegalArgumentException naming the value and what was expected
     */
    public ProxyPool {
        checkName(name);
        requireNonNull(lb, "lb");
        Checks.positive("connectTimeout", connectTimeout);
        Checks.positive("responseTimeout", responseTimeout);
        Checks.positive("upstreamIdleTimeout", upstreamIdleTimeout);
        Checks.inRange("maxAttempts", maxAttempts, 1, 16);
        requireNonNull(retryOn, "retryOn");
    }

    /** A pool with the backend timeouts, attempts and {@code retryOn} of {@code config}. */
    public static ProxyPool of(String name, LoadBalancer lb, HttpProxyConfig config) {
        return new ProxyPool(
                name,
                lb,
                config.connectTimeout(),
                config.responseTimeout(),
                config.upstreamIdleTimeout(),
                config.maxAttempts(),
                config.retryOn());
    }

    /**
     * Returns {@code name} if it is a valid pool name: lower-case letters, digits, {@code -} and {@code _}, starting
     * with a letter or digit, 1-64 characters (it appears in admin URLs and metric tags).
     *
     * @throws IllegalArgumentException naming the value and what was expected
     */
    public static String checkName(String name) {
        requireNonNull(name, "name");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(Checks.message(
                    "pool name", '"' + name + '"', "1-64 characters of [a-z0-9_-], starting with a letter or digit"));
        }
        return name;
    }
}
