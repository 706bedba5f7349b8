/**
 * Round-robin selection strategies, found by {@link java.util.ServiceLoader}: {@code round_robin}. Users configure
 * them by name; the provider classes are public only because ServiceLoader requires it.
 */
package org.reverl.strategy.roundrobin;
