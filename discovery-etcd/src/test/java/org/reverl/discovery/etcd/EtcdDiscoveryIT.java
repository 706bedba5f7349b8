package org.reverl.discovery.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.PutOption;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reverl.gateway.api.Backend;
import org.reverl.gateway.api.LoadBalancer;
import org.reverl.gateway.core.DiscoveryEvent;
import org.reverl.gateway.core.DiscoveryFollower;
import org.reverl.gateway.core.LoadBalancers;
import org.reverl.gateway.core.ProviderRegistry;
import org.reverl.gateway.testing.RefusedPort;

/** The etcd source against a real etcd: get then watch, bad values, leases, the registry stopped, compaction. */
class EtcdDiscoveryIT {

    private static final Duration WITHIN = Duration.ofSeconds(15);
    private static final String PREFIX = "/reverl/pools/web/";

    @TempDir
    Path dir;

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final List<DiscoveryEvent> events = new CopyOnWriteArrayList<>();
    private EtcdServer etcd;
    private Client client;
    private LoadBalancer lb;
    private EtcdDiscoverySource source;
    private DiscoveryFollower follower;

    @BeforeAll
    static void etcdIsInstalled() {
        assertThat(EtcdServer.installed())
                .as("etcd is needed (Debian package etcd-server; .ci/run installs it)")
                .isTrue();
    }

    @AfterEach
    void close() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    private void startEtcd() throws Exception {
        etcd = EtcdServer.start(dir);
        toClose.add(etcd);
        client = Client.builder().endpoints(etcd.endpoint()).build();
        toClose.add(client);
    }

    private void follow(Map<String, String> extra) {
        lb = LoadBalancers.builder().build();
        toClose.add(lb);
        Map<String, String> options = new java.util.HashMap<>(Map.of("endpoints", etcd.endpoint(), "prefix", PREFIX));
        options.putAll(extra);
        source = (EtcdDiscoverySource) ProviderRegistry.load().newSource("etcd", options);
        follower = DiscoveryFollower.start(source, lb, events::add);
        toClose.add(follower);
    }

    private long put(String id, String json) throws Exception {
        return kv().put(bytes(PREFIX + id), bytes(json))
                .get(10, TimeUnit.SECONDS)
                .getHeader()
                .getRevision();
    }

    private void delete(String id) throws Exception {
        kv().delete(bytes(PREFIX + id)).get(10, TimeUnit.SECONDS);
    }

    private KV kv() {
        return client.getKVClient();
    }

    private static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    private Map<String, String> members() {
        Map<String, String> m = new java.util.TreeMap<>();
        for (Backend b : lb.backends()) {
            m.put(b.id(), b.address() + " w" + b.weight() + (b.tags().isEmpty() ? "" : " " + b.tags()));
        }
        return m;
    }

    @Test
    void theKeysUnderThePrefix_areReadThenWatched() throws Exception {
        startEtcd();
        put("web-1", "{\"address\": \"127.0.0.1:9001\"}");
        put("web-2", "{\"address\": \"https://127.0.0.1:9002\", \"weight\": 3, \"tags\": {\"zone\": \"a\"}}");
        kv().put(bytes("/reverl/pools/web2/other"), bytes("{\"address\": \"127.0.0.1:9999\"}"))
                .get(10, TimeUnit.SECONDS);
        follow(Map.of());
        assertThat(source.describe())
                .isEqualTo("etcd 127.0.0.1:" + etcd.endpoint().replaceAll(".*:", "") + " " + PREFIX);

        await().atMost(WITHIN)
                .until(() -> members()
                        .equals(Map.of(
                                "web-1", "http://127.0.0.1:9001 w1",
                                "web-2", "https://127.0.0.1:9002 w3 {zone=a}")));

        put("web-3", "{\"address\": \"127.0.0.1:9003\"}");
        await().atMost(WITHIN).until(() -> members().containsKey("web-3"));

        delete("web-1");
        await().atMost(WITHIN).until(() -> !members().containsKey("web-1"));

        put("web-2", "{\"address\": \"https://127.0.0.1:9002\", \"weight\": 5}");
        await().atMost(WITHIN)
                .until(() -> "https://127.0.0.1:9002 w5".equals(members().get("web-2")));
        assertThat(members()).containsOnlyKeys("web-2", "web-3");
    }

    @Test
    void badValues_areSkippedByKey_andTheRestApplied_andADeletedPrefixEmptiesNothing() throws Exception {
        startEtcd();
        put("web-1", "{\"address\": \"127.0.0.1:9001\"}");
        put("bad-json", "{oops");
        put("bad-address", "{\"address\": \"127.0.0.1:99999\"}");
        put("bad weight", "{\"address\": \"127.0.0.1:9004\", \"weight\": 0}");
        follow(Map.of());
        await().atMost(WITHIN).until(() -> members().keySet().equals(java.util.Set.of("web-1")));
        await().atMost(WITHIN).until(() -> follower.status().skipped() >= 3);
        assertThat(events)
                .filteredOn(e -> e.type() == DiscoveryEvent.Type.SKIPPED)
                .extracting(DiscoveryEvent::detail)
                .contains(
                        "key /reverl/pools/web/bad-json: not valid JSON: {oops (expected: {\"address\":"
                                + " \"host:port\"})",
                        "key /reverl/pools/web/bad-address: address: \"127.0.0.1:99999\" (expected: port 1-65535)",
                        "key /reverl/pools/web/bad weight: weight: 0 (expected: an integer 1-10000)");

        kv().delete(bytes(PREFIX), DeleteOption.builder().isPrefix(true).build())
                .get(10, TimeUnit.SECONDS);
        await().atMost(WITHIN).until(() -> !follower.status().synced());
        assertThat(follower.status().lastError()).startsWith("prefix /reverl/pools/web/ has no keys at revision ");
        assertThat(members()).containsOnlyKeys("web-1");

        put("web-2", "{\"address\": \"127.0.0.1:9002\"}");
        await().atMost(WITHIN).until(() -> members().keySet().equals(java.util.Set.of("web-2")));
        assertThat(events).extracting(DiscoveryEvent::type).contains(DiscoveryEvent.Type.RECOVERED);
    }

    @Test
    void aKeyWithALease_goesAwayWhenTheLeaseExpires() throws Exception {
        startEtcd();
        put("web-1", "{\"address\": \"127.0.0.1:9001\"}");
        long lease = client.getLeaseClient().grant(2).get(10, TimeUnit.SECONDS).getID();
        kv().put(
                        bytes(PREFIX + "web-2"),
                        bytes("{\"address\": \"127.0.0.1:9002\"}"),
                        PutOption.builder().withLeaseId(lease).build())
                .get(10, TimeUnit.SECONDS);
        follow(Map.of());
        await().atMost(WITHIN).until(() -> members().keySet().equals(java.util.Set.of("web-1", "web-2")));
        // nobody keeps the lease alive: etcd deletes the key within about 2s, and the backend leaves
        await().atMost(WITHIN).until(() -> members().keySet().equals(java.util.Set.of("web-1")));
    }

    @Test
    void theRegistryStopped_keepsTheLastSet_andOnItsReturnTheWatchResumesFromTheLastRevision() throws Exception {
        startEtcd();
        put("web-1", "{\"address\": \"127.0.0.1:9001\"}");
        put("web-2", "{\"address\": \"127.0.0.1:9002\"}");
        follow(Map.of("retry_initial", "2s", "retry_max", "2s", "request_timeout", "1s"));
        await().atMost(WITHIN).until(() -> members().size() == 2);

        await().atMost(WITHIN).until(source::watching); // stopped under a live watch, not before it is set up
        etcd.stop();
        await().atMost(WITHIN).until(() -> !follower.status().synced());
        assertThat(members()).containsOnlyKeys("web-1", "web-2");

        // back, and changed before the source retries: the resumed watch delivers both changes
        etcd.restart();
        delete("web-1");
        put("web-3", "{\"address\": \"127.0.0.1:9003\"}");
        // the follower applies a snapshot to the pool first and publishes its status after: wait for both
        await().atMost(WITHIN)
                .until(() -> members().keySet().equals(java.util.Set.of("web-2", "web-3"))
                        && follower.status().synced());
        assertThat(source.listings()).as("resumed, not re-read").isEqualTo(1);
        assertThat(events)
                .extracting(DiscoveryEvent::type)
                .containsSubsequence(DiscoveryEvent.Type.FAILED, DiscoveryEvent.Type.RECOVERED);
    }

    @Test
    void aCompactedRevision_isHandledByReadingThePrefixAgain() throws Exception {
        startEtcd();
        put("web-1", "{\"address\": \"127.0.0.1:9001\"}");
        follow(Map.of("retry_initial", "4s", "retry_max", "4s", "request_timeout", "1s"));
        await().atMost(WITHIN).until(() -> members().size() == 1);

        await().atMost(WITHIN).until(source::watching); // stopped under a live watch, not before it is set up
        etcd.stop();
        await().atMost(WITHIN).until(() -> !follower.status().synced());
        etcd.restart();
        // before the source retries: changes, and then compaction of the revisions it would resume from
        put("web-2", "{\"address\": \"127.0.0.1:9002\"}");
        long last = put("web-3", "{\"address\": \"127.0.0.1:9003\"}");
        delete("web-1");
        kv().compact(last + 1).get(10, TimeUnit.SECONDS);

        await().atMost(WITHIN).until(() -> members().keySet().equals(java.util.Set.of("web-2", "web-3")));
        assertThat(source.listings()).as("re-read after compaction").isEqualTo(2);
    }

    @Test
    void withAuthentication_aUserWhoMayReadThePrefixFollowsIt_andAWrongPasswordIsAReportedFailure() throws Exception {
        startEtcd();
        put("web-1", "{\"address\": \"127.0.0.1:9001\"}");
        io.etcd.jetcd.Auth auth = client.getAuthClient();
        auth.userAdd(bytes("root"), bytes("root-pw")).get(10, TimeUnit.SECONDS);
        auth.roleAdd(bytes("root")).get(10, TimeUnit.SECONDS);
        auth.userGrantRole(bytes("root"), bytes("root")).get(10, TimeUnit.SECONDS);
        auth.userAdd(bytes("reverl"), bytes("reverl-pw")).get(10, TimeUnit.SECONDS);
        auth.roleAdd(bytes("web-reader")).get(10, TimeUnit.SECONDS);
        auth.roleGrantPermission(
                        bytes("web-reader"),
                        bytes(PREFIX),
                        bytes("/reverl/pools/web0"), // the end of the prefix's range: '/' + 1
                        io.etcd.jetcd.auth.Permission.Type.READ)
                .get(10, TimeUnit.SECONDS);
        auth.userGrantRole(bytes("reverl"), bytes("web-reader")).get(10, TimeUnit.SECONDS);
        auth.authEnable().get(10, TimeUnit.SECONDS);
        Client root = Client.builder()
                .endpoints(etcd.endpoint())
                .user(bytes("root"))
                .password(bytes("root-pw"))
                .build();
        toClose.add(root);
        client = root;

        follow(Map.of("user", "reverl", "password", "reverl-pw"));
        await().atMost(WITHIN).until(() -> members().keySet().equals(java.util.Set.of("web-1")));
        put("web-2", "{\"address\": \"127.0.0.1:9002\"}");
        await().atMost(WITHIN).until(() -> members().keySet().equals(java.util.Set.of("web-1", "web-2")));

        LoadBalancer other = LoadBalancers.builder().build();
        toClose.add(other);
        List<DiscoveryEvent> otherEvents = new CopyOnWriteArrayList<>();
        DiscoveryFollower wrong = DiscoveryFollower.start(
                ProviderRegistry.load()
                        .newSource(
                                "etcd",
                                Map.of(
                                        "endpoints", etcd.endpoint(),
                                        "prefix", PREFIX,
                                        "user", "reverl",
                                        "password", "wrong",
                                        "request_timeout", "2s")),
                other,
                otherEvents::add);
        toClose.add(wrong);
        await().atMost(WITHIN).until(() -> wrong.status().failures() > 0);
        assertThat(wrong.status().lastError()).contains("authentication failed");
        assertThat(other.backends()).isEmpty();
    }

    @Test
    void overTls_theSourceTrustsTheConfiguredCa() throws Exception {
        io.netty.pkitesting.X509Bundle cert = new io.netty.pkitesting.CertificateBuilder()
                .subject("CN=localhost")
                .addSanDnsName("localhost")
                .addSanIpAddress("127.0.0.1")
                .notBefore(java.time.Instant.now().minus(Duration.ofDays(1)))
                .notAfter(java.time.Instant.now().plus(Duration.ofDays(1)))
                .setIsCertificateAuthority(true)
                .buildSelfSigned();
        Path certPem = java.nio.file.Files.writeString(dir.resolve("etcd.pem"), cert.getCertificatePEM());
        Path keyPem = java.nio.file.Files.writeString(dir.resolve("etcd.key"), cert.getPrivateKeyPEM());
        etcd = EtcdServer.startTls(dir, certPem, keyPem);
        toClose.add(etcd);
        client = Client.builder()
                .endpoints(etcd.endpoint())
                .sslContext(ssl -> ssl.trustManager(certPem.toFile()))
                .build();
        toClose.add(client);
        put("web-1", "{\"address\": \"127.0.0.1:9001\"}");

        follow(Map.of("tls_ca", certPem.toString()));
        await().atMost(WITHIN).until(() -> members().keySet().equals(java.util.Set.of("web-1")));
        assertThat(etcd.endpoint()).startsWith("https://");
    }

    @Test
    void anUnreachableRegistry_isRetriedWithBackOff_fromRetryInitialDoublingToRetryMax() throws Exception {
        RefusedPort dead = RefusedPort.open(); // refuses until the test ends
        toClose.add(dead);
        java.util.concurrent.BlockingQueue<Duration> waits = new java.util.concurrent.LinkedBlockingQueue<>();
        List<String> failures = new CopyOnWriteArrayList<>();
        EtcdDiscoverySource s = new EtcdDiscoverySource(
                EtcdDiscoveryProvider.parse(Map.of(
                        "endpoints", "http://" + dead.address(),
                        "prefix", PREFIX,
                        "request_timeout", "300ms",
                        "retry_initial", "1s",
                        "retry_max", "5s")),
                (retry, after) -> {
                    waits.add(after); // stepped through: the next try runs at once
                    if (waits.size() < 5) {
                        retry.run();
                    }
                });
        toClose.add(s);
        s.start(new org.reverl.gateway.api.DiscoveryListener() {
            @Override
            public void onSnapshot(org.reverl.gateway.api.DiscoverySnapshot snapshot) {
                failures.add("unexpected snapshot " + snapshot);
            }

            @Override
            public void onFailure(String reason) {
                failures.add(reason);
            }
        });
        await().atMost(WITHIN).until(() -> waits.size() >= 5);
        assertThat(List.copyOf(waits))
                .containsExactly(
                        Duration.ofSeconds(1),
                        Duration.ofSeconds(2),
                        Duration.ofSeconds(4),
                        Duration.ofSeconds(5),
                        Duration.ofSeconds(5));
        assertThat(failures).hasSize(5).allMatch(f -> f.startsWith("reading " + PREFIX + ": "));
        assertThat(s.listings()).isEqualTo(5);
    }

    @Test
    void aPartition_isFoundByGrpcPings_andTheWatchResumesWhenItHeals() throws Exception {
        startEtcd();
        put("web-1", "{\"address\": \"127.0.0.1:9001\"}");
        FreezableRelay relay =
                new FreezableRelay(Integer.parseInt(etcd.endpoint().replaceAll(".*:", "")));
        toClose.add(relay);
        lb = LoadBalancers.builder().build();
        toClose.add(lb);
        source = (EtcdDiscoverySource) ProviderRegistry.load()
                .newSource(
                        "etcd",
                        Map.of(
                                "endpoints", "http://127.0.0.1:" + relay.port(),
                                "prefix", PREFIX,
                                "request_timeout", "1s",
                                "retry_initial", "500ms",
                                "retry_max", "500ms"));
        follower = DiscoveryFollower.start(source, lb, events::add);
        toClose.add(follower);
        await().atMost(WITHIN).until(() -> members().size() == 1 && source.watching());

        relay.freeze(true); // connections stay open, nothing passes: no error, only silence
        await().atMost(Duration.ofSeconds(30)).until(() -> !follower.status().synced());
        assertThat(members()).containsOnlyKeys("web-1");
        put("web-2", "{\"address\": \"127.0.0.1:9002\"}"); // straight to etcd, while the source is cut off

        relay.freeze(false);
        await().atMost(Duration.ofSeconds(30))
                .until(() -> members().keySet().equals(java.util.Set.of("web-1", "web-2"))
                        && follower.status().synced());
    }
}
