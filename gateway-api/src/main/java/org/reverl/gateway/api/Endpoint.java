package org.reverl.gateway.api;

import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * How a {@link Gateway} reaches one backend: its description, and a way to send it a request. A local backend (a
 * function on its own thread) is one; a client for a remote service is another.
 *
 * <h2>Contract</h2>
 * {@link #send} must complete the stage with a {@link BackendUnavailableException} when the request was not delivered
 * (the backend is stopped, refused it, or it could not be queued): the gateway then sends it to another backend. Any
 * other failure means the backend took the request and is the backend's reply; it reaches the caller as it is.
 *
 * <h2>Threading</h2>
 * {@link #send} is called concurrently from any thread and must not block.
 *
 * @param <Q> the request type
 * @param <R> the response type
 */
public interface Endpoint<Q, R> {

    /** The description of this backend; the same object on every call. */
    BackendSpec spec();

    /** Sends one request. Must not block. */
    CompletionStage<R> send(Q request);

    /**
     * Registers a callback run once when this backend terminates for good (a local backend's {@code stop()}), with the
     * reason, so the gateway takes it down at once instead of waiting for a failed call. If it already terminated, runs
     * the callback at once. The default does nothing: endpoints that cannot tell rely on probes and failed calls.
     */
    default void whenTerminated(Consumer<String> callback) {}
}
