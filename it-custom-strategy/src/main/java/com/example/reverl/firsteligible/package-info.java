/**
 * An example of a selection strategy written outside Reverl: {@code first_eligible}, active/standby. It depends on
 * {@code reverl-gateway-api} alone and is registered in {@code
 * META-INF/services/org.reverl.gateway.api.SelectionStrategyProvider}, so a gateway finds it by name exactly as it
 * finds {@code round_robin}.
 */
package com.example.reverl.firsteligible;
