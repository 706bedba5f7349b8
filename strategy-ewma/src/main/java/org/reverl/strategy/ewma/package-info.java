/**
 * The {@code peak_ewma} selection strategy, found by {@link java.util.ServiceLoader}: power of two choices over each
 * backend's peak-sensitive moving average of latency times its outstanding requests, relative to its effective weight.
 * Users configure it by name; the provider class is public only because ServiceLoader requires it.
 */
package org.reverl.strategy.ewma;
