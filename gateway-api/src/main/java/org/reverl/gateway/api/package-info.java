/**
 * The contracts of Reverl: what a gateway is, what a backend is, and the plugin points, {@link
 * org.reverl.gateway.api.SelectionStrategy}, {@link org.reverl.gateway.api.LivenessProbe} and {@link
 * org.reverl.gateway.api.DiscoverySource}, found by {@link java.util.ServiceLoader} through their providers.
 *
 * <p>A strategy or probe author needs this artifact alone; it depends on nothing outside the JDK.
 *
 * <h2>Nullness</h2>
 * Parameters and return values are never {@code null} unless their javadoc says so.
 *
 * <h2>Error messages</h2>
 * Misuse fails fast with {@link java.lang.IllegalArgumentException} (bad value) or {@link
 * java.lang.IllegalStateException} (wrong lifecycle), in one format: {@code "<what>: <value> (expected: <rule>)"}.
 */
package org.reverl.gateway.api;
