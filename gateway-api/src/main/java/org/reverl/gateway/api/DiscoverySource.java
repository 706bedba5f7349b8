package org.reverl.gateway.api;

/**
 * Where the backends of one pool come from when they are not listed by hand: a registry that already exists (DNS, a
 * key-value store with watches), followed for as long as the source is open.
 *
 * <h2>Contract</h2>
 * A source reports the <em>whole</em> set of backends the registry names, never a change: every {@link
 * DiscoveryListener#onSnapshot} replaces the previous one. When it cannot read the registry (unreachable, an error
 * answer, nothing usable in the answer) it calls {@link DiscoveryListener#onFailure} instead, and the engine keeps the
 * last snapshot: a registry that hiccups never empties a pool. Entries it cannot use (a record with port 0, a value
 * that is not JSON) are skipped and listed in the snapshot's {@link DiscoverySnapshot#skipped()}, the rest applied.
 *
 * <p>The backend ids a source makes must be stable: the same registry entry gives the same id in every snapshot and
 * in every Reverl instance following the same registry, so that instances agree on membership.
 *
 * <h2>Threading</h2>
 * {@link #start} and {@link #close} are called once each, from any thread. The source calls its listener from threads
 * of its own, one call at a time (never concurrently), and never after {@link #close} returned. It never blocks the
 * caller of {@link #start}: the first snapshot comes later.
 */
public interface DiscoverySource extends AutoCloseable {

    /**
     * A short description for logs and the admin API, e.g. {@code dns SRV _http._tcp.web.example}; the same for the
     * life of the source.
     */
    String describe();

    /**
     * Starts following the registry; returns at once.
     *
     * @throws IllegalStateException if already started or closed
     */
    void start(DiscoveryListener listener);

    /** Stops following the registry and releases what the source holds. Idempotent; does not throw. */
    @Override
    void close();
}
