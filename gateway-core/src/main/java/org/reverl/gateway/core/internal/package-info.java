/**
 * <em>Internal-use-only</em>: anything in this package can be changed or removed at any time. Use {@link
 * org.reverl.gateway.core.Gateways} and {@link org.reverl.gateway.core.LoadBalancers} instead.
 */
package org.reverl.gateway.core.internal;
