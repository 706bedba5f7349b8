package org.reverl.gateway.http;

import static java.time.temporal.ChronoUnit.DAYS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.reverl.gateway.api.BackendSpec;
import org.reverl.gateway.api.GatewayClosedException;
import org.reverl.gateway.api.LoadBalancer;
import org.reverl.gateway.core.GatewayConfig;
import org.reverl.gateway.core.LoadBalancers;
import org.reverl.gateway.http.internal.Ticker;

/**
 * The warm-up: every connection gets its response through a listener of the given settings, plain and TLS, and
 * nothing it started outlives it.
 */
class WarmupIT {

    private static final Duration LIMIT = Duration.ofMinutes(2);

    /**
     * Makes the warm-up's load balancer, and remembers what it was given and made. It tries an ejected backend again
     * after 1 ms, so that the warm-up's refusing backend gets trial calls.
     */
    private static final class Pools implements Function<String, LoadBalancer> {
        final List<String> addresses = new ArrayList<>();
        final List<LoadBalancer> made = new ArrayList<>();
        final List<String> events = new CopyOnWriteArrayList<>();

        @Override
        public LoadBalancer apply(String address) {
            addresses.add(address);
            LoadBalancer lb = LoadBalancers.builder()
                    .config(GatewayConfig.builder()
                            .breakerWaitDurationInOpenState(Duration.ofMillis(1))
                            .build())
                    .listener(e -> events.add(e.describe()))
                    .backend(BackendSpec.of("w", address))
                    .build();
            made.add(lb);
            return lb;
        }
    }

    @Test
    void plain_everyConnectionAnswered_andNothingLeftRunning() {
        Pools pools = new Pools();
        Warmup.Result r = Warmup.run(HttpProxyConfig.builder().ioThreads(1).build(), pools, 300, LIMIT);

        assertThat(r.connections()).isEqualTo(300);
        assertThat(r.failed())
                .as("what the refusing backend was given was served by the other one")
                .isZero();
        assertThat(r.backendConnections())
                .as("the backend closes after each response: every request opens a backend connection")
                .isEqualTo(300);
        assertThat(r.failovers())
                .as("the refusing backend's first request and at least one trial call, served by the other backend")
                .isGreaterThanOrEqualTo(2);
        assertThat(pools.events)
                .startsWith("backend w added: " + pools.addresses.get(0) + ", weight 1")
                .anyMatch(e -> e.matches("backend warm-up-gone added: http://127\\.0\\.0\\.1:\\d+, weight 1"))
                .contains("backend warm-up-gone is ejected: connection refused");
        assertThat(pools.addresses).singleElement().asString().matches("http://127\\.0\\.0\\.1:\\d+");
        assertThat(pools.made)
                .singleElement()
                .satisfies(lb -> assertThatThrownBy(() -> lb.add(BackendSpec.of("late", "http://127.0.0.1:1")))
                        .isInstanceOf(GatewayClosedException.class));
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(threadsNamed("reverl-warmup")).isEmpty());
    }

    @ParameterizedTest
    @EnumSource(
            value = TlsSettings.Provider.class,
            names = {"JDK", "OPENSSL"})
    void tls_everyConnectionHandshakesAndIsAnswered(TlsSettings.Provider provider) throws Exception {
        X509Bundle cert = new CertificateBuilder()
                .subject("CN=localhost")
                .addSanDnsName("localhost")
                .notBefore(Instant.now().minus(1, DAYS))
                .notAfter(Instant.now().plus(1, DAYS))
                .setIsCertificateAuthority(true)
                .buildSelfSigned();
        HttpProxyConfig tls = HttpProxyConfig.builder()
                .ioThreads(1)
                .tls(TlsSettings.of(cert.getKeyPair().getPrivate(), cert.getCertificate())
                        .withProvider(provider))
                .build();

        Warmup.Result r = Warmup.run(tls, new Pools(), 100, LIMIT);

        assertThat(r.connections()).isEqualTo(100);
        assertThat(r.failed()).isZero();
        assertThat(r.backendConnections()).isEqualTo(100);
    }

    @Test
    void interrupted_endsAfterTheBatchUnderWay_andClosesWhatItStarted() {
        Thread.currentThread().interrupt();
        try {
            Warmup.Result r = Warmup.run(HttpProxyConfig.builder().ioThreads(1).build(), new Pools(), 3000, LIMIT);

            assertThat(r.connections() + r.failed()).isLessThanOrEqualTo(1000);
            assertThat(Thread.currentThread().isInterrupted()).isTrue();
        } finally {
            Thread.interrupted();
        }
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(threadsNamed("reverl-warmup")).isEmpty());
    }

    @Test
    void limitReached_endsAfterTheBatchUnderWay_andClosesWhatItStarted() {
        // time moves on by a third of the limit each time the warm-up reads it: the limit is past once the first
        // batch is done, and the pause after it is skipped
        AtomicLong reads = new AtomicLong();
        Ticker ticker = () -> reads.getAndIncrement() * (LIMIT.toNanos() / 3);

        Warmup.Result r = Warmup.run(HttpProxyConfig.builder().ioThreads(1).build(), new Pools(), 3000, LIMIT, ticker);

        assertThat(r.connections() + r.failed()).isEqualTo(1000);
        assertThat(r.took()).isGreaterThanOrEqualTo(LIMIT);
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(threadsNamed("reverl-warmup")).isEmpty());
    }

    @Test
    void none_startsNothing() {
        Pools pools = new Pools();
        Warmup.Result r = Warmup.run(HttpProxyConfig.builder().build(), pools, 0, LIMIT);

        assertThat(r).isEqualTo(new Warmup.Result(0, 0, 0, 0, Duration.ZERO));
        assertThat(pools.addresses).isEmpty();
    }

    @Test
    void badArguments_nameWhatWasExpected() {
        HttpProxyConfig c = HttpProxyConfig.builder().build();
        assertThatThrownBy(() -> Warmup.run(c, new Pools(), -1, LIMIT))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("connections: -1 (expected: 0 or more)");
        assertThatThrownBy(() -> Warmup.run(c, new Pools(), 1, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("limit: PT0S (expected: positive)");
    }

    private static List<String> threadsNamed(String prefix) {
        List<String> names = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.isAlive() && t.getName().startsWith(prefix)) {
                names.add(t.getName());
            }
        }
        return names;
    }
}
