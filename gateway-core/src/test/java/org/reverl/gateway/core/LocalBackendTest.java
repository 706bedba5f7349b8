package org.reverl.gateway.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.reverl.gateway.api.BackendSpec;
import org.reverl.gateway.api.BackendUnavailableException;

class LocalBackendTest {

    private static <R> R get(CompletionStage<R> stage) throws Exception {
        return stage.toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void send_runsTheFunctionOnTheBackendsOwnThread() throws Exception {
        LocalBackend<Integer, String> b =
                LocalBackend.start("b1", x -> Thread.currentThread().getName() + ":" + 2 * x);
        try {
            assertThat(get(b.send(21))).isEqualTo("reverl-local-b1:42");
            assertThat(b.spec()).isEqualTo(BackendSpec.of("b1", "local:b1"));
        } finally {
            b.stop();
        }
    }

    @Test
    void swap_nextRequestUsesTheNewFunction() throws Exception {
        LocalBackend<Integer, Integer> b = LocalBackend.start("b1", x -> 2 * x);
        try {
            assertThat(get(b.send(21))).isEqualTo(42);
            b.swap(x -> 10 * x);
            assertThat(get(b.send(21))).isEqualTo(210);
        } finally {
            b.stop();
        }
    }

    @Test
    void send_functionThrows_errorReplyToThatCallOnly() throws Exception {
        LocalBackend<Integer, Integer> b = LocalBackend.start("b1", x -> {
            if (x < 0) {
                throw new IllegalArgumentException("negative: " + x);
            }
            return x;
        });
        try {
            assertThatThrownBy(() -> get(b.send(-1)))
                    .isInstanceOf(ExecutionException.class)
                    .cause()
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("negative: -1");
            assertThat(b.isAlive()).isTrue();
            assertThat(get(b.send(7))).isEqualTo(7);
        } finally {
            b.stop();
        }
    }

    @Test
    void stop_watchersFirst_thenQueuedAndNewRequestsRefused() throws Exception {
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        LocalBackend<Integer, Integer> b = LocalBackend.start(
                BackendSpec.of("b1", "local:b1"),
                x -> {
                    if (x == 1) {
                        running.countDown();
                        try {
                            release.await();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            throw new IllegalStateException("interrupted");
                        }
                    }
                    return x;
                },
                16);
        AtomicReference<String> watched = new AtomicReference<>();
        b.whenTerminated(reason -> watched.set(reason + "/alive=" + b.isAlive()));

        CompletableFuture<Integer> first = b.send(1).toCompletableFuture();
        running.await(10, TimeUnit.SECONDS);
        CompletableFuture<Integer> queued = b.send(2).toCompletableFuture();
        b.stop();

        assertThat(watched.get()).isEqualTo("stopped/alive=true"); // told before it refuses anything
        assertThat(b.isAlive()).isFalse();
        await().atMost(10, TimeUnit.SECONDS).until(queued::isDone);
        assertThatThrownBy(queued::get)
                .cause()
                .isInstanceOf(BackendUnavailableException.class)
                .hasMessage("backend b1 is unavailable: stopped");
        assertThatThrownBy(() -> get(b.send(3))).cause().isInstanceOf(BackendUnavailableException.class);
        await().atMost(10, TimeUnit.SECONDS).until(first::isDone);
        // the watcher registered after stop runs at once
        AtomicReference<String> late = new AtomicReference<>();
        b.whenTerminated(late::set);
        assertThat(late.get()).isEqualTo("stopped");
        release.countDown();
    }

    @Test
    void send_mailboxFull_refusedAsNotDelivered() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch running = new CountDownLatch(1);
        LocalBackend<Integer, Integer> b = LocalBackend.start(
                BackendSpec.of("b1", "local:b1"),
                x -> {
                    running.countDown();
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return x;
                },
                1);
        try {
            CompletionStage<Integer> busy = b.send(1);
            running.await(10, TimeUnit.SECONDS);
            CompletionStage<Integer> waiting = b.send(2);
            CompletionStage<Integer> refused = b.send(3);

            assertThatThrownBy(() -> get(refused))
                    .cause()
                    .isInstanceOfSatisfying(BackendUnavailableException.class, e -> {
                        assertThat(e.reason()).isEqualTo("mailbox full");
                        assertThat(e.isBackendDown()).isFalse();
                    });
            release.countDown();
            assertThat(List.of(get(busy), get(waiting))).containsExactly(1, 2);
        } finally {
            release.countDown();
            b.stop();
        }
    }

    @Test
    void start_badArguments_rejected() {
        assertThatThrownBy(() -> LocalBackend.start("bad id", x -> x))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("backend id: 'bad id' (expected: 1-64 characters of [A-Za-z0-9._:-])");
        assertThatThrownBy(() -> LocalBackend.start(BackendSpec.of("b1", "local:b1"), x -> x, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("backend 'b1': mailboxCapacity: 0 (expected: > 0)");
        assertThatThrownBy(() -> LocalBackend.start(null, x -> x)).isInstanceOf(NullPointerException.class);
    }
}
