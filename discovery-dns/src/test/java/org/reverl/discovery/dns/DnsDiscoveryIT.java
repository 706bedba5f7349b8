package org.reverl.discovery.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reverl.gateway.api.Backend;
import org.reverl.gateway.api.BackendSpec;
import org.reverl.gateway.api.DiscoveryListener;
import org.reverl.gateway.api.DiscoverySnapshot;
import org.reverl.gateway.api.DiscoverySource;
import org.reverl.gateway.api.LoadBalancer;
import org.reverl.gateway.core.DiscoveryEvent;
import org.reverl.gateway.core.DiscoveryFollower;
import org.reverl.gateway.core.LoadBalancers;
import org.reverl.gateway.core.ProviderRegistry;
import org.reverl.gateway.testing.Dnsmasq;

/** The dns source against a real dnsmasq whose answers change while the source follows them. */
class DnsDiscoveryIT {

    private static final Duration WITHIN = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final List<Object> reports = new CopyOnWriteArrayList<>();

    /** Records every snapshot and failure a source reports, in order. */
    private final DiscoveryListener recorder = new DiscoveryListener() {
        @Override
        public void onSnapshot(DiscoverySnapshot snapshot) {
            reports.add(snapshot);
        }

        @Override
        public void onFailure(String reason) {
            reports.add(reason);
        }
    };

    @BeforeAll
    static void dnsmasqIsInstalled() {
        assertThat(Dnsmasq.installed())
                .as("dnsmasq is needed (Debian package dnsmasq-base; .ci/run installs it)")
                .isTrue();
    }

    @AfterEach
    void close() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    private Dnsmasq dnsmasq(List<String> srv, List<String> hosts) throws Exception {
        Dnsmasq d = Dnsmasq.start(dir, 1, srv, hosts);
        toClose.add(d);
        return d;
    }

    /** A source from the provider the ServiceLoader finds, recording what it reports. */
    private DiscoverySource source(Map<String, String> options) {
        DiscoverySource s = ProviderRegistry.load().newSource("dns", options);
        toClose.add(s);
        s.start(recorder);
        return s;
    }

    private DiscoverySnapshot lastSnapshot() {
        for (int i = reports.size() - 1; i >= 0; i--) {
            if (reports.get(i) instanceof DiscoverySnapshot s) {
                return s;
            }
        }
        return null;
    }

    private Map<String, String> addresses() {
        DiscoverySnapshot s = lastSnapshot();
        return s == null
                ? Map.of()
                : s.backends().stream().collect(Collectors.toMap(BackendSpec::id, BackendSpec::address));
    }

    private Object last() {
        return reports.isEmpty() ? null : reports.get(reports.size() - 1);
    }

    @Test
    void aRecords_areFollowed_whenTheHostsFileChanges() throws Exception {
        Dnsmasq dns = dnsmasq(List.of(), List.of("127.0.0.11 web.test", "127.0.0.12 web.test"));
        DiscoverySource s = source(Map.of(
                "name", "web.test", "port", "8080", "servers", dns.server(), "min_ttl", "200ms", "max_ttl", "2s"));
        assertThat(s.describe()).isEqualTo("dns A web.test:8080");

        await().atMost(WITHIN)
                .until(() -> addresses()
                        .equals(Map.of(
                                "127.0.0.11:8080", "http://127.0.0.11:8080",
                                "127.0.0.12:8080", "http://127.0.0.12:8080")));

        dns.hosts(List.of("127.0.0.12 web.test", "127.0.0.13 web.test"));
        await().atMost(WITHIN)
                .until(() -> addresses().keySet().equals(java.util.Set.of("127.0.0.12:8080", "127.0.0.13:8080")));
    }

    @Test
    void aaaaRecords_giveBracketedAddresses() throws Exception {
        Dnsmasq dns = dnsmasq(List.of(), List.of("::1 web6.test", "127.0.0.11 web6.test"));
        source(Map.of(
                "name", "web6.test", "type", "a_aaaa", "port", "8443", "scheme", "https", "servers", dns.server()));
        await().atMost(WITHIN)
                .until(() -> addresses()
                        .equals(Map.of(
                                "127.0.0.11:8443", "https://127.0.0.11:8443",
                                "0:0:0:0:0:0:0:1:8443", "https://[0:0:0:0:0:0:0:1]:8443")));
    }

    @Test
    void srvRecords_giveTargetsPortsAndWeights_andBadRecordsAreSkipped() throws Exception {
        Dnsmasq dns = dnsmasq(
                List.of(
                        "_http._tcp.web.test,a.web.test,8081,0,30",
                        "_http._tcp.web.test,b.web.test,8082,0,10",
                        "_http._tcp.web.test,zero.web.test,0,0,10",
                        "_http._tcp.web.test,nowhere.web.test,8083,0,10",
                        "_http._tcp.web.test,backup.web.test,8084,1,10"),
                List.of("127.0.0.21 a.web.test", "127.0.0.22 b.web.test", "127.0.0.24 backup.web.test"));
        DiscoverySource s = source(Map.of("name", "_http._tcp.web.test", "servers", dns.server(), "min_ttl", "200ms"));
        assertThat(s.describe()).isEqualTo("dns SRV _http._tcp.web.test");

        await().atMost(WITHIN).until(() -> lastSnapshot() != null);
        DiscoverySnapshot snap = lastSnapshot();
        assertThat(snap.backends())
                .containsExactlyInAnyOrder(
                        new BackendSpec(
                                "127.0.0.21:8081", "http://127.0.0.21:8081", 30, Map.of("dns.target", "a.web.test")),
                        new BackendSpec(
                                "127.0.0.22:8082", "http://127.0.0.22:8082", 10, Map.of("dns.target", "b.web.test")));
        assertThat(snap.skipped())
                .containsExactlyInAnyOrder(
                        "SRV _http._tcp.web.test -> zero.web.test:0: port 0 (expected: 1-65535)",
                        "SRV _http._tcp.web.test -> nowhere.web.test:8083: the target does not resolve"
                                + " (nowhere.web.test A: NXDomain(3); nowhere.web.test AAAA: NXDomain(3))");

        // the priority-0 targets go away: the backup priority takes over
        dns.hosts(List.of("127.0.0.24 backup.web.test"));
        await().atMost(WITHIN).until(() -> addresses().equals(Map.of("127.0.0.24:8084", "http://127.0.0.24:8084")));

        // new SRV records: dnsmasq reads srv-host lines at start, so it is restarted on the same port
        dns.restart(1, List.of("_http._tcp.web.test,backup.web.test,9000,0,5"));
        await().atMost(WITHIN).until(() -> addresses().equals(Map.of("127.0.0.24:9000", "http://127.0.0.24:9000")));
    }

    @Test
    void aFailingOrEmptyAnswer_isReported_andTheLastGoodSetStays_untilTheServerAnswersAgain() throws Exception {
        Dnsmasq dns = dnsmasq(List.of(), List.of("127.0.0.11 web.test"));
        LoadBalancer lb = LoadBalancers.builder().build();
        toClose.add(lb);
        List<DiscoveryEvent> events = new CopyOnWriteArrayList<>();
        DiscoveryFollower follower = DiscoveryFollower.start(
                ProviderRegistry.load()
                        .newSource(
                                "dns",
                                Map.of(
                                        "name", "web.test",
                                        "port", "8080",
                                        "servers", dns.server(),
                                        "min_ttl", "100ms",
                                        "max_ttl", "400ms",
                                        "timeout", "300ms")),
                lb,
                events::add);
        toClose.add(follower);
        await().atMost(WITHIN).until(() -> ids(lb).equals(List.of("127.0.0.11:8080")));

        // the name disappears: NXDOMAIN keeps the backend
        dns.hosts(List.of("127.0.0.99 other.test"));
        await().atMost(WITHIN).until(() -> !follower.status().synced());
        assertThat(follower.status().lastError()).isEqualTo("web.test A: NXDomain(3)");
        assertThat(ids(lb)).containsExactly("127.0.0.11:8080");

        // the server goes away: timeouts keep the backend too
        dns.stop();
        await().atMost(WITHIN)
                .until(() -> String.valueOf(follower.status().lastError()).contains("no answer within 300ms"));
        assertThat(ids(lb)).containsExactly("127.0.0.11:8080");
        assertThat(events)
                .filteredOn(e -> e.type() == DiscoveryEvent.Type.FAILED)
                .hasSize(1)
                .first()
                .extracting(DiscoveryEvent::describe)
                .isEqualTo("discovery dns A web.test:8080 failed, keeping the last good backends: web.test A:"
                        + " NXDomain(3) (keeping 1 backends)");

        // it comes back with a new answer
        dns.restart(1, List.of());
        dns.hosts(List.of("127.0.0.12 web.test"));
        // the follower applies a snapshot to the pool first and publishes its status after: wait for both
        await().atMost(WITHIN)
                .until(() -> ids(lb).equals(List.of("127.0.0.12:8080"))
                        && follower.status().synced());
        assertThat(events).extracting(DiscoveryEvent::type).contains(DiscoveryEvent.Type.RECOVERED);
    }

    private static List<String> ids(LoadBalancer lb) {
        return lb.backends().stream().map(Backend::id).toList();
    }

    /**
     * The waits between lookups, stepped through instead of waited for: each wait the source asks for is recorded and
     * the next lookup runs at once, up to {@code steps} lookups.
     */
    private List<Duration> waits(Map<String, String> options, int steps) throws Exception {
        java.util.concurrent.BlockingQueue<Duration> waits = new java.util.concurrent.LinkedBlockingQueue<>();
        DnsDiscoverySource s = new DnsDiscoverySource(DnsDiscoveryProvider.parse(options), (resolve, after) -> {
            waits.add(after);
            if (waits.size() < steps) {
                resolve.run();
            }
        });
        toClose.add(s);
        s.start(recorder);
        await().atMost(WITHIN).until(() -> waits.size() >= steps);
        return List.copyOf(waits).subList(0, steps);
    }

    @Test
    void theNextLookup_comesAtTheAnswersTtl_clampedToMinAndMax() throws Exception {
        Dnsmasq dns = Dnsmasq.start(dir, 7, List.of(), List.of("127.0.0.11 web.test"));
        toClose.add(dns);
        Map<String, String> base = Map.of("name", "web.test", "port", "80", "servers", dns.server());

        assertThat(waits(with(base, "min_ttl", "1s", "max_ttl", "1m"), 3)).containsOnly(Duration.ofSeconds(7));
        assertThat(waits(with(base, "min_ttl", "30s", "max_ttl", "1m"), 2)).containsOnly(Duration.ofSeconds(30));
        assertThat(waits(with(base, "min_ttl", "1s", "max_ttl", "3s"), 2)).containsOnly(Duration.ofSeconds(3));
    }

    @Test
    void afterFailures_theNextLookupBacksOff_fromMinDoublingToMax() throws Exception {
        Dnsmasq dns = Dnsmasq.start(dir, 7, List.of(), List.of("127.0.0.11 web.test"));
        toClose.add(dns);
        List<Duration> waits = waits(
                Map.of("name", "gone.test", "port", "80", "servers", dns.server(), "min_ttl", "1s", "max_ttl", "5s"),
                5);
        assertThat(waits)
                .containsExactly(
                        Duration.ofSeconds(1),
                        Duration.ofSeconds(2),
                        Duration.ofSeconds(4),
                        Duration.ofSeconds(5),
                        Duration.ofSeconds(5));
        assertThat(reports).allMatch(r -> r.equals("gone.test A: NXDomain(3)"));
    }

    private static Map<String, String> with(Map<String, String> base, String k1, String v1, String k2, String v2) {
        Map<String, String> m = new java.util.HashMap<>(base);
        m.put(k1, v1);
        m.put(k2, v2);
        return m;
    }
}
