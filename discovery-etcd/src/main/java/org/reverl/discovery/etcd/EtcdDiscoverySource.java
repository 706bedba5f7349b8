package org.reverl.discovery.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;
import org.reverl.discovery.etcd.EtcdDiscoveryProvider.EtcdOptions;
import org.reverl.gateway.api.BackendSpec;
import org.reverl.gateway.api.DiscoveryListener;
import org.reverl.gateway.api.DiscoverySnapshot;
import org.reverl.gateway.api.DiscoverySource;

/**
 * Follows the keys under one prefix: reads them all, then watches from the revision after that read, applying each
 * batch of events to its copy and reporting the whole set after each batch.
 *
 * <h2>Failures</h2>
 * <ul>
 *   <li>A read or the watch fails (etcd unreachable, stopped), or a watch is not created within {@code
 *       request_timeout}: the failure is reported and the source tries again after
 *       a back-off ({@code retry_initial}, doubling up to {@code retry_max}). It resumes the watch from the revision
 *       after the last one it saw, so no change in between is lost; once the watch is re-created the copy is reported
 *       again, which tells the engine the registry is back.
 *   <li>That revision was compacted away meanwhile: the source reads the prefix again (a full snapshot) and watches from
 *       there.
 *   <li>The prefix holds no usable key (deleted whole): reported as a failure; the last good set stays.
 * </ul>
 *
 * <h2>Threading</h2>
 * Every state change and every listener call happens on one thread of the source's own; jetcd's callbacks hop onto it.
 */
final class EtcdDiscoverySource implements DiscoverySource {

    /** Runs a retry after a back-off: the source's timer, or a test that steps through the waits itself. */
    interface Scheduler {
        /** Runs {@code retry} (from any thread) once {@code after} has passed. */
        void schedule(Runnable retry, Duration after);
    }

    private final EtcdOptions options;
    private final Scheduler scheduler;
    private final String description;
    private final ByteSequence prefix;
    private final ScheduledExecutorService executor;

    private Client client;
    private DiscoveryListener listener;
    private volatile boolean started;
    private volatile boolean closed;
    private volatile int listings;
    private volatile boolean watching;

    // confined to the executor
    private final TreeMap<String, BackendEntry> entries = new TreeMap<>();
    private long revision;
    private volatile Watch.Watcher watcher; // written on the executor, closed by close()
    private int generation;
    private boolean watchCreated;
    private int failures;
    private boolean failing;

    EtcdDiscoverySource(EtcdOptions options) {
        this(options, null);
    }

    /** With {@code scheduler} for the back-off waits; {@code null} for the source's own timer. */
    EtcdDiscoverySource(EtcdOptions options, Scheduler scheduler) {
        this.options = options;
        this.scheduler = scheduler;
        this.prefix = ByteSequence.from(options.prefix(), StandardCharsets.UTF_8);
        StringBuilder hosts = new StringBuilder();
        for (URI u : options.endpoints()) {
            hosts.append(hosts.length() == 0 ? "" : ",")
                    .append(u.getHost())
                    .append(':')
                    .append(u.getPort());
        }
        this.description = "etcd " + hosts + " " + options.prefix();
        ScheduledThreadPoolExecutor e = new ScheduledThreadPoolExecutor(1, task -> {
            Thread t = new Thread(task, "reverl-etcd");
            t.setDaemon(true);
            return t;
        });
        e.setRemoveOnCancelPolicy(true);
        this.executor = e;
    }

    @Override
    public String describe() {
        return description;
    }

    @Override
    public synchronized void start(DiscoveryListener listener) {
        if (started || closed) {
            throw new IllegalStateException(description + ": " + (closed ? "closed" : "started already"));
        }
        started = true;
        this.listener = listener;
        ClientBuilder b = Client.builder()
                .endpoints(options.endpoints().toArray(new URI[0]))
                .connectTimeout(options.requestTimeout())
                // a connection that went silent (a partition, not a stop) is found by gRPC's pings: every 10 s (its
                // floor), given request_timeout to answer
                .keepaliveTime(Duration.ofSeconds(10))
                .keepaliveTimeout(options.requestTimeout())
                .keepaliveWithoutCalls(true);
        if (options.user() != null) {
            b.user(ByteSequence.from(options.user(), StandardCharsets.UTF_8))
                    .password(ByteSequence.from(options.password(), StandardCharsets.UTF_8));
        }
        if (options.tls()) {
            try {
                b.sslContext(ssl -> {
                    if (options.ca() != null) {
                        ssl.trustManager(options.ca().toFile());
                    }
                    if (options.cert() != null) {
                        ssl.keyManager(options.cert().toFile(), options.key().toFile());
                    }
                });
            } catch (SSLException | IllegalArgumentException e) {
                throw new IllegalStateException(description + ": cannot set up TLS: " + e.getMessage(), e);
            }
        }
        client = b.build();
        run(this::list);
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS); // no listener call after close returns
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (watcher != null) {
            watcher.close();
        }
        if (client != null) {
            client.close();
        }
    }

    /** Whether the current watch was confirmed by etcd (and has not failed since). */
    boolean watching() {
        return watching;
    }

    /** How many times the whole prefix was read: once at start, again after each failed read or compaction. */
    int listings() {
        return listings;
    }

    // ---------------------------------------------------------------- on the executor

    private void run(Runnable task) {
        if (closed) {
            return;
        }
        try {
            executor.execute(task);
        } catch (RejectedExecutionException e) {
            // closed meanwhile
        }
    }

    /** Reads every key under the prefix, reports them, and watches from the next revision. */
    private void list() {
        listings++;
        int gen = ++generation;
        client.getKVClient()
                .get(prefix, GetOption.builder().isPrefix(true).build())
                .orTimeout(options.requestTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .whenComplete((response, error) -> run(() -> {
                    if (gen != generation) {
                        return;
                    }
                    if (error != null) {
                        failed("reading " + options.prefix() + ": " + reason(error), this::list);
                        return;
                    }
                    listed(response);
                }));
    }

    private void listed(GetResponse response) {
        entries.clear();
        for (KeyValue kv : response.getKvs()) {
            put(kv);
        }
        revision = response.getHeader().getRevision();
        report();
        watch();
    }

    /** Watches from the revision after the last one seen; the watch's creation tells that etcd answers again. */
    private void watch() {
        int gen = ++generation;
        WatchOption option = WatchOption.builder()
                .isPrefix(true)
                .withRevision(revision + 1)
                .withCreateNotify(true)
                .build();
        watcher = client.getWatchClient()
                .watch(
                        prefix,
                        option,
                        Watch.listener(
                                response -> run(() -> onWatch(gen, response)),
                                error -> run(() -> onWatchError(gen, error))));
        // a watch asked for while etcd is away waits for it silently: give it as long as a read
        watchCreated = false;
        try {
            executor.schedule(
                    () -> {
                        if (gen == generation && !watchCreated) {
                            failed(
                                    "watching " + options.prefix() + " from revision " + (revision + 1)
                                            + ": not created within "
                                            + options.requestTimeout().toMillis() + "ms",
                                    this::watch);
                        }
                    },
                    options.requestTimeout().toNanos(),
                    TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            // closed meanwhile
        }
    }

    private void onWatch(int gen, WatchResponse response) {
        if (gen != generation) {
            return;
        }
        watchCreated = true;
        watching = true;
        if (response.getEvents().isEmpty()) {
            // created (or progress): the watch is live again; after a failure, say so with the copy we have
            if (failing) {
                report();
            }
            return;
        }
        for (WatchEvent event : response.getEvents()) {
            KeyValue kv = event.getKeyValue();
            revision = Math.max(revision, kv.getModRevision());
            if (event.getEventType() == WatchEvent.EventType.PUT) {
                put(kv);
            } else if (event.getEventType() == WatchEvent.EventType.DELETE) {
                entries.remove(kv.getKey().toString(StandardCharsets.UTF_8));
            }
        }
        report();
    }

    private void onWatchError(int gen, Throwable error) {
        if (gen != generation) {
            return;
        }
        closeWatcher();
        Throwable cause = unwrap(error);
        if (cause instanceof CompactedException c) {
            // the revision to resume from is gone: read everything again
            revision = 0;
            list();
            return;
        }
        failed("watching " + options.prefix() + " from revision " + (revision + 1) + ": " + reason(error), this::watch);
    }

    private void failed(String reason, Runnable retry) {
        closeWatcher();
        failures++;
        failing = true;
        listener.onFailure(reason);
        Duration wait = options.retryAfter(failures);
        int gen = ++generation;
        Runnable task = () -> {
            if (gen == generation) {
                retry.run();
            }
        };
        if (scheduler != null) {
            scheduler.schedule(() -> run(task), wait);
            return;
        }
        try {
            executor.schedule(task, wait.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            // closed meanwhile
        }
    }

    private void closeWatcher() {
        watching = false;
        if (watcher != null) {
            watcher.close();
            watcher = null;
        }
    }

    private void put(KeyValue kv) {
        String key = kv.getKey().toString(StandardCharsets.UTF_8);
        entries.put(key, BackendEntry.parse(options.prefix(), key, kv.getValue().toString(StandardCharsets.UTF_8)));
    }

    /** Reports the copy: a snapshot if it has a usable backend, else a failure. */
    private void report() {
        List<BackendSpec> backends = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        for (BackendEntry e : entries.values()) {
            if (e.spec() != null) {
                backends.add(e.spec());
            } else {
                skipped.add(e.problem());
            }
        }
        if (backends.isEmpty()) {
            failing = true;
            listener.onFailure("prefix " + options.prefix() + " has "
                    + (entries.isEmpty() ? "no keys" : "no usable keys (" + String.join("; ", skipped) + ")")
                    + " at revision " + revision);
            return;
        }
        failures = 0;
        failing = false;
        listener.onSnapshot(new DiscoverySnapshot(backends, skipped, revision));
    }

    private static Throwable unwrap(Throwable t) {
        Throwable c = t;
        while ((c instanceof CompletionException || c instanceof ExecutionException) && c.getCause() != null) {
            c = c.getCause();
        }
        return c;
    }

    private String reason(Throwable t) {
        Throwable c = unwrap(t);
        if (c instanceof TimeoutException) {
            return "no answer within " + options.requestTimeout().toMillis() + "ms";
        }
        // gRPC errors often say the status here and what happened in a cause: keep each distinct message
        List<String> parts = new ArrayList<>();
        for (Throwable x = c; x != null && parts.size() < 4; x = x.getCause()) {
            String m = x.getMessage();
            if (m != null && !m.isBlank() && parts.stream().noneMatch(p -> p.contains(m))) {
                parts.add(m);
            }
        }
        return parts.isEmpty() ? c.getClass().getSimpleName() : String.join(": ", parts);
    }
}
