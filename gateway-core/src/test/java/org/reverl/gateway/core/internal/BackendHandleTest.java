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

    private static DefaultLoadBalancer loadBalancer(GatewayConfig config) {
        return new DefaultLoadBalancer(
                config,
                ProviderRegistry.load().newStrategy("round_robin", config.strategyOptions()),
                null,
                Clock.systemUTC());
    }

    @Test
    void breaker_isPerBackend_refusesWithoutStackTrace_andIsEvictedWithItsBackend() {
        try (DefaultLoadBalancer lb = loadBalancer(GatewayConfig.defaults())) {
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

    /**
     * A healthy backend's successes stop going into resilience4j's window once it holds only successes that were not
     * slow. Fed the same outcomes, a breaker that records every one of them must decide the same at every step: the
     * same state, and the same calls, failures and slow calls counted.
     */
    @Test
    void successesLeftOutOfACleanWindow_theBreakerCountsAndDecidesAsIfEachWereRecorded() {
        GatewayConfig config = GatewayConfig.builder()
                .breakerSlidingWindowSize(10)
                .breakerMinimumNumberOfCalls(5)
                .breakerFailureRateThreshold(50)
                .build();
        try (DefaultLoadBalancer lb = loadBalancer(config)) {
            lb.add(BackendSpec.of("b1", "tcp://127.0.0.1:9001"));
            BackendHandle h = (BackendHandle) lb.backend("b1").orElseThrow();
            io.github.resilience4j.circuitbreaker.CircuitBreaker oracle =
                    io.github.resilience4j.circuitbreaker.CircuitBreaker.of(
                            "oracle", HealthControl.breakerConfig(config));
            long slow = java.time.Duration.ofSeconds(61).toNanos(); // resilience4j's default threshold is 60 s
            Exception cause = new java.io.IOException("connection reset");
            java.util.Random random = new java.util.Random(7);
            int opened = 0;
            for (int step = 0; step < 20_000; step++) {
                // stretches of one outcome: long clean runs, bursts of failures, now and then slow successes
                int kind = random.nextInt(100);
                int length = 1 + random.nextInt(kind < 70 ? 40 : 6);
                for (int i = 0; i < length; i++) {
                    if (kind < 70) {
                        h.recordSuccess(1_000);
                        oracle.onSuccess(1_000, java.util.concurrent.TimeUnit.NANOSECONDS);
                    } else if (kind < 95) {
                        h.recordFailure(1_000, cause);
                        oracle.onError(1_000, java.util.concurrent.TimeUnit.NANOSECONDS, cause);
                    } else {
                        h.recordSuccess(slow);
                        oracle.onSuccess(slow, java.util.concurrent.TimeUnit.NANOSECONDS);
                    }
                    var mine = h.breaker.getMetrics();
                    var all = oracle.getMetrics();
                    assertThat(h.breaker.getState()).as("step %d", step).isEqualTo(oracle.getState());
                    assertThat(mine.getNumberOfBufferedCalls()).isEqualTo(all.getNumberOfBufferedCalls());
                    assertThat(mine.getNumberOfFailedCalls()).isEqualTo(all.getNumberOfFailedCalls());
                    assertThat(mine.getNumberOfSlowCalls()).isEqualTo(all.getNumberOfSlowCalls());
                    assertThat(mine.getFailureRate()).isEqualTo(all.getFailureRate());
                    if (oracle.getState() != io.github.resilience4j.circuitbreaker.CircuitBreaker.State.CLOSED) {
                        opened++;
                        h.resetBreaker();
                        oracle.reset();
                    }
                }
            }
            assertThat(opened).as("the breaker opened now and then").isGreaterThan(10);
        }
    }
}
