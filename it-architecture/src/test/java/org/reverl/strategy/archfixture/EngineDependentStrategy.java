package org.reverl.strategy.archfixture;

import org.reverl.gateway.core.GatewayConfig;
import org.reverl.gateway.core.internal.DefaultLoadBalancer;

/** A plugin that breaks two rules: it uses the engine, and the engine's internal package. Checked, never run. */
public final class EngineDependentStrategy {

    GatewayConfig config;
    DefaultLoadBalancer engine;
}
