/**
 * The {@code ring_hash} and {@code maglev} selection strategies, found by {@link java.util.ServiceLoader}: consistent
 * hashing by client address, header, cookie or path, weighted, with optional bounded loads. Users configure them by
 * name; the provider classes are public only because ServiceLoader requires it.
 */
package org.reverl.strategy.hash;
