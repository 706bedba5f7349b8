/**
 * The YAML configuration file of the Reverl server: {@link org.reverl.server.config.ConfigLoader} parses and validates
 * it, reporting every error at once with its path, value and what was expected; {@link
 * org.reverl.server.config.ReverlConfig} is the validated result.
 */
package org.reverl.server.config;
