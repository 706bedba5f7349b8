/**
 * The HTTP data path of Reverl: an HTTP/1.1 reverse proxy and HTTPS front-end on Netty that sends every request
 * through a {@link org.reverl.gateway.api.LoadBalancer}, so that its strategy, health, circuit breakers and retry
 * budget decide where requests go.
 *
 * <pre>{@code
 * LoadBalancer lb = ...;
 * try (HttpProxyServer proxy = HttpProxyServer.start(lb, HttpProxyConfig.builder().listen("127.0.0.1", 8080).build())) {
 *     proxy.awaitClose();
 * }
 * }</pre>
 *
 * <h2>Nullness</h2>
 * Parameters and return values are never {@code null} unless their javadoc says so.
 */
package org.reverl.gateway.http;
