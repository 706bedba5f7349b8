/**
 * The {@code process} liveness probe, found by {@link java.util.ServiceLoader}: a backend is alive while its OS
 * process runs, named by pid ({@code pid:1234}) or by pid file ({@code pidfile:/run/app.pid}). Users configure it by
 * name; the provider class is public only because ServiceLoader requires it.
 *
 * <p>Local (in-process) backends, {@code local:<id>}, are not probed: the gateway learns that one stopped from its
 * lifecycle hook ({@link org.reverl.gateway.api.Endpoint#whenTerminated}) at once, which no polling probe can beat.
 */
package org.reverl.health.process;
