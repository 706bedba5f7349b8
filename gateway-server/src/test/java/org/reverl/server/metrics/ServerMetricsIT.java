package org.reverl.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.OptionalDouble;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.reverl.server.Scrape;
import org.reverl.server.TestServer;

/** The meters move under real proxied requests, and follow the backends in and out. */
class ServerMetricsIT {

    private TestServer server;

    @BeforeEach
    void start() throws Exception {
        server = TestServer.start(2);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private OptionalDouble sample(String series) {
        return Scrape.value(server.metrics.scrape(), series);
    }

    private void awaitSample(String series, double expected) {
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(sample(series)).as(series).hasValue(expected));
    }

    /** At least {@code min}: a breaker's trial calls may add more, at times of their own. */
    private void awaitSampleAtLeast(String series, double min) {
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            OptionalDouble v = sample(series);
            assertThat(v).as(series).isPresent();
            assertThat(v.getAsDouble()).as(series).isGreaterThanOrEqualTo(min);
        });
    }

    @Test
    void proxiedRequests_countResponsesLatencyAndErrors() throws Exception {
        for (int i = 0; i < 4; i++) {
            assertThat(server.get("/").statusCode()).isEqualTo(200);
        }
        assertThat(server.get("/fail").statusCode()).isEqualTo(500); // b1, round robin

        awaitSample("reverl_backend_responses_total{backend=\"b1\",pool=\"default\",status=\"2xx\"}", 2);
        awaitSample("reverl_backend_responses_total{backend=\"b2\",pool=\"default\",status=\"2xx\"}", 2);
        awaitSample("reverl_backend_responses_total{backend=\"b1\",pool=\"default\",status=\"5xx\"}", 1);
        awaitSample("reverl_backend_errors_total{backend=\"b1\",kind=\"5xx\",pool=\"default\"}", 1);
        awaitSample("reverl_backend_errors_total{backend=\"b2\",kind=\"5xx\",pool=\"default\"}", 0);
        awaitSample("reverl_backend_latency_seconds_count{backend=\"b1\",pool=\"default\"}", 3);
        awaitSample("reverl_backend_latency_seconds_bucket{backend=\"b1\",pool=\"default\",le=\"+Inf\"}", 3);
        awaitSample("reverl_backend_in_flight{backend=\"b1\",pool=\"default\"}", 0);
        awaitSample("reverl_backend_state{backend=\"b1\",pool=\"default\"}", 0);
        assertThat(server.metrics.scrape()).contains("jvm_memory_used_bytes");

        BackendStats b1 = server.metrics.stats(server.lb.backend("b1").orElseThrow());
        assertThat(b1.requests()).isEqualTo(3);
        assertThat(b1.errors()).isEqualTo(1);
        assertThat(b1.meanMillis()).isPositive();
    }

    @Test
    void backendGone_connectErrorRetryAndEjectionCounted() throws Exception {
        server.backends.get(0).close(); // b1 refuses from now on
        for (int i = 0; i < 3; i++) {
            assertThat(server.get("/").statusCode()).isEqualTo(200);
        }
        awaitSampleAtLeast("reverl_backend_errors_total{backend=\"b1\",kind=\"connect\",pool=\"default\"}", 1);
        awaitSampleAtLeast("reverl_backend_retries_total{backend=\"b1\",pool=\"default\"}", 1);
        awaitSampleAtLeast("reverl_backend_events_total{backend=\"b1\",pool=\"default\",type=\"ejected\"}", 1);
        awaitSample("reverl_backend_responses_total{backend=\"b2\",pool=\"default\",status=\"2xx\"}", 3);
        // the admin API's view of the backend counts the same
        BackendStats b1 = server.metrics.stats(server.lb.backend("b1").orElseThrow());
        assertThat(b1.ejections()).isGreaterThanOrEqualTo(1);
        assertThat(b1.connectFailures()).isGreaterThanOrEqualTo(1);
        assertThat(server.metrics.stats(server.lb.backend("b2").orElseThrow()).ejections())
                .isZero();
    }

    @Test
    void noBackendEligible_rejectionCounted() throws Exception {
        server.lb.maintenance("b1");
        server.lb.maintenance("b2");
        assertThat(server.get("/").statusCode()).isEqualTo(503);
        awaitSample("reverl_proxy_rejections_total{status=\"503\"}", 1);
        awaitSample("reverl_proxy_rejections_total{status=\"400\"}", 0);
        awaitSample("reverl_backend_state{backend=\"b1\",pool=\"default\"}", 4);
        awaitSample("reverl_backend_events_total{backend=\"b1\",pool=\"default\",type=\"maintenance\"}", 1);
    }

    @Test
    void backendDrainedRemovedAndAddedAgain_seriesFollow() throws Exception {
        server.get("/");
        server.lb.drain("b1").toCompletableFuture().get();
        awaitSample("reverl_backend_state{backend=\"b1\",pool=\"default\"}", 3);
        server.lb.remove("b1");
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(server.metrics.scrape()).doesNotContain("backend=\"b1\""));

        server.lb.add(org.reverl.gateway.api.BackendSpec.of(
                "b1", server.backends.get(0).address()));
        awaitSample("reverl_backend_state{backend=\"b1\",pool=\"default\"}", 0);
        awaitSample("reverl_backend_responses_total{backend=\"b1\",pool=\"default\",status=\"2xx\"}", 0);
    }

    @Test
    void tunnels_countedOpenAndClosed() throws Exception {
        awaitSample("reverl_proxy_tunnels_total", 0);
        awaitSample("reverl_proxy_tunnels_open", 0);
        org.reverl.gateway.api.Backend b1 = server.lb.backends().get(0);
        server.metrics.observer().onTunnelOpened(b1, 1_000_000);
        awaitSample("reverl_proxy_tunnels_total", 1);
        awaitSample("reverl_proxy_tunnels_open", 1);
        server.metrics.observer().onTunnelClosed(b1, 5_000_000_000L);
        awaitSample("reverl_proxy_tunnels_total", 1);
        awaitSample("reverl_proxy_tunnels_open", 0);
    }
}
