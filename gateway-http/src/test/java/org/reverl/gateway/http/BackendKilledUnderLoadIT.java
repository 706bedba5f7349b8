package org.reverl.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.reverl.gateway.api.BackendEvent;
import org.reverl.gateway.api.BackendSpec;
import org.reverl.gateway.api.LoadBalancer;
import org.reverl.gateway.core.GatewayConfig;
import org.reverl.gateway.core.HealthCheckConfig;
import org.reverl.gateway.core.LoadBalancers;

/**
 * The seed's promise under load: three backends, 30 keep-alive clients, one backend killed (every connection reset)
 * and started again on its port. No GET fails, and the revived backend comes back into rotation by its probes and
 * serves again. Then every backend dies, and one returns: 503s while none listens, and the first request after one
 * returns succeeds without waiting for a probe.
 *
 * <p>No assertion here reads the wall clock: when the probes bring a backend back (two passing probes, at the down
 * interval and then the fast one) is {@code HealthTimelineTest}'s, on a clock it steps.
 */
class BackendKilledUnderLoadIT {

    static final String GET = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";

    @Test
    void oneBackendKilledAndRestarted_noFailedGet_backInRotationByItsProbes() throws Exception {
        RecordingBackend b1 = new RecordingBackend(RecordingBackend.Mode.ANSWER);
        RecordingBackend b2 = new RecordingBackend(RecordingBackend.Mode.ANSWER);
        RecordingBackend b3 = new RecordingBackend(RecordingBackend.Mode.ANSWER);
        List<BackendEvent> events = new CopyOnWriteArrayList<>();
        LoadBalancer lb = LoadBalancers.builder()
                .config(GatewayConfig.builder()
                        // the setup: a tcp probe every 500 ms, rise 2, fall 2
                        .healthCheck(HealthCheckConfig.builder("tcp")
                                .timeout(Duration.ofMillis(250))
                                .interval(Duration.ofMillis(500))
                                .rise(2)
                                .fall(2)
                                .build())
                        .build())
                .listener(events::add)
                .backend(BackendSpec.of("b1", "http://" + b1.address()))
                .backend(BackendSpec.of("b2", "http://" + b2.address()))
                .backend(BackendSpec.of("b3", "http://" + b3.address()))
                .build();
        HttpProxyServer proxy = HttpProxyServer.start(
                lb,
                HttpProxyConfig.builder().listen("127.0.0.1", 0).ioThreads(2).build());
        int port = b2.port();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger done = new AtomicInteger();
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        List<Thread> clients = new ArrayList<>();
        RecordingBackend revived = null;
        try {
            for (int c = 0; c < 30; c++) {
                Thread t = new Thread(() -> load(proxy, stop, done, failures), "client-" + c);
                t.start();
                clients.add(t);
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> done.get() >= 3000);
            b2.kill();
            int atKill = done.get();
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> events.stream()
                            .anyMatch(e -> e.backendId().equals("b2")
                                    && (e.type() == BackendEvent.Type.DOWN || e.type() == BackendEvent.Type.EJECTED)));
            await().atMost(Duration.ofSeconds(20)).until(() -> done.get() >= atKill + 3000);

            events.clear();
            revived = new RecordingBackend(RecordingBackend.Mode.ANSWER, port);
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> events.stream()
                            .anyMatch(e -> e.backendId().equals("b2")
                                    && (e.type() == BackendEvent.Type.UP || e.type() == BackendEvent.Type.RESTORED)));
            RecordingBackend r = revived;
            int before = r.requests.get();
            await().atMost(Duration.ofSeconds(10)).until(() -> r.requests.get() > before + 100);
        } finally {
            stop.set(true);
            for (Thread t : clients) {
                t.join(10_000);
            }
            proxy.close();
            lb.close();
            b1.close();
            b3.close();
            if (revived != null) {
                revived.close();
            }
        }
        assertThat(failures).as("failed GETs").isEmpty();
    }

    @Test
    void everyBackendDown_503s_thenTheFirstRequestAfterOneReturnsSucceeds_withoutWaitingForAProbe() throws Exception {
        RecordingBackend b1 = new RecordingBackend(RecordingBackend.Mode.ANSWER);
        RecordingBackend b2 = new RecordingBackend(RecordingBackend.Mode.ANSWER);
        List<BackendEvent> events = new CopyOnWriteArrayList<>();
        LoadBalancer lb = LoadBalancers.builder()
                .config(GatewayConfig.builder()
                        // the probes take both down (fall 3 at the fast interval), then wait an hour: only the request
                        // itself, tried on a backend out of rotation as a last resort, can find the one that returns
                        .healthCheck(HealthCheckConfig.builder("tcp")
                                .downInterval(Duration.ofHours(1))
                                .build())
                        .build())
                .listener(events::add)
                .backend(BackendSpec.of("b1", "http://" + b1.address()))
                .backend(BackendSpec.of("b2", "http://" + b2.address()))
                .build();
        HttpProxyServer proxy = HttpProxyServer.start(
                lb,
                HttpProxyConfig.builder().listen("127.0.0.1", 0).ioThreads(1).build());
        RecordingBackend revived = null;
        try (Socket s = new Socket("127.0.0.1", proxy.localAddress().getPort())) {
            s.setSoTimeout(10_000);
            assertThat(get(s)).isEqualTo(200);
            int port = b1.port();
            b1.kill();
            b2.kill();
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> lb.backends().stream().noneMatch(b -> b.state().isEligible()));
            for (int i = 0; i < 5; i++) {
                assertThat(get(s)).as("with nothing listening").isEqualTo(503);
            }
            revived = new RecordingBackend(RecordingBackend.Mode.ANSWER, port);
            assertThat(get(s)).as("the first request after one returns").isEqualTo(200);
        } finally {
            proxy.close();
            lb.close();
            if (revived != null) {
                revived.close();
            }
        }
    }

    private static int get(Socket s) throws IOException {
        s.getOutputStream().write(GET.getBytes(StandardCharsets.US_ASCII));
        return RawHttp.readResponse(s).status();
    }

    /** Keep-alive GETs on one connection until told to stop (bounded by the test's own waits), reconnecting if closed. */
    private static void load(
            HttpProxyServer proxy, AtomicBoolean stop, AtomicInteger done, ConcurrentLinkedQueue<String> failures) {
        Socket s = null;
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        try {
            while (!stop.get() && System.nanoTime() < deadline) {
                if (s == null) {
                    s = new Socket("127.0.0.1", proxy.localAddress().getPort());
                    s.setSoTimeout(10_000);
                }
                s.getOutputStream().write(GET.getBytes(StandardCharsets.US_ASCII));
                RawHttp.Reply r = RawHttp.readResponse(s);
                if (r.status() != 200) {
                    failures.add(r.status() + " " + r.text());
                    s.close();
                    s = null;
                }
                done.incrementAndGet();
                Thread.onSpinWait();
            }
        } catch (IOException e) {
            failures.add(e.toString());
        } finally {
            if (s != null) {
                try {
                    s.close();
                } catch (IOException e) {
                    // done
                }
            }
        }
    }
}
