/**
 * The {@code http} liveness probe, found by {@link java.util.ServiceLoader}: a backend is alive when a {@code GET} or
 * {@code HEAD} of its health path answers an expected status (and body text) within the probe's timeout, over plain
 * HTTP or TLS. Users configure it by name; the provider class is public only because ServiceLoader requires it.
 */
package org.reverl.health.http;
