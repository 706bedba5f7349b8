package org.reverl.gateway.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.reverl.gateway.api.Backend;
import org.reverl.gateway.api.BackendEvent;
import org.reverl.gateway.api.BackendState;
import org.reverl.gateway.api.Gateway;
import org.reverl.gateway.api.NoBackendAvailableException;

/**
 * 8 threads call continuously while backends are added, removed and stopped. Bounded in calls and in time; no sleeps.
 */
class GatewayConcurrencyTest {

    private static final int THREADS = 8;
    private static final int MAX_CALLS_PER_THREAD = 20_000;
    private static final long MAX_MILLIS = 20_000;

    /** A logical clock: stop and call times are compared on it, never on wall time. */
    private final AtomicLong clock = new AtomicLong();

    private final Map<String, Long> stoppedAt = new ConcurrentHashMap<>();
    private final Map<String, LocalBackend<Long, String>> backends = new ConcurrentHashMap<>();

    private LocalBackend<Long, String> start(String id) {
        LocalBackend<Long, String> b = LocalBackend.start(id, callStart -> id);
        backends.put(id, b);
        return b;
    }

    private void stop(String id) {
        backends.get(id).stop();
        stoppedAt.put(id, clock.incrementAndGet());
    }

    @Test
    void churnUnderLoad_everyCallServedByALiveBackend_inFlightBackToZero_fairAfterwards() throws Exception {
        ConcurrentLinkedQueue<BackendEvent> seen = new ConcurrentLinkedQueue<>();
        Gateway<Long, String> gw = Gateways.<Long, String>builder()
                // every caller may be failing over at once when a backend stops under it: a budget for all of them, so
                // that this test is about membership; the budget itself is tested in LoadBalancerTest
                .config(GatewayConfig.builder().minRetryConcurrency(THREADS).build())
                .backend(start("anchor"))
                .backend(start("b0"))
                .listener(seen::add)
                .build();
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        AtomicBoolean churnDone = new AtomicBoolean();
        ConcurrentLinkedQueue<String> violations = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        CountDownLatch started = new CountDownLatch(THREADS);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(MAX_MILLIS);
        try {
            List<Future<Integer>> callers = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                callers.add(pool.submit(() -> {
                    started.countDown();
                    int calls = 0;
                    while (calls < MAX_CALLS_PER_THREAD && System.nanoTime() < deadline) {
                        long callStart = clock.incrementAndGet();
                        try {
                            String by = gw.callBlocking(callStart);
                            Long stopped = stoppedAt.get(by);
                            if (stopped != null && stopped < callStart) {
                                violations.add(by + " served call " + callStart + " after stopping at " + stopped);
                            }
                        } catch (RuntimeException e) {
                            failures.add(e);
                        }
                        calls++;
                        if (churnDone.get() && calls >= 200) {
                            break;
                        }
                    }
                    return calls;
                }));
            }
            started.await(10, TimeUnit.SECONDS);

            // churn: add, remove and stop backends while the callers run; "anchor" stays, so one is always live
            for (int i = 1; i <= 150 && System.nanoTime() < deadline; i++) {
                String id = "b" + i;
                gw.add(start(id));
                if (i % 3 == 0) {
                    stop("b" + (i - 1));
                } else if (i % 3 == 1) {
                    gw.remove("b" + (i - 1));
                }
            }
            churnDone.set(true);
            int total = 0;
            for (Future<Integer> f : callers) {
                total += f.get(MAX_MILLIS + 10_000, TimeUnit.MILLISECONDS);
            }

            assertThat(total).isGreaterThan(THREADS * 200 - 1);
            assertThat(violations).isEmpty();
            assertThat(failures).isEmpty();
            await().atMost(10, TimeUnit.SECONDS)
                    .until(() -> gw.backends().stream().allMatch(b -> b.inFlight() == 0));
            // one event per transition: no backend is reported down twice
            Set<String> down = new HashSet<>();
            for (BackendEvent e : seen) {
                if (e.type() == BackendEvent.Type.DOWN) {
                    assertThat(down.add(e.backendId()))
                            .as("second down event for %s", e.backendId())
                            .isTrue();
                }
            }

            // round robin stays fair: over each full cycle every eligible backend is picked once
            List<String> eligible = gw.backends().stream()
                    .filter(b -> b.state() == BackendState.UP)
                    .map(Backend::id)
                    .toList();
            for (int cycle = 0; cycle < 5; cycle++) {
                List<String> picks = new ArrayList<>();
                for (int i = 0; i < eligible.size(); i++) {
                    picks.add(gw.callBlocking(clock.incrementAndGet()));
                }
                assertThat(picks).containsExactlyInAnyOrderElementsOf(eligible);
            }

            // when none is live, calls fail with the documented error only
            for (Backend b : gw.backends()) {
                if (b.state() == BackendState.UP) {
                    stop(b.id());
                }
            }
            for (int i = 0; i < 10; i++) {
                try {
                    gw.callBlocking(clock.incrementAndGet());
                    throw new AssertionError("a call succeeded with every backend stopped");
                } catch (NoBackendAvailableException expected) {
                    assertThat(expected.getMessage()).startsWith("no backend available");
                }
            }
        } finally {
            pool.shutdownNow();
            gw.close();
            backends.values().forEach(LocalBackend::stop);
        }
    }
}
