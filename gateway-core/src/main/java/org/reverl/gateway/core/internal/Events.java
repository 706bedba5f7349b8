package org.reverl.gateway.core.internal;

import static java.util.Objects.requireNonNull;

import java.time.Clock;
import java.util.concurrent.CopyOnWriteArrayList;
import org.reverl.gateway.api.BackendEvent;
import org.reverl.gateway.api.BackendEventListener;

/**
 * Emits a load balancer's backend events: one log line each (a warning for down and ejected) unless logging is off,
 * then every listener in subscription order; a listener that throws is logged and the others still run.
 *
 * <p>Thread-safe; events are emitted on the control thread.
 */
final class Events {

    private final Clock clock;
    private final CopyOnWriteArrayList<BackendEventListener> listeners = new CopyOnWriteArrayList<>();
    private volatile boolean logged = true;

    Events(Clock clock) {
        this.clock = clock;
    }

    void emit(BackendEvent.Type type, BackendHandle handle, String reason) {
        BackendEvent event = new BackendEvent(type, handle.id(), handle.state, reason, clock.instant());
        if (logged) {
            switch (type) {
                case DOWN:
                case EJECTED:
                    DefaultLoadBalancer.log.warn("{}", event.describe());
                    break;
                default:
                    DefaultLoadBalancer.log.info("{}", event.describe());
            }
        }
        for (BackendEventListener listener : listeners) {
            try {
                listener.onEvent(event);
            } catch (RuntimeException e) {
                DefaultLoadBalancer.log.warn("backend event listener {} failed on '{}'", listener, event.describe(), e);
            }
        }
    }

    /** Whether each event gets its log line; on by default. A failing listener is logged either way. */
    void logged(boolean on) {
        logged = on;
    }

    void add(BackendEventListener listener) {
        listeners.add(requireNonNull(listener, "listener"));
    }

    boolean remove(BackendEventListener listener) {
        return listeners.remove(listener);
    }
}
