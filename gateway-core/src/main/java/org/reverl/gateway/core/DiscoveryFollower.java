package org.reverl.gateway.core;

import static java.util.Objects.requireNonNull;

import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.reverl.gateway.api.BackendSpec;
import org.reverl.gateway.api.DiscoveryListener;
import org.reverl.gateway.api.DiscoverySnapshot;
import org.reverl.gateway.api.DiscoverySource;
import org.reverl.gateway.api.LoadBalancer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows one {@link DiscoverySource} into one {@link LoadBalancer}: each snapshot the source reports becomes the set
 * of members of the {@link Membership} source {@value #MEMBERSHIP_SOURCE}, through {@link Membership#reconcile}, the
 * one path of every membership change.
 *
 * <h2>Rules</h2>
 * <ul>
 *   <li>What a snapshot does is what {@link Membership#reconcile} does: a new backend is added, one no longer listed is
 *       drained and removed once nothing is in flight on it (and kept if listed again meanwhile), a changed weight or
 *       tags is updated in place, a changed address is replaced new before old.
 *   <li>A backend added another way (configuration file, admin API, Java API) with an id the source also names wins:
 *       the discovered entry is skipped and reported. The follower never touches members it did not list.
 *   <li>A failure, or a snapshot with no backend at all, changes nothing: the last good membership stays, and the
 *       failure is reported ({@link DiscoveryEvent.Type#FAILED}) once per streak, then {@link
 *       DiscoveryEvent.Type#RECOVERED} when a usable snapshot comes. A discovered pool is never emptied by the
 *       registry; to take every backend out, stop following it.
 *   <li>Every entry the source skipped is reported ({@link DiscoveryEvent.Type#SKIPPED}) when it starts being skipped,
 *       and the rest applied.
 * </ul>
 *
 * <h2>Threading</h2>
 * Thread-safe. Snapshots and failures are applied one at a time, in the order the source reports them, on a thread of
 * the follower's own, so a source's I/O thread never waits on membership. Listeners run on that thread. {@link
 * #status()} may be called from any thread.
 */
public final class DiscoveryFollower implements AutoCloseable {

    /** The {@link Membership} source of discovered members. */
    public static final String MEMBERSHIP_SOURCE = "discovery";

    private static final Logger log = LoggerFactory.getLogger("org.reverl.discovery");

    private final DiscoverySource source;
    private final String name;
    private final LoadBalancer lb;
    private final Clock clock;
    private final ExecutorService control;
    private final List<Consumer<DiscoveryEvent>> listeners = new CopyOnWriteArrayList<>();

    private final Membership membership;

    // confined to the follower's thread
    /** Members this follower listed, including those draining on their way out. */
    private final Set<String> mine = new java.util.HashSet<>();

    private Set<String> listed = Set.of();
    private Set<String> lastSkipped = Set.of();
    private boolean failing;
    private long snapshots;
    private long failures;
    private long skipped;
    private Instant lastSync;
    private String lastError;

    private volatile DiscoveryStatus status;
    private volatile Set<String> ownedIds = Set.of();
    private volatile boolean closed;

    private DiscoveryFollower(DiscoverySource source, LoadBalancer lb, Clock clock) {
        this.source = source;
        this.name = source.describe();
        this.lb = lb;
        this.membership = LoadBalancers.membership(lb);
        this.clock = clock;
        this.control = Executors.newSingleThreadExecutor(task -> {
            Thread t = new Thread(task, "reverl-discovery-" + lb.name());
            t.setDaemon(true);
            return t;
        });
        this.status = new DiscoveryStatus(name, false, 0, null, null, 0, 0, 0);
    }

    /**
     * Starts {@code source} and follows it into {@code lb}, with events stamped by the system clock.
     *
     * @param listener receives every {@link DiscoveryEvent}, from the first one on
     */
    public static DiscoveryFollower start(DiscoverySource source, LoadBalancer lb, Consumer<DiscoveryEvent> listener) {
        return start(source, lb, listener, Clock.systemUTC());
    }

    /** As {@link #start(DiscoverySource, LoadBalancer, Consumer)}, with events stamped by {@code clock}. */
    public static DiscoveryFollower start(
            DiscoverySource source, LoadBalancer lb, Consumer<DiscoveryEvent> listener, Clock clock) {
        DiscoveryFollower f = new DiscoveryFollower(
                requireNonNull(source, "source"), requireNonNull(lb, "lb"), requireNonNull(clock, "clock"));
        f.listeners.add(requireNonNull(listener, "listener"));
        source.start(new DiscoveryListener() {
            @Override
            public void onSnapshot(DiscoverySnapshot snapshot) {
                requireNonNull(snapshot, "snapshot");
                f.submit(() -> f.apply(snapshot));
            }

            @Override
            public void onFailure(String reason) {
                requireNonNull(reason, "reason");
                f.submit(() -> f.fail(reason));
            }
        });
        return f;
    }

    /** The source's description. */
    public String source() {
        return name;
    }

    /** Where the follower stands now. */
    public DiscoveryStatus status() {
        return status;
    }

    /** Whether the backend {@code id} was added by this follower (and not removed yet). */
    public boolean owns(String id) {
        return ownedIds.contains(id) && lb.backend(id).isPresent();
    }

    /** Subscribes to later events. */
    public void addListener(Consumer<DiscoveryEvent> listener) {
        listeners.add(requireNonNull(listener, "listener"));
    }

    /**
     * Stops the source. The discovered backends stay members: the load balancer's owner decides what becomes of them.
     * Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        source.close();
        control.shutdown();
        try {
            if (!control.awaitTermination(5, TimeUnit.SECONDS)) {
                control.shutdownNow();
            }
        } catch (InterruptedException e) {
            control.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    // ---------------------------------------------------------------- control thread

    private void submit(Runnable task) {
        if (closed) {
            return;
        }
        try {
            control.execute(() -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    // a closed load balancer, or a bug: keep following, the next snapshot tries again
                    log.warn("discovery {}: applying failed", name, e);
                }
            });
        } catch (RejectedExecutionException e) {
            // closed meanwhile
        }
    }

    private void apply(DiscoverySnapshot snapshot) {
        mine.removeIf(id -> lb.backend(id).isEmpty());
        Set<String> skippedNow = new LinkedHashSet<>(snapshot.skipped());
        Map<String, BackendSpec> want = new LinkedHashMap<>();
        for (BackendSpec spec : snapshot.backends()) {
            if (lb.backend(spec.id()).isPresent() && !mine.contains(spec.id())) {
                skippedNow.add("backend " + spec.id() + " (" + spec.address() + "): a backend with this id was added"
                        + " by hand; it wins over the discovered one");
                continue;
            }
            want.put(spec.id(), spec);
        }
        // an entry is reported when it starts being skipped, not again on every snapshot that still has it
        for (String entry : skippedNow) {
            if (!lastSkipped.contains(entry)) {
                skipped++;
                emit(DiscoveryEvent.Type.SKIPPED, entry);
            }
        }
        lastSkipped = skippedNow;
        if (want.isEmpty()) {
            fail(snapshot.skipped().isEmpty() ? "no backends in the answer" : "no usable backends in the answer");
            return;
        }

        List<String> changes =
                membership.reconcile(MEMBERSHIP_SOURCE, want.values()).changes();
        listed = Set.copyOf(want.keySet());
        mine.addAll(listed);
        snapshots++;
        lastSync = clock.instant();
        if (failing) {
            failing = false;
            emit(DiscoveryEvent.Type.RECOVERED, want.size() + " backends");
        }
        if (!changes.isEmpty()) {
            emit(
                    DiscoveryEvent.Type.APPLIED,
                    String.join("; ", changes)
                            + (snapshot.version() != 0 ? " (version " + snapshot.version() + ")" : ""));
        }
        publish(true);
    }

    private void fail(String reason) {
        failures++;
        lastError = reason;
        if (!failing) {
            failing = true;
            emit(DiscoveryEvent.Type.FAILED, reason + " (keeping " + active() + " backends)");
        } else {
            log.debug("discovery {}: still failing: {}", name, reason);
        }
        publish(false);
    }

    private int active() {
        int n = 0;
        for (String id : listed) {
            if (lb.backend(id).isPresent()) {
                n++;
            }
        }
        return n;
    }

    private void publish(boolean synced) {
        ownedIds = Set.copyOf(mine);
        status = new DiscoveryStatus(name, synced, active(), lastSync, lastError, snapshots, failures, skipped);
    }

    private void emit(DiscoveryEvent.Type type, String detail) {
        DiscoveryEvent event = new DiscoveryEvent(type, name, detail, clock.instant());
        if (type == DiscoveryEvent.Type.FAILED || type == DiscoveryEvent.Type.SKIPPED) {
            log.warn("{}", event.describe());
        } else {
            log.info("{}", event.describe());
        }
        for (Consumer<DiscoveryEvent> l : listeners) {
            try {
                l.accept(event);
            } catch (RuntimeException e) {
                log.warn("discovery listener {} failed on {}", l, event, e);
            }
        }
    }

    private static String describe(BackendSpec s) {
        return s.address() + ", weight " + s.weight() + (s.tags().isEmpty() ? "" : ", tags " + s.tags());
    }
}
