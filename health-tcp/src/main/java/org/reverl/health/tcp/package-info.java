/**
 * The {@code tcp} liveness probe, found by {@link java.util.ServiceLoader}: a backend is alive when a TCP connection
 * to its {@code host:port} opens within the probe's timeout. A backend that keeps failing is probed less and less
 * often, up to a bound, and normally again after its first success. Users configure it by name; the provider class is
 * public only because ServiceLoader requires it.
 */
package org.reverl.health.tcp;
