/**
 * The {@code least_conn} selection strategy, found by {@link java.util.ServiceLoader}: power of d choices over the
 * backends' in-flight counts, relative to their effective weights. Users configure it by name; the provider class is
 * public only because ServiceLoader requires it.
 */
package org.reverl.strategy.leastconn;
