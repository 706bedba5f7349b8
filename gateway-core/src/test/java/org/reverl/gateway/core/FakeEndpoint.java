package org.reverl.gateway.core;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.reverl.gateway.api.BackendSpec;
import org.reverl.gateway.api.BackendUnavailableException;
import org.reverl.gateway.api.Endpoint;

/** An endpoint that answers on the caller's thread, or refuses as if down, as a test says. */
final class FakeEndpoint implements Endpoint<Integer, Integer> {

    private final BackendSpec spec;
    private volatile Function<Integer, CompletionStage<Integer>> behaviour;
    final AtomicInteger received = new AtomicInteger();

    FakeEndpoint(String id, Function<Integer, Integer> function) {
        this.spec = BackendSpec.of(id, "fake:" + id);
        answer(function);
    }

    void answer(Function<Integer, Integer> function) {
        behaviour = x -> CompletableFuture.completedFuture(function.apply(x));
    }

    void refuse(String reason) {
        behaviour = x -> CompletableFuture.failedFuture(new BackendUnavailableException(spec.id(), reason, true));
    }

    void hang() {
        behaviour = x -> new CompletableFuture<>();
    }

    void fail(RuntimeException e) {
        behaviour = x -> CompletableFuture.failedFuture(e);
    }

    @Override
    public BackendSpec spec() {
        return spec;
    }

    @Override
    public CompletionStage<Integer> send(Integer request) {
        received.incrementAndGet();
        return behaviour.apply(request);
    }
}
