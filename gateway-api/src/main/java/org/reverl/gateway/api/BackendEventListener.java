package org.reverl.gateway.api;

/**
 * Receives {@link BackendEvent}s.
 *
 * <h2>Threading</h2>
 * Called on the gateway's control thread, one event at a time, in the order the changes happened. Keep it short: the
 * control thread also applies membership and health changes. A listener may call the gateway (e.g. {@code add} or
 * {@code remove}); an exception it throws is logged and does not reach other listeners or the gateway.
 */
@FunctionalInterface
public interface BackendEventListener {

    /** Called for each event. */
    void onEvent(BackendEvent event);
}
