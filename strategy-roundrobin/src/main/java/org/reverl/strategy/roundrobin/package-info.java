/**
 * Round-robin selection strategies, found by {@link java.util.ServiceLoader}: {@code round_robin}, which ignores
 * weights, and {@code weighted_round_robin}, smooth and exact over each cycle. Users configure them by name; the
 * provider classes are public only because ServiceLoader requires it.
 */
package org.reverl.strategy.roundrobin;
