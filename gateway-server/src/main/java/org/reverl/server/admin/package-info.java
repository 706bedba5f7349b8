/**
 * The admin port: a JSON API over the running server's backends, configuration and readiness, its metrics in the
 * Prometheus format, and a status page that refreshes itself. {@link org.reverl.server.admin.AdminServer} is the entry
 * point; {@link org.reverl.server.admin.AdminSettings} says where it listens and which token it requires.
 */
package org.reverl.server.admin;
