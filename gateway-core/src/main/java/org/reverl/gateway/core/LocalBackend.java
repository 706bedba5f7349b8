package org.reverl.gateway.core;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import java.util.function.Function;
import org.reverl.gateway.api.BackendSpec;
import org.reverl.gateway.api.BackendUnavailableException;
import org.reverl.gateway.api.Checks;
import org.reverl.gateway.api.Endpoint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An in-process backend, the Java analogue of the seed's Erlang process: a function running on its own thread,
 * serving requests one at a time from a bounded mailbox.
 *
 * <pre>{@code
 * LocalBackend<Integer, Integer> b1 = LocalBackend.start("b1", x -> 2 * x);
 * b1.send(21);             // completes with 42, computed on b1's thread
 * b1.swap(x -> 20 * x);    // new code, taken by the next request
 * b1.stop();               // gone: later sends fail with BackendUnavailableException("stopped")
 * }</pre>
 *
 * <ul>
 *   <li>An exception thrown by the function is the error reply to that one request; the backend stays up.
 *   <li>A full mailbox refuses the request ({@code mailbox full}): it was not delivered, so a gateway sends it
 *       elsewhere.
 *   <li>{@link #stop()} tells watchers (a gateway takes the backend down at once), then refuses new requests and those
 *       still queued with {@code stopped}. A request being computed when it stops gets its reply.
 * </ul>
 *
 * <p>Thread-safe.
 *
 * @param <Q> the request type
 * @param <R> the response type
 */
public final class LocalBackend<Q, R> implements Endpoint<Q, R> {

    /** The mailbox capacity of {@link #start(String, Function)}. */
    public static final int DEFAULT_MAILBOX_CAPACITY = 1024;

    private static final Logger log = LoggerFactory.getLogger(LocalBackend.class);

    private final BackendSpec spec;
    private final BlockingQueue<Message<Q, R>> mailbox;
    private final Thread thread;
    private final List<Consumer<String>> watchers = new ArrayList<>();
    private volatile Function<? super Q, ? extends R> function;
    private volatile boolean stopped;
    private boolean terminated; // guarded by watchers

    private LocalBackend(BackendSpec spec, Function<? super Q, ? extends R> function, int mailboxCapacity) {
        this.spec = spec;
        this.function = function;
        this.mailbox = new ArrayBlockingQueue<>(mailboxCapacity);
        this.thread = new Thread(this::loop, "reverl-local-" + spec.id());
        this.thread.setDaemon(true);
    }

    /** Starts a backend with id {@code id}, address {@code local:<id>}, and the default mailbox capacity. */
    public static <Q, R> LocalBackend<Q, R> start(String id, Function<? super Q, ? extends R> function) {
        return start(BackendSpec.of(id, "local:" + id), function, DEFAULT_MAILBOX_CAPACITY);
    }

    /**
     * Starts a backend.
     *
     * @param spec its description
     * @param function what it computes
     * @param mailboxCapacity how many requests may wait, 1 or more
     */
    public static <Q, R> LocalBackend<Q, R> start(
            BackendSpec spec, Function<? super Q, ? extends R> function, int mailboxCapacity) {
        requireNonNull(spec, "spec");
        requireNonNull(function, "function");
        Checks.positive("backend '" + spec.id() + "': mailboxCapacity", mailboxCapacity);
        LocalBackend<Q, R> backend = new LocalBackend<>(spec, function, mailboxCapacity);
        backend.thread.start();
        return backend;
    }

    @Override
    public BackendSpec spec() {
        return spec;
    }

    /** Shorthand for {@code spec().id()}. */
    public String id() {
        return spec.id();
    }

    @Override
    public CompletionStage<R> send(Q request) {
        if (stopped) {
            return CompletableFuture.failedFuture(stoppedException());
        }
        Message<Q, R> message = new Message<>(request);
        if (!mailbox.offer(message)) {
            return CompletableFuture.failedFuture(new BackendUnavailableException(spec.id(), "mailbox full", false));
        }
        // stop() may have drained the mailbox between the check above and the offer: take the message back
        if (stopped && mailbox.remove(message)) {
            message.reply.completeExceptionally(stoppedException());
        }
        return message.reply;
    }

    /** Replaces the function; the next request taken from the mailbox uses the new one. */
    public void swap(Function<? super Q, ? extends R> function) {
        this.function = requireNonNull(function, "function");
    }

    /** Whether the backend still serves: not stopped. */
    public boolean isAlive() {
        return !stopped;
    }

    /** Requests waiting in the mailbox. */
    public int queued() {
        return mailbox.size();
    }

    /**
     * Stops the backend. Watchers learn first, so that a gateway takes it out of rotation before any request is
     * refused; then new and queued requests are refused with {@code stopped}. Idempotent.
     */
    public void stop() {
        List<Consumer<String>> toNotify;
        synchronized (watchers) {
            if (terminated) {
                return;
            }
            terminated = true;
            toNotify = List.copyOf(watchers);
        }
        for (Consumer<String> watcher : toNotify) {
            notifyWatcher(watcher);
        }
        stopped = true;
        thread.interrupt();
    }

    @Override
    public void whenTerminated(Consumer<String> callback) {
        requireNonNull(callback, "callback");
        synchronized (watchers) {
            if (!terminated) {
                watchers.add(callback);
                return;
            }
        }
        notifyWatcher(callback);
    }

    private void notifyWatcher(Consumer<String> watcher) {
        try {
            watcher.accept("stopped");
        } catch (RuntimeException e) {
            log.warn("backend {}: termination watcher failed", spec.id(), e);
        }
    }

    private void loop() {
        try {
            while (!stopped) {
                Message<Q, R> message = mailbox.take();
                if (stopped) {
                    message.reply.completeExceptionally(stoppedException());
                    break;
                }
                serve(message);
            }
        } catch (InterruptedException e) {
            // stop() interrupts an idle backend
        } finally {
            for (Message<Q, R> m; (m = mailbox.poll()) != null; ) {
                m.reply.completeExceptionally(stoppedException());
            }
        }
    }

    private void serve(Message<Q, R> message) {
        R result;
        try {
            result = function.apply(message.request);
        } catch (Throwable t) { // the error reply to this one request; the backend stays up
            if (t instanceof VirtualMachineError) {
                throw (VirtualMachineError) t;
            }
            message.reply.completeExceptionally(t);
            return;
        }
        message.reply.complete(result);
    }

    private BackendUnavailableException stoppedException() {
        return new BackendUnavailableException(spec.id(), "stopped", true);
    }

    @Override
    public String toString() {
        return "LocalBackend{" + spec.id() + (stopped ? ", stopped}" : "}");
    }

    private static final class Message<Q, R> {
        final Q request;
        final CompletableFuture<R> reply = new CompletableFuture<>();

        Message(Q request) {
            this.request = request;
        }
    }
}
