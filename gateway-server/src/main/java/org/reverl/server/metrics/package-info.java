/**
 * Reverl's metrics: Micrometer meters per backend and for the proxy, fed by the data path through a {@link
 * org.reverl.gateway.http.ProxyObserver} and by the engine's {@link org.reverl.gateway.api.BackendEvent}s, scraped in
 * the Prometheus text format from the admin port. {@link org.reverl.server.metrics.ServerMetrics} is the entry point.
 */
package org.reverl.server.metrics;
