package org.reverl.gateway.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.reverl.gateway.api.Backend;
import org.reverl.gateway.api.BackendEvent;
import org.reverl.gateway.api.BackendSpec;
import org.reverl.gateway.api.BackendState;
import org.reverl.gateway.api.Endpoint;
import org.reverl.gateway.api.Gateway;

/** The seed's Erlang session (gproxy3), step by step, in Java. */
class SeedSessionTest {

    private final List<LocalBackend<Integer, Integer>> started = new ArrayList<>();
    private final List<BackendEvent> events = new CopyOnWriteArrayList<>();
    private Gateway<Integer, Integer> gateway;

    private LocalBackend<Integer, Integer> startBe(String id, int factor) {
        LocalBackend<Integer, Integer> b = LocalBackend.start(id, x -> factor * x);
        started.add(b);
        return b;
    }

    @AfterEach
    void tearDown() {
        if (gateway != null) {
            gateway.close();
        }
        started.forEach(LocalBackend::stop);
    }

    @Test
    void seedSession_roundRobinAddDeleteListAndFailover() {
        LocalBackend<Integer, Integer> s1 = startBe("b1", 2);
        LocalBackend<Integer, Integer> s2 = startBe("b2", 3);
        LocalBackend<Integer, Integer> s3 = startBe("b3", 4);
        gateway = Gateways.<Integer, Integer>builder()
                .backend(s1)
                .backend(s2)
                .backend(s3)
                .listener(events::add)
                .build();

        // 6> 7> 8> rpc(G, 21): 42, 63, 84
        assertThat(gateway.callBlocking(21)).isEqualTo(42);
        assertThat(gateway.callBlocking(21)).isEqualTo(63);
        assertThat(gateway.callBlocking(21)).isEqualTo(84);

        // 9> 10> add_be(G, S4)
        LocalBackend<Integer, Integer> s4 = startBe("b4", 5);
        Backend added = gateway.add(s4);
        assertThat(added.id()).isEqualTo("b4");
        assertThat(added.state()).isEqualTo(BackendState.UP);

        // 11> del_be(G, S2)
        assertThat(gateway.remove("b2")).isTrue();

        // 12> list_be(G)
        assertThat(gateway.backends()).extracting(Backend::id).containsExactly("b1", "b3", "b4");

        // 13> stop(S1)
        s1.stop();

        // 14>.. every later call succeeds, served only by live backends, in round-robin order
        List<Integer> replies = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            replies.add(gateway.callBlocking(21));
        }
        assertThat(replies).containsOnly(84, 105);
        for (int i = 1; i < replies.size(); i++) {
            assertThat(replies.get(i))
                    .as("round robin alternates at %d: %s", i, replies)
                    .isNotEqualTo(replies.get(i - 1));
        }

        // exactly one "is down" report, naming the stopped backend
        assertThat(events)
                .filteredOn(e -> e.type() == BackendEvent.Type.DOWN)
                .extracting(BackendEvent::describe)
                .containsExactly("backend b1 is down: stopped");
        assertThat(gateway.backend("b1")).get().extracting(Backend::state).isEqualTo(BackendState.DOWN);
        assertThat(events)
                .extracting(BackendEvent::describe)
                .containsExactly(
                        "backend b1 added: local:b1, weight 1",
                        "backend b2 added: local:b2, weight 1",
                        "backend b3 added: local:b3, weight 1",
                        "backend b4 added: local:b4, weight 1",
                        "backend b2 is removed",
                        "backend b1 is down: stopped");
    }

    /**
     * The seed's own detection: the gateway learns that a backend died only when a call to it fails. The call is served
     * by another backend, the caller never sees the failure, and the dead backend is reported once and never chosen
     * again.
     */
    @Test
    void deadBackendFoundByAFailedCall_callServedElsewhere_reportedOnce() {
        LocalBackend<Integer, Integer> s1 = startBe("b1", 2);
        LocalBackend<Integer, Integer> s3 = startBe("b3", 4);
        gateway = Gateways.<Integer, Integer>builder()
                .backend(withoutLifecycle(s1))
                .backend(withoutLifecycle(s3))
                .listener(events::add)
                .build();

        s1.stop(); // the gateway is not told

        List<Integer> replies = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            replies.add(gateway.callBlocking(21));
        }

        assertThat(replies).containsOnly(84);
        // events are emitted on the control thread just after the state changes
        await().untilAsserted(() -> assertThat(events)
                .filteredOn(e -> e.backendId().equals("b1") && e.type() != BackendEvent.Type.ADDED)
                .extracting(BackendEvent::describe)
                .containsExactly("backend b1 is ejected: stopped"));
    }

    /** Hides the lifecycle hook, so the gateway can only learn from failed calls. */
    private static <Q, R> Endpoint<Q, R> withoutLifecycle(Endpoint<Q, R> endpoint) {
        return new Endpoint<>() {
            @Override
            public BackendSpec spec() {
                return endpoint.spec();
            }

            @Override
            public CompletionStage<R> send(Q request) {
                return endpoint.send(request);
            }

            @Override
            public void whenTerminated(Consumer<String> callback) {}
        };
    }
}
