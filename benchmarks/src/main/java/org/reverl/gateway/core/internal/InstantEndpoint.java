package org.reverl.gateway.core.internal;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.reverl.gateway.api.BackendSpec;
import org.reverl.gateway.api.Endpoint;

/** An in-process backend that computes its reply on the caller's thread and returns an already-completed future. */
final class InstantEndpoint implements Endpoint<Integer, Integer> {

    private final BackendSpec spec;
    private final Function<Integer, Integer> function;

    InstantEndpoint(String id, Function<Integer, Integer> function) {
        this.spec = new BackendSpec(id, "local:" + id, 1, Map.of());
        this.function = function;
    }

    @Override
    public BackendSpec spec() {
        return spec;
    }

    @Override
    public CompletionStage<Integer> send(Integer request) {
        return CompletableFuture.completedFuture(function.apply(request));
    }
}
