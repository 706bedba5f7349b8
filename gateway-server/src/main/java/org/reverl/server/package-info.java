/**
 * The runnable Reverl: the {@code reverl} command line ({@link org.reverl.server.Reverl}), which wires the engine of
 * {@code gateway-core} to the HTTP proxy of {@code gateway-http}.
 */
package org.reverl.server;
