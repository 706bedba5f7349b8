/**
 * The Reverl engine: {@link org.reverl.gateway.core.Gateways} and {@link org.reverl.gateway.core.LoadBalancers} build
 * gateways over a changing set of backends, with one resilience4j circuit breaker per backend, failover through
 * resilience4j {@code Retry} within a retry budget, and plugins found by {@link org.reverl.gateway.core.ProviderRegistry}.
 * {@link org.reverl.gateway.core.LocalBackend} is the in-process backend of the seed session: a function on its own
 * thread with a mailbox.
 *
 * <p>Parameters and return values are never {@code null} unless their javadoc says so.
 */
package org.reverl.gateway.core;
