package org.reverl.gateway.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.reverl.gateway.api.Attempt;
import org.reverl.gateway.api.Backend;
import org.reverl.gateway.api.BackendEvent;
import org.reverl.gateway.api.BackendState;
import org.reverl.gateway.api.BackendTimeoutException;
import org.reverl.gateway.api.Gateway;
import org.reverl.gateway.api.GatewayClosedException;
import org.reverl.gateway.api.NoBackendAvailableException;

class GatewayFailoverTest {

    private final List<BackendEvent> events = new CopyOnWriteArrayList<>();
    private Gateway<Integer, Integer> gateway;

    private Gateway<Integer, Integer> gateway(GatewayConfig config, FakeEndpoint... endpoints) {
        Gateways.Builder<Integer, Integer> b =
                Gateways.<Integer, Integer>builder().config(config).listener(events::add);
        for (FakeEndpoint e : endpoints) {
            b.backend(e);
        }
        gateway = b.build();
        return gateway;
    }

    @AfterEach
    void close() {
        if (gateway != null) {
            gateway.close();
        }
    }

    @Test
    void call_backendDown_servedByAnUntriedBackend_andDownOneEjectedOnce() {
        FakeEndpoint b1 = new FakeEndpoint("b1", x -> 2 * x);
        FakeEndpoint b2 = new FakeEndpoint("b2", x -> 3 * x);
        FakeEndpoint b3 = new FakeEndpoint("b3", x -> 4 * x);
        gateway(GatewayConfig.defaults(), b1, b2, b3);
        b1.refuse("connection refused");

        // b1 refused; an untried backend served: b2, or b3 if the control thread republished without b1 first
        assertThat(gateway.callBlocking(21)).isIn(63, 84);

        await().atMost(10, TimeUnit.SECONDS)
                .until(() -> gateway.backend("b1").orElseThrow().state() == BackendState.EJECTED);
        for (int i = 0; i < 10; i++) {
            assertThat(gateway.callBlocking(21)).isIn(63, 84);
        }
        assertThat(b1.received).hasValue(1);
        // events are emitted on the control thread just after the state changes
        await().untilAsserted(() -> assertThat(events)
                .filteredOn(e -> e.type() == BackendEvent.Type.EJECTED)
                .extracting(BackendEvent::describe)
                .containsExactly("backend b1 is ejected: connection refused"));
    }

    @Test
    void call_everyBackendDown_errorListsEachAttemptAndWhy() {
        FakeEndpoint b1 = new FakeEndpoint("b1", x -> x);
        FakeEndpoint b2 = new FakeEndpoint("b2", x -> x);
        gateway(GatewayConfig.defaults(), b1, b2);
        b1.refuse("connection refused");
        b2.refuse("stopped");

        assertThatThrownBy(() -> gateway.callBlocking(1))
                .isInstanceOfSatisfying(
                        NoBackendAvailableException.class,
                        e -> assertThat(e.attempts())
                                .containsExactly(new Attempt("b1", "connection refused"), new Attempt("b2", "stopped")))
                // what ended the search depends on whether the control thread has ejected both yet:
                // "every eligible backend was tried" or "no eligible backend among 2 (...)"
                .hasMessageStartingWith("no backend available: tried b1 (connection refused), b2 (stopped); ")
                .hasNoCause();
        assertThat(b1.received).hasValue(1);
        assertThat(b2.received).hasValue(1);
    }

    @Test
    void call_neverSendsTwiceToOneBackend_andStopsAtTheAttemptLimit() {
        FakeEndpoint[] endpoints = new FakeEndpoint[5];
        for (int i = 0; i < endpoints.length; i++) {
            endpoints[i] = new FakeEndpoint("b" + (i + 1), x -> x);
            endpoints[i].refuse("connection refused");
        }
        gateway(GatewayConfig.builder().maxAttempts(3).build(), endpoints);

        assertThatThrownBy(() -> gateway.callBlocking(1))
                .isInstanceOfSatisfying(NoBackendAvailableException.class, e -> {
                    // which three depends on when the control thread ejects b1 (the eligible set shrinks under the
                    // round robin); the contract is three distinct backends, the first being the first pick
                    assertThat(e.attempts())
                            .extracting(Attempt::backendId)
                            .hasSize(3)
                            .doesNotHaveDuplicates();
                    assertThat(e.attempts().get(0).backendId()).isEqualTo("b1");
                    assertThat(e.why()).isEqualTo("failover stopped: attempt limit 3");
                });
        for (FakeEndpoint e : endpoints) {
            assertThat(e.received.get()).isLessThanOrEqualTo(1);
        }
    }

    @Test
    void call_retryBudgetExhausted_failsWithoutRetrying() {
        FakeEndpoint b1 = new FakeEndpoint("b1", x -> x);
        FakeEndpoint b2 = new FakeEndpoint("b2", x -> x);
        gateway(
                GatewayConfig.builder()
                        .retryBudgetPercent(0)
                        .minRetryConcurrency(0)
                        .build(),
                b1,
                b2);
        b1.refuse("connection refused");

        assertThatThrownBy(() -> gateway.callBlocking(1))
                .isInstanceOf(NoBackendAvailableException.class)
                .hasMessage(
                        "no backend available: tried b1 (connection refused); failover stopped: retry budget exhausted");
        assertThat(b2.received).hasValue(0);
    }

    @Test
    void call_noBackends_clearError() {
        gateway(GatewayConfig.defaults());

        assertThatThrownBy(() -> gateway.callBlocking(1))
                .isInstanceOf(NoBackendAvailableException.class)
                .hasMessage("no backend available: gateway 'reverl' has no backends");
    }

    @Test
    void call_functionThrows_errorReplyNotRetried_backendStaysUp() {
        FakeEndpoint b1 = new FakeEndpoint("b1", x -> x);
        FakeEndpoint b2 = new FakeEndpoint("b2", x -> x);
        gateway(GatewayConfig.builder().breakerMinimumNumberOfCalls(1).build(), b1, b2);
        b1.fail(new ArithmeticException("/ by zero"));

        for (int i = 0; i < 4; i++) {
            CompletableFuture<Integer> f = gateway.call(1).toCompletableFuture();
            if (i % 2 == 0) {
                assertThatThrownBy(f::get)
                        .cause()
                        .isInstanceOf(ArithmeticException.class)
                        .hasMessage("/ by zero");
            } else {
                assertThat(f.join()).isEqualTo(1);
            }
        }
        assertThat(b1.received).hasValue(2);
        assertThat(b2.received).hasValue(2);
        assertThat(gateway.backend("b1").orElseThrow().state()).isEqualTo(BackendState.UP);
    }

    @Test
    void call_backendHangs_timesOutWithoutBreakingOtherCalls() throws Exception {
        FakeEndpoint b1 = new FakeEndpoint("b1", x -> x);
        FakeEndpoint b2 = new FakeEndpoint("b2", x -> 2 * x);
        gateway(GatewayConfig.builder().callTimeout(Duration.ofMillis(200)).build(), b1, b2);
        b1.hang();

        CompletableFuture<Integer> hung = gateway.call(1).toCompletableFuture();
        assertThat(gateway.callBlocking(1)).isEqualTo(2); // b2 serves meanwhile

        assertThatThrownBy(() -> hung.get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause()
                .isInstanceOf(BackendTimeoutException.class)
                .hasMessage("backend b1 did not answer within PT0.2S");
        await().atMost(10, TimeUnit.SECONDS)
                .until(() ->
                        gateway.backends().stream().mapToInt(Backend::inFlight).sum() == 0);
    }

    @Test
    void closedGateway_callsAndChangesFailClearly() {
        FakeEndpoint b1 = new FakeEndpoint("b1", x -> x);
        gateway(GatewayConfig.defaults(), b1);
        gateway.close();
        gateway.close(); // idempotent

        assertThatThrownBy(() -> gateway.callBlocking(1))
                .isInstanceOf(GatewayClosedException.class)
                .hasMessage("gateway 'reverl' is closed");
        assertThatThrownBy(() -> gateway.add(new FakeEndpoint("b2", x -> x)))
                .isInstanceOf(GatewayClosedException.class);
        assertThatThrownBy(() -> gateway.remove("b1")).isInstanceOf(GatewayClosedException.class);
    }

    @Test
    void membership_badInput_clearAnswers() {
        FakeEndpoint b1 = new FakeEndpoint("b1", x -> x);
        gateway(GatewayConfig.defaults(), b1);

        assertThatThrownBy(() -> gateway.add(new FakeEndpoint("b1", x -> x)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("backend 'b1': already a member (expected: a new id; members: [b1])");
        assertThat(gateway.remove("nope")).isFalse();
        assertThatThrownBy(() -> gateway.add(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> gateway.remove(null)).isInstanceOf(NullPointerException.class);
        assertThat(gateway.callBlocking(5)).isEqualTo(5); // nothing above broke the gateway
    }

    @Test
    void build_unknownStrategy_failsListingKnownOnes() {
        assertThatThrownBy(() -> Gateways.<Integer, Integer>builder()
                        .config(GatewayConfig.builder().strategy("leastconn").build())
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("unknown selection strategy: 'leastconn' (expected: one of [")
                .hasMessageContaining("round_robin");
    }

    @Test
    void config_badValues_nameFieldValueAndExpectation() {
        assertThatThrownBy(() -> GatewayConfig.builder().maxAttempts(0)).hasMessage("maxAttempts: 0 (expected: 1-10)");
        assertThatThrownBy(() -> GatewayConfig.builder().callTimeout(Duration.ZERO))
                .hasMessage("callTimeout: PT0S (expected: > 0)");
        assertThatThrownBy(() -> GatewayConfig.builder().strategy("Round-Robin"))
                .hasMessage("strategy: 'Round-Robin' (expected: [a-z][a-z0-9_]*)");
        assertThatThrownBy(() -> GatewayConfig.builder()
                        .breakerSlidingWindowSize(5)
                        .breakerMinimumNumberOfCalls(6)
                        .build())
                .hasMessage("breakerMinimumNumberOfCalls: 6 (expected: <= breakerSlidingWindowSize (5))");
    }
}
