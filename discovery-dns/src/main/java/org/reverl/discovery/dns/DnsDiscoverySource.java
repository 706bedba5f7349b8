package org.reverl.discovery.dns;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.resolver.dns.DnsNameResolver;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import io.netty.resolver.dns.DnsServerAddressStreamProviders;
import io.netty.resolver.dns.NoopAuthoritativeDnsServerCache;
import io.netty.resolver.dns.NoopDnsCache;
import io.netty.resolver.dns.NoopDnsCnameCache;
import io.netty.resolver.dns.SequentialDnsServerAddressStreamProvider;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.reverl.discovery.dns.DnsDiscoveryProvider.DnsDiscoveryOptions;
import org.reverl.discovery.dns.DnsDiscoveryProvider.RecordType;
import org.reverl.discovery.dns.DnsQueries.AddressAnswer;
import org.reverl.discovery.dns.DnsQueries.SrvAnswer;
import org.reverl.discovery.dns.DnsQueries.SrvRecord;
import org.reverl.gateway.api.BackendAddress;
import org.reverl.gateway.api.BackendSpec;
import org.reverl.gateway.api.DiscoveryListener;
import org.reverl.gateway.api.DiscoverySnapshot;
import org.reverl.gateway.api.DiscoverySource;

/**
 * Resolves one name again and again, at the answer's TTL (clamped to {@code min_ttl}..{@code max_ttl}), and reports
 * each answer as a snapshot. Every query and every wait runs on one Netty event loop of the source's own; nothing
 * blocks. A failed query, an error answer or an answer without a usable record is a failure: the listener is told,
 * and the name is tried again after {@code min_ttl}, doubling while failures go on.
 */
final class DnsDiscoverySource implements DiscoverySource {

    /** Runs the next lookup after a wait: the event loop's timer, or a test that steps through the waits itself. */
    interface Scheduler {
        /** Runs {@code resolve} (from any thread) once {@code after} has passed. */
        void schedule(Runnable resolve, Duration after);
    }

    private final DnsDiscoveryOptions options;
    private final String description;
    private final Scheduler scheduler;

    private EventLoopGroup group;
    private EventLoop loop;
    private DnsQueries queries;
    private DiscoveryListener listener;
    private volatile boolean started;
    private volatile boolean closed;

    // confined to the event loop
    private int failures;

    DnsDiscoverySource(DnsDiscoveryOptions options) {
        this(options, null);
    }

    /** With {@code scheduler} for the waits between lookups; {@code null} for the event loop's timer. */
    DnsDiscoverySource(DnsDiscoveryOptions options, Scheduler scheduler) {
        this.options = options;
        this.scheduler = scheduler;
        this.description = "dns "
                + (options.type() == RecordType.A_AAAA
                        ? "A+AAAA"
                        : options.type().name()) + " " + options.name()
                + (options.type() == RecordType.SRV ? "" : ":" + options.port());
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
        group = new MultiThreadIoEventLoopGroup(
                1, new DefaultThreadFactory("reverl-dns", true), NioIoHandler.newFactory());
        loop = group.next();
        DnsNameResolverBuilder b = new DnsNameResolverBuilder(loop)
                .datagramChannelType(NioDatagramChannel.class)
                .queryTimeoutMillis(options.timeout().toMillis())
                // every refresh asks the server: a cache would hide the changes this source exists to see
                .resolveCache(NoopDnsCache.INSTANCE)
                .cnameCache(NoopDnsCnameCache.INSTANCE)
                .authoritativeDnsServerCache(NoopAuthoritativeDnsServerCache.INSTANCE)
                .recursionDesired(true);
        b.nameServerProvider(
                options.servers().isEmpty()
                        ? DnsServerAddressStreamProviders.platformDefault()
                        : new SequentialDnsServerAddressStreamProvider(options.servers()));
        DnsNameResolver resolver = b.build();
        queries = new DnsQueries(resolver, options.timeout());
        loop.execute(this::resolve);
    }

    @Override
    public void close() {
        EventLoopGroup g;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            g = group;
        }
        if (g == null) {
            return;
        }
        loop.execute(() -> queries.close());
        io.netty.util.concurrent.Future<?> done = g.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        if (!loop.inEventLoop()) {
            done.awaitUninterruptibly(5, TimeUnit.SECONDS); // no listener call after close returns
        }
    }

    // ---------------------------------------------------------------- on the event loop

    private void resolve() {
        if (closed) {
            return;
        }
        CompletableFuture<Outcome> outcome = options.type() == RecordType.SRV ? resolveSrv() : resolveAddresses();
        outcome.whenComplete((o, error) -> loop.execute(
                () -> report(error == null ? o : Outcome.failed(options.name() + ": " + DnsQueries.reason(error)))));
    }

    private void report(Outcome o) {
        if (closed) {
            return;
        }
        Duration next;
        if (o.backends.isEmpty()) {
            failures++;
            String reason = o.failure != null ? o.failure : options.name() + ": no usable records";
            if (!o.skipped.isEmpty()) {
                reason += " (" + String.join("; ", o.skipped) + ")";
            }
            listener.onFailure(reason);
            next = options.retryAfter(failures);
        } else {
            failures = 0;
            listener.onSnapshot(new DiscoverySnapshot(o.backends, o.skipped, 0));
            next = options.refreshAfter(o.ttl);
        }
        if (scheduler == null) {
            loop.schedule(this::resolve, next.toNanos(), TimeUnit.NANOSECONDS);
        } else {
            scheduler.schedule(() -> loop.execute(this::resolve), next);
        }
    }

    private CompletableFuture<Outcome> resolveAddresses() {
        List<CompletableFuture<AddressAnswer>> asked = new ArrayList<>();
        if (options.type() != RecordType.AAAA) {
            asked.add(queries.addresses(options.name(), false));
        }
        if (options.type() != RecordType.A) {
            asked.add(queries.addresses(options.name(), true));
        }
        return CompletableFuture.allOf(asked.toArray(new CompletableFuture<?>[0]))
                .handle((ignored, e) -> {
                    Outcome o = new Outcome();
                    List<String> errors = new ArrayList<>();
                    for (CompletableFuture<AddressAnswer> f : asked) {
                        AddressAnswer a = f.join();
                        if (a.error() != null) {
                            errors.add(a.error());
                            continue;
                        }
                        o.ttl = Math.min(o.ttl, a.ttl());
                        for (InetAddress ip : a.addresses()) {
                            o.add(backend(ip, options.port(), options.weight(), Map.of()));
                        }
                    }
                    if (o.backends.isEmpty() && !errors.isEmpty()) {
                        o.failure = String.join("; ", errors);
                    }
                    return o;
                });
    }

    private CompletableFuture<Outcome> resolveSrv() {
        return queries.srv(options.name()).thenCompose(answer -> {
            if (answer.error() != null) {
                return CompletableFuture.completedFuture(Outcome.failed(answer.error()));
            }
            // one lookup per distinct target, for its A and AAAA records
            Map<String, CompletableFuture<List<AddressAnswer>>> targets = new HashMap<>();
            for (SrvRecord r : answer.records()) {
                if (r.port() != 0 && !r.target().isEmpty()) {
                    targets.computeIfAbsent(r.target(), t -> {
                        CompletableFuture<AddressAnswer> v4 = queries.addresses(t, false);
                        CompletableFuture<AddressAnswer> v6 = queries.addresses(t, true);
                        return v4.thenCombine(v6, List::of);
                    });
                }
            }
            return CompletableFuture.allOf(targets.values().toArray(new CompletableFuture<?>[0]))
                    .handle((ignored, e) -> srvOutcome(answer, targets));
        });
    }

    /**
     * The backends of the lowest SRV priority that has any (RFC 2782: higher priorities are for when all of the lower
     * ones are gone), with the records of other priorities not used and the unusable ones skipped.
     */
    private Outcome srvOutcome(SrvAnswer answer, Map<String, CompletableFuture<List<AddressAnswer>>> targets) {
        Outcome o = new Outcome();
        o.ttl = answer.ttl();
        TreeMap<Integer, List<SrvRecord>> byPriority = new TreeMap<>();
        for (SrvRecord r : answer.records()) {
            String record =
                    "SRV " + options.name() + " -> " + (r.target().isEmpty() ? "." : r.target()) + ":" + r.port();
            if (r.target().isEmpty()) {
                o.skipped.add(record + ": target '.' (expected: a host name; '.' means the service is not offered)");
            } else if (r.port() == 0) {
                o.skipped.add(record + ": port 0 (expected: 1-65535)");
            } else {
                byPriority.computeIfAbsent(r.priority(), p -> new ArrayList<>()).add(r);
            }
        }
        for (List<SrvRecord> group : byPriority.values()) {
            for (SrvRecord r : group) {
                List<AddressAnswer> found = targets.get(r.target()).join();
                List<InetAddress> ips = new ArrayList<>();
                List<String> errors = new ArrayList<>();
                for (AddressAnswer a : found) {
                    if (a.error() != null) {
                        errors.add(a.error());
                    } else {
                        ips.addAll(a.addresses());
                        o.ttl = Math.min(o.ttl, a.ttl());
                    }
                }
                if (ips.isEmpty()) {
                    o.skipped.add("SRV " + options.name() + " -> " + r.target() + ":" + r.port()
                            + ": the target does not resolve (" + String.join("; ", errors) + ")");
                    continue;
                }
                int weight = Math.max(BackendSpec.MIN_WEIGHT, Math.min(BackendSpec.MAX_WEIGHT, r.weight()));
                for (InetAddress ip : ips) {
                    o.add(backend(ip, r.port(), weight, Map.of("dns.target", r.target())));
                }
            }
            if (!o.backends.isEmpty()) {
                break;
            }
        }
        return o;
    }

    private BackendSpec backend(InetAddress ip, int port, int weight, Map<String, String> tags) {
        String host = ip.getHostAddress();
        int zone = host.indexOf('%');
        if (zone >= 0) {
            host = host.substring(0, zone);
        }
        BackendAddress address = BackendAddress.of(
                options.scheme().equals("https") ? BackendAddress.Scheme.HTTPS : BackendAddress.Scheme.HTTP,
                host,
                port);
        return new BackendSpec(host + ":" + port, address.toString(), weight, tags);
    }

    /** What one round of lookups found. */
    private static final class Outcome {
        final Map<String, BackendSpec> byId = new LinkedHashMap<>();
        final List<BackendSpec> backends = new ArrayList<>();
        final List<String> skipped = new ArrayList<>();
        long ttl = Long.MAX_VALUE;
        String failure;

        static Outcome failed(String reason) {
            Outcome o = new Outcome();
            o.failure = reason;
            return o;
        }

        void add(BackendSpec spec) {
            if (byId.putIfAbsent(spec.id(), spec) == null) {
                backends.add(spec);
            }
        }
    }
}
