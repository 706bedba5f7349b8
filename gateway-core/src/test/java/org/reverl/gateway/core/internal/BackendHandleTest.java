package org.reverl.gateway.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.reverl.gateway.api.Attempts;
import org.reverl.gateway.api.BackendSpec;
import org.reverl.gateway.api.RequestContext;
import org.reverl.gateway.core.GatewayConfig;
import org.reverl.gateway.core.ProviderRegistry;

class BackendHandleTest {

    @Test
    void breaker_isPerBackend_refusesWithoutStackTrace_andIsEvictedWithItsBackend() {
        GatewayConfig config = GatewayConfig.defaults();
        try (DefaultLoadBalancer lb = new DefaultLoadBalancer(
                config,
                ProviderRegistry.load().newStrategy("round_robin", config.strategyOptions()),
                null,
                Clock.systemUTC())) {
            lb.add(BackendSpec.of("b1", "tcp://127.0.0.1:9001"));
            lb.add(BackendSpec.of("b2", "tcp://127.0.0.1:9002"));
            BackendHandle b1 = (BackendHandle) lb.backend("b1").orElseThrow();
            BackendHandle b2 = (BackendHandle) lb.backend("b2").orElseThrow();
            assertThat(b1.breaker).isNotSameAs(b2.breaker);
            assertThat(b1.breaker.getName()).isEqualTo("b1");

            b1.breaker.transitionToOpenState();
            assertThatThrownBy(b1.breaker::acquirePermission)
                    .isInstanceOf(CallNotPermittedException.class)
                    .satisfies(e -> assertThat(e.getStackTrace()).isEmpty());

            Attempts attempts = new Attempts();
            BackendHandle picked = (BackendHandle) lb.acquire(RequestContext.NONE, attempts);
            // b1 is either ejected already by the control thread, or its open breaker refused the pick
            assertThat(picked).isSameAs(b2);
            picked.release();
            assertThat(attempts.toList()).allSatisfy(a -> assertThat(a).hasToString("b1 (circuit breaker open)"));

            lb.remove("b1");
            lb.add(BackendSpec.of("b1", "tcp://127.0.0.1:9001"));
            BackendHandle again = (BackendHandle) lb.backend("b1").orElseThrow();
            assertThat(again.breaker).isNotSameAs(b1.breaker);
            assertThat(again.breaker.getState()).hasToString("CLOSED");
        }
    }
}
