package org.reverl.gateway.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.reverl.gateway.api.Attempts;
import org.reverl.gateway.api.Backend;
import org.reverl.gateway.api.BackendSpec;
import org.reverl.gateway.api.BackendState;
import org.reverl.gateway.api.DiscoveryListener;
import org.reverl.gateway.api.DiscoverySnapshot;
import org.reverl.gateway.api.DiscoverySource;
import org.reverl.gateway.api.DiscoverySourceProvider;
import org.reverl.gateway.api.Lease;
import org.reverl.gateway.api.LoadBalancer;
import org.reverl.gateway.api.RequestContext;

class DiscoveryFollowerTest {

    /** A registry the test writes to: it reports what the test tells it, on the test's thread. */
    static final class ScriptedSource implements DiscoverySource {
        volatile DiscoveryListener listener;
        volatile boolean closed;

        @Override
        public String describe() {
            return "scripted";
        }

        @Override
        public void start(DiscoveryListener listener) {
            this.listener = listener;
        }

        void snapshot(BackendSpec... backends) {
            listener.onSnapshot(DiscoverySnapshot.of(List.of(backends)));
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    private static final Clock CLOCK = Clock.fixed(Instant.parse("2025-01-01T00:00:00Z"), ZoneOffset.UTC);

    private final ScriptedSource source = new ScriptedSource();
    private final List<DiscoveryEvent> events = new CopyOnWriteArrayList<>();
    private LoadBalancer lb;
    private DiscoveryFollower follower;

    private void start(BackendSpec... statics) {
        LoadBalancers.Builder b = LoadBalancers.builder().clock(CLOCK);
        for (BackendSpec s : statics) {
            b.backend(s);
        }
        lb = b.build();
        follower = DiscoveryFollower.start(source, lb, events::add, CLOCK);
    }

    @AfterEach
    void close() {
        if (follower != null) {
            follower.close();
        }
        if (lb != null) {
            lb.close();
        }
    }

    private List<String> ids() {
        return lb.backends().stream().map(Backend::id).toList();
    }

    private static BackendSpec spec(String id) {
        return BackendSpec.of(id, "http://127.0.0.1:" + (9000 + id.charAt(id.length() - 1)));
    }

    @Test
    void snapshots_becomeMembershipByDifference() {
        start();
        source.snapshot(spec("d1"), spec("d2"));
        await().atMost(Duration.ofSeconds(5)).until(() -> ids().equals(List.of("d1", "d2")));

        source.snapshot(spec("d2"), spec("d3"));
        await().atMost(Duration.ofSeconds(5)).until(() -> ids().equals(List.of("d2", "d3")));

        assertThat(follower.status().synced()).isTrue();
        assertThat(follower.status().backends()).isEqualTo(2);
        assertThat(follower.status().snapshots()).isEqualTo(2);
        assertThat(follower.status().lastSync()).isEqualTo(CLOCK.instant());
        assertThat(events)
                .extracting(DiscoveryEvent::describe)
                .anySatisfy(line -> assertThat(line)
                        .isEqualTo(
                                "discovery scripted applied: added backend d3 (http://127.0.0.1:9051, weight 1); draining"
                                        + " backend d1, removed once idle"));
        assertThat(follower.owns("d2")).isTrue();
        assertThat(follower.owns("d1")).isFalse();
    }

    @Test
    void aRemovedBackend_isDrained_andRemovedOnlyOnceItsRequestsFinished() {
        start();
        source.snapshot(spec("d1"));
        await().atMost(Duration.ofSeconds(5)).until(() -> ids().equals(List.of("d1")));
        Lease lease = lb.acquire(RequestContext.NONE, new Attempts());
        assertThat(lease).isNotNull();

        source.snapshot(spec("d2"));
        await().atMost(Duration.ofSeconds(5))
                .until(() -> lb.backend("d1").map(Backend::state).orElse(null) == BackendState.DRAINING
                        && lb.backend("d2").isPresent());
        assertThat(ids()).containsExactly("d1", "d2");

        lease.onSuccess(1_000);
        await().atMost(Duration.ofSeconds(5)).until(() -> ids().equals(List.of("d2")));
    }

    @Test
    void aBackendListedAgainWhileDraining_isEnabledAgain() {
        start();
        source.snapshot(spec("d1"), spec("d2"));
        await().atMost(Duration.ofSeconds(5)).until(() -> ids().size() == 2);
        Lease lease = lb.acquire(RequestContext.NONE, new Attempts()); // keeps d1 busy, so its drain does not end
        assertThat(lease.backend().id()).isEqualTo("d1");

        source.snapshot(spec("d2"));
        await().atMost(Duration.ofSeconds(5))
                .until(() -> lb.backend("d1").orElseThrow().state() == BackendState.DRAINING);
        source.snapshot(spec("d1"), spec("d2"));
        await().atMost(Duration.ofSeconds(5))
                .until(() -> lb.backend("d1").orElseThrow().state() == BackendState.UP);

        lease.onSuccess(1_000);
        source.snapshot(spec("d1"), spec("d2")); // a later snapshot is applied after the drain's end was
        await().atMost(Duration.ofSeconds(5)).until(() -> follower.status().snapshots() == 4);
        assertThat(ids()).containsExactly("d1", "d2");
    }

    @Test
    void aChangedWeightOrTags_isUpdatedInPlace_andAChangedAddressReplacesTheBackend() {
        start();
        source.snapshot(spec("d1"));
        await().atMost(Duration.ofSeconds(5)).until(() -> ids().equals(List.of("d1")));
        Backend before = lb.backend("d1").orElseThrow();

        source.snapshot(spec("d1").withWeight(7).withTags(Map.of("zone", "a")));
        await().atMost(Duration.ofSeconds(5))
                .until(() -> lb.backend("d1").orElseThrow().weight() == 7);
        assertThat(lb.backend("d1").orElseThrow()).isSameAs(before); // its health, breaker and counters stay
        assertThat(lb.backend("d1").orElseThrow().tags()).isEqualTo(Map.of("zone", "a"));

        source.snapshot(BackendSpec.of("d1", "http://127.0.0.1:8999"));
        await().atMost(Duration.ofSeconds(5))
                .until(() -> lb.backend("d1").orElseThrow().address().equals("http://127.0.0.1:8999"));
        assertThat(lb.backend("d1").orElseThrow()).isNotSameAs(before);
    }

    @Test
    void failures_andEmptySnapshots_keepTheLastGoodSet_andAreReportedOncePerStreak() {
        start();
        source.snapshot(spec("d1"), spec("d2"));
        await().atMost(Duration.ofSeconds(5)).until(() -> ids().size() == 2);

        source.listener.onFailure("web.example: NXDOMAIN");
        source.snapshot();
        source.listener.onFailure("web.example: timed out");
        await().atMost(Duration.ofSeconds(5)).until(() -> follower.status().failures() == 3);

        assertThat(ids()).containsExactly("d1", "d2");
        DiscoveryStatus s = follower.status();
        assertThat(s.synced()).isFalse();
        assertThat(s.backends()).isEqualTo(2);
        assertThat(s.lastError()).isEqualTo("web.example: timed out");
        assertThat(events)
                .filteredOn(e -> e.type() == DiscoveryEvent.Type.FAILED)
                .extracting(DiscoveryEvent::describe)
                .containsExactly("discovery scripted failed, keeping the last good backends: web.example: NXDOMAIN"
                        + " (keeping 2 backends)");

        source.snapshot(spec("d1"));
        await().atMost(Duration.ofSeconds(5)).until(() -> follower.status().synced());
        assertThat(events).extracting(DiscoveryEvent::type).contains(DiscoveryEvent.Type.RECOVERED);
        await().atMost(Duration.ofSeconds(5)).until(() -> ids().equals(List.of("d1")));
    }

    @Test
    void skippedEntries_areReported_andTheRestApplied() {
        start();
        source.listener.onSnapshot(
                new DiscoverySnapshot(List.of(spec("d1")), List.of("key /reverl/pools/web/bad: not JSON: {oops"), 42));
        await().atMost(Duration.ofSeconds(5)).until(() -> ids().equals(List.of("d1")));
        assertThat(events)
                .extracting(DiscoveryEvent::describe)
                .contains("discovery scripted skipped an entry: key /reverl/pools/web/bad: not JSON: {oops")
                .anySatisfy(line -> assertThat(line).endsWith("(version 42)"));
        assertThat(follower.status().skipped()).isEqualTo(1);

        // still skipped in the next snapshot: not reported again; skipped anew after it was fine: reported again
        source.listener.onSnapshot(
                new DiscoverySnapshot(List.of(spec("d1")), List.of("key /reverl/pools/web/bad: not JSON: {oops"), 43));
        source.snapshot(spec("d1"));
        source.listener.onSnapshot(
                new DiscoverySnapshot(List.of(spec("d1")), List.of("key /reverl/pools/web/bad: not JSON: {oops"), 45));
        await().atMost(Duration.ofSeconds(5)).until(() -> follower.status().snapshots() == 4);
        assertThat(events)
                .filteredOn(e -> e.type() == DiscoveryEvent.Type.SKIPPED)
                .hasSize(2);
        assertThat(follower.status().skipped()).isEqualTo(2);
    }

    @Test
    void aStaticBackend_winsOverADiscoveredOneWithItsId_andIsNeverTouched() {
        start(BackendSpec.of("s1", "http://127.0.0.1:8000"));
        source.snapshot(BackendSpec.of("s1", "http://127.0.0.1:8001"), spec("d1"));
        await().atMost(Duration.ofSeconds(5)).until(() -> ids().equals(List.of("s1", "d1")));
        assertThat(lb.backend("s1").orElseThrow().address()).isEqualTo("http://127.0.0.1:8000");
        assertThat(follower.owns("s1")).isFalse();
        assertThat(events).extracting(DiscoveryEvent::type).contains(DiscoveryEvent.Type.SKIPPED);

        source.snapshot(spec("d2"));
        await().atMost(Duration.ofSeconds(5)).until(() -> ids().equals(List.of("s1", "d2")));
    }

    @Test
    void close_stopsTheSource_andLeavesTheMembers() {
        start();
        source.snapshot(spec("d1"));
        await().atMost(Duration.ofSeconds(5)).until(() -> ids().equals(List.of("d1")));
        follower.close();
        assertThat(source.closed).isTrue();
        source.snapshot(spec("d2")); // after close: ignored
        assertThat(ids()).containsExactly("d1");
    }

    @Test
    void registry_findsSourcesByName_withTheSameRulesAsStrategies() {
        DiscoverySourceProvider provider = new DiscoverySourceProvider() {
            @Override
            public String name() {
                return "scripted";
            }

            @Override
            public DiscoverySource create(Map<String, String> options) {
                if (!options.isEmpty()) {
                    throw new IllegalArgumentException(
                            "discovery 'scripted': option: " + options.keySet() + " (expected: none)");
                }
                return new ScriptedSource();
            }
        };
        ProviderRegistry r = ProviderRegistry.of(List.of(), List.of(), List.of(provider));
        assertThat(r.sourceNames()).containsExactly("scripted");
        assertThat(r.newSource("scripted", Map.of())).isInstanceOf(ScriptedSource.class);
        assertThat(r.sourceProvider("scripted")).containsSame(provider);
        assertThatThrownBy(() -> r.newSource("consul", Map.of()))
                .hasMessage("unknown discovery source: 'consul' (expected: one of [scripted]); is the module that"
                        + " provides it on the class path?");
        assertThatThrownBy(() -> r.newSource("scripted", Map.of("x", "1")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("option");
        assertThat(ProviderRegistry.load().sourceNames()).isEmpty();
    }
}
