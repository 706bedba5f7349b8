package org.reverl.gateway.core;

import static java.util.Objects.requireNonNull;

import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.reverl.gateway.api.Backend;
import org.reverl.gateway.api.BackendSpec;
import org.reverl.gateway.api.Checks;
import org.reverl.gateway.api.LoadBalancer;

/**
 * The one path for changing who the members of a {@link LoadBalancer} are: the Java API ({@link LoadBalancer#add},
 * {@link LoadBalancer#remove}), the admin API, configuration reload and discovery sources all end here, and every
 * change runs as one task on the load balancer's control thread, so changes never interleave: a reconcile computes its
 * difference against the members as they are when it runs, not against a listing read earlier.
 *
 * <h2>What a change does</h2>
 * <ul>
 *   <li><b>New id</b>: added.
 *   <li><b>Same id, same address, other weight or tags</b>: updated in place ({@link
 *       org.reverl.gateway.api.BackendEvent.Type#UPDATED}); its health, circuit breaker, in-flight requests and metrics
 *       are kept.
 *   <li><b>Same id, other address</b> (or health address): replaced, new before old. The new backend takes the old
 *       one's place in the same step when it starts up; when health checks start backends down, the old one keeps
 *       serving until the new one's first probe passes, then leaves. Either way there is no moment without the backend.
 *       Requests in flight on the old one finish.
 *   <li><b>No longer listed</b> by the source that manages it: drained, then removed once nothing is in flight.
 *   <li><b>Listed again while draining for removal</b>: the drain is cancelled and it serves again.
 * </ul>
 *
 * <h2>Sources</h2>
 * Every member is managed by one source: {@code api} for {@link LoadBalancer#add}, or the name given to {@link
 * #reconcile}, e.g. {@code config} for the configuration file or {@code dns:web} for a discovery source. A reconcile
 * removes only members of its own source; listing an id another source manages takes it over. So a discovery source
 * and an operator's additions do not remove each other's backends.
 *
 * <pre>{@code
 * Membership m = LoadBalancers.membership(lb);
 * MembershipResult r = m.reconcile("dns:web", List.of(BackendSpec.of("web-1", "http://10.0.0.1:8080")));
 * r.changes().forEach(c -> log.info("{}", c));     // "added backend web-1 (http://10.0.0.1:8080, weight 1)"
 * }</pre>
 *
 * <h2>Threading</h2>
 * Thread-safe. Each method runs on the control thread and returns once applied (inline when called from a listener,
 * which runs there).
 *
 * @since 0.2
 */
public interface Membership {

    /** The source of members added through {@link LoadBalancer#add}. */
    String API = "api";

    /**
     * Brings the members managed by {@code source} to {@code desired}, in one step.
     *
     * @param source who manages these members: {@code [a-z][a-z0-9_:.-]*}, at most 64 characters
     * @param desired every backend {@code source} wants; ids must be unique
     * @return what changed, in order
     * @throws IllegalArgumentException for an invalid source or duplicate ids; nothing is changed
     */
    MembershipResult reconcile(String source, Collection<BackendSpec> desired);

    /**
     * Adds {@code spec} as a member managed by {@code source}.
     *
     * @return the new member
     * @throws IllegalArgumentException if a backend with the same id is a member (nothing is changed), or its probe
     *     cannot check its address
     */
    Backend add(String source, BackendSpec spec);

    /**
     * Adds {@code spec}, or updates the member with its id in place (weight, tags), or replaces it (another address),
     * as {@link #reconcile} would for one backend. Removes nothing. An added backend is managed by {@code source}; an
     * existing one keeps its source.
     *
     * @return the member with this id afterwards (the new one when replaced)
     */
    Backend upsert(String source, BackendSpec spec);

    /**
     * Changes the weight of a member in place, like HAProxy's {@code set server weight}: its health, breaker and
     * counters are kept.
     *
     * @throws java.util.NoSuchElementException if no backend has this id
     * @throws IllegalArgumentException if the weight is out of range
     */
    Backend setWeight(String id, int weight);

    /**
     * Removes exactly {@code expected}: nothing if it is no longer a member (removed, or replaced by another backend
     * with the same id meanwhile). Requests in flight on it finish.
     *
     * @return whether it was removed now
     */
    boolean remove(Backend expected);

    /**
     * Drains exactly {@code expected} and removes it once nothing is in flight, unless it is listed again (or enabled)
     * first.
     *
     * @return completes with {@code true} once removed, {@code false} if it was no longer a member or the removal was
     *     cancelled
     */
    CompletionStage<Boolean> drainAndRemove(Backend expected);

    /**
     * What one call changed.
     *
     * @param changes one line each, e.g. {@code updated backend b1 (weight 1 -> 3)}; empty when nothing changed
     */
    record MembershipResult(List<String> changes) {
        /** Copies. */
        public MembershipResult {
            changes = List.copyOf(changes);
        }
    }

    /** Checks a source name. */
    static String checkSource(String source) {
        requireNonNull(source, "source");
        if (!source.matches("[a-z][a-z0-9_:.-]{0,63}")) {
            throw new IllegalArgumentException(Checks.message(
                    "membership source", "'" + source + "'", "[a-z][a-z0-9_:.-]*, at most 64 characters"));
        }
        return source;
    }
}
