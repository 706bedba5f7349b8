/** Guice wiring for the Reverl engine: {@link org.reverl.gateway.core.inject.ReverlModule}. Guice is optional. */
package org.reverl.gateway.core.inject;
