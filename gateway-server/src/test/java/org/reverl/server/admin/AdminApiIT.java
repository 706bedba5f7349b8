package org.reverl.server.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reverl.gateway.api.BackendState;
import org.reverl.server.ServerControl;
import org.reverl.server.TestServer;

/** The admin API over a real server: what it answers, and what it refuses with which error. */
class AdminApiIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    private TestServer server;

    @BeforeEach
    void start() throws Exception {
        server = TestServer.start(2);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private static JsonNode json(HttpResponse<String> r) throws Exception {
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json; charset=utf-8");
        return JSON.readTree(r.body());
    }

    private void assertError(HttpResponse<String> r, int status, String message) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(json(r).path("error").asText()).isEqualTo(message);
    }

    @Test
    void listBackends_showsStateWeightsLoadAndCounts() throws Exception {
        for (int i = 0; i < 4; i++) {
            assertThat(server.get("/").statusCode()).isEqualTo(200);
        }
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            JsonNode list = json(server.admin("GET", "/backends", null));
            assertThat(list.path("version").asText()).isEqualTo("reverl test");
            assertThat(list.path("ready").asBoolean()).isTrue();
            JsonNode b1 = list.path("backends").get(0);
            assertThat(b1.path("id").asText()).isEqualTo("b1");
            assertThat(b1.path("address").asText())
                    .isEqualTo(server.backends.get(0).address());
            assertThat(b1.path("state").asText()).isEqualTo("UP");
            assertThat(b1.path("weight").asInt()).isEqualTo(1);
            assertThat(b1.path("effectiveWeight").asInt()).isEqualTo(1);
            assertThat(b1.path("inFlight").asInt()).isZero();
            assertThat(b1.path("requests").asLong()).isEqualTo(2);
            assertThat(b1.path("errors").asLong()).isZero();
            assertThat(b1.path("ejections").isNumber()).isTrue();
            assertThat(b1.path("ejections").asLong()).isZero();
            assertThat(b1.path("latencyMs").path("mean").asDouble()).isPositive();
            assertThat(b1.path("latencyMs").path("p99").asDouble()).isPositive();
        });
    }

    @Test
    void addBackend_validBody_201AndServes() throws Exception {
        try (org.reverl.server.WebBackend b3 = org.reverl.server.WebBackend.start("b3")) {
            HttpResponse<String> r = server.admin(
                    "POST",
                    "/backends",
                    "{\"id\": \"b3\", \"address\": \"" + b3.address()
                            + "\", \"weight\": 3, \"tags\": {\"zone\": \"a\"}}");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
            assertThat(r.headers().firstValue("Location")).hasValue("/backends/b3");
            JsonNode n = json(r);
            assertThat(n.path("id").asText()).isEqualTo("b3");
            assertThat(n.path("weight").asInt()).isEqualTo(3);
            assertThat(n.path("tags").path("zone").asText()).isEqualTo("a");
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                server.get("/");
                return b3.served.get() > 0;
            });
            assertThat(json(server.admin("GET", "/backends/b3", null))
                            .path("requests")
                            .asLong())
                    .isPositive();
        }
    }

    @Test
    void addBackend_badInput_400NamingFieldValueAndExpectation() throws Exception {
        HttpResponse<String> truncated = server.admin("POST", "/backends", "{\"id\": \"b3\", \"address\": ");
        assertThat(truncated.statusCode()).isEqualTo(400);
        assertThat(json(truncated).path("error").asText())
                .startsWith("malformed JSON at line 1, column 25: Unexpected end-of-input");
        HttpResponse<String> r =
                server.admin("POST", "/backends", "{\"id\": \"b3\", \"address\": \"h:1\", \"weight\": \"heavy\"}");
        assertError(r, 400, "weight: \"heavy\" (expected: an integer 1-10000)");
        JsonNode n = json(r);
        assertThat(n.path("field").asText()).isEqualTo("weight");
        assertThat(n.path("value").asText()).isEqualTo("heavy");
        assertThat(n.path("expected").asText()).isEqualTo("an integer 1-10000");
        assertError(
                server.admin("POST", "/backends", "{\"id\": \"b3\", \"address\": \"h:1\", \"wieght\": 2}"),
                400,
                "wieght: unknown field (expected: one of [id, address, weight, tags, healthAddress])");
        assertError(
                server.admin("POST", "/backends", "{\"id\": \"b3\", \"address\": \"h:1\", \"weight\": 0}"),
                400,
                "backend 'b3': weight: 0 (expected: 1-10000)");
        assertError(
                server.admin("POST", "/backends", "{\"id\": \"b 3\", \"address\": \"h:1\"}"),
                400,
                "backend id: 'b 3' (expected: 1-64 characters of [A-Za-z0-9._:-])");
        assertError(
                server.admin("POST", "/backends", "{\"id\": \"b3\", \"address\": \"localhost:99999\"}"),
                400,
                "backend 'b3': address: 'localhost:99999' (expected: " + BackendInput.ADDRESS_RULE + ")");
        assertError(
                server.admin("POST", "/backends", "{\"address\": \"h:1\"}"),
                400,
                "id: missing (expected: a backend id: 1-64 characters of [A-Za-z0-9._:-])");
        assertError(
                server.admin("POST", "/backends", "[1, 2]"),
                400,
                "body: a JSON array (expected: a JSON object with id, address and optionally weight and tags)");
        HttpResponse<String> duplicate =
                server.admin("POST", "/backends", "{\"id\": \"b3\", \"id\": \"b4\", \"address\": \"h:1\"}");
        assertThat(duplicate.statusCode()).isEqualTo(400);
        assertThat(json(duplicate).path("error").asText())
                .startsWith("malformed JSON at line 1, column ")
                .endsWith(": Duplicate field 'id'");
        assertThat(server.lb.backends()).hasSize(2);
    }

    @Test
    void addBackend_https_withItsOwnTlsOptions_validated() throws Exception {
        HttpResponse<String> r = server.admin(
                "POST",
                "/backends",
                "{\"id\": \"s1\", \"address\": \"https://api.internal.test:8443\","
                        + " \"tags\": {\"tls.verify\": \"false\", \"tls.serverName\": \"api.internal.test\"}}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        assertThat(json(r).path("address").asText()).isEqualTo("https://api.internal.test:8443");
        assertThat(server.lb.backends())
                .filteredOn(b -> b.id().equals("s1"))
                .singleElement()
                .satisfies(b -> assertThat(b.tags())
                        .containsEntry("tls.verify", "false")
                        .containsEntry("tls.serverName", "api.internal.test"));

        assertError(
                server.admin(
                        "POST",
                        "/backends",
                        "{\"id\": \"s2\", \"address\": \"https://h:1\", \"tags\": {\"tls.verify\": \"off\"}}"),
                400,
                "backend 's2': tls.verify: 'off' (expected: true or false)");
        assertError(
                server.admin(
                        "POST",
                        "/backends",
                        "{\"id\": \"s2\", \"address\": \"https://h:1\", \"tags\": {\"tls.verfy\": \"false\"}}"),
                400,
                "backend 's2': tag: 'tls.verfy' (expected: one of tls.verify, tls.ca, tls.serverName)");
        assertError(
                server.admin(
                        "POST",
                        "/backends",
                        "{\"id\": \"s2\", \"address\": \"http://h:1\", \"tags\": {\"tls.verify\": \"false\"}}"),
                400,
                "backend 's2': tags.tls.verify: 'false' (expected: an https:// address)");
        assertError(
                server.admin("POST", "/backends", "{\"id\": \"s2\", \"address\": \"ftp://h:1\"}"),
                400,
                "backend 's2': address: 'ftp://h:1' (expected: " + BackendInput.ADDRESS_RULE + ")");
        assertThat(server.lb.backends()).hasSize(3);
    }

    @Test
    void addBackend_duplicateId_409() throws Exception {
        assertError(
                server.admin("POST", "/backends", "{\"id\": \"b1\", \"address\": \"h:1\"}"),
                409,
                "backend 'b1': already a member (expected: a new id; members: [b1, b2])");
    }

    @Test
    void unknownId_404() throws Exception {
        String message = "backend 'b9': no such backend (expected: one of [b1, b2])";
        assertError(server.admin("GET", "/backends/b9", null), 404, message);
        assertError(server.admin("POST", "/backends/b9/drain", null), 404, message);
        assertError(server.admin("POST", "/backends/b9/maintenance", null), 404, message);
        assertError(server.admin("DELETE", "/backends/b9", null), 404, message);
        assertThat(server.admin("GET", "/nowhere", null).statusCode()).isEqualTo(404);
    }

    @Test
    void wrongMethod_405WithAllow() throws Exception {
        HttpResponse<String> r = server.admin("PUT", "/backends", "{}");
        assertError(r, 405, "method: PUT (expected: GET, POST)");
        assertThat(r.headers().firstValue("Allow")).hasValue("GET, POST");
        assertThat(server.admin("GET", "/reload", null).statusCode()).isEqualTo(405);
        assertThat(server.reloads.get()).isZero();
    }

    @Test
    void bodyOverLimit_413() throws Exception {
        String big = "{\"id\": \"" + "x".repeat(70_000) + "\"}";
        assertError(
                server.admin("POST", "/backends", big),
                413,
                "body: " + big.length() + " bytes (expected: at most 65536)");
    }

    @Test
    void bodyNotJson_415() throws Exception {
        HttpResponse<String> r = server.client.send(
                HttpRequest.newBuilder(server.adminUri("/backends"))
                        .header("Content-Type", "text/plain")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"id\": \"b3\", \"address\": \"h:1\"}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertError(r, 415, "Content-Type: text/plain (expected: application/json, also for an empty body)");
    }

    @Test
    void crossSitePost_403() throws Exception {
        HttpResponse<String> r = server.client.send(
                HttpRequest.newBuilder(server.adminUri("/backends/b1/maintenance"))
                        .header("Origin", "http://evil.example")
                        .POST(HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(server.lb.backend("b1").orElseThrow().state()).isEqualTo(BackendState.UP);
    }

    @Test
    void foreignHostOnLoopback_403() throws Exception {
        String reply = raw(
                server.admin.address(),
                "GET /backends HTTP/1.1\r\nHost: rebound.example:8081\r\nConnection: close\r\n\r\n");
        assertThat(reply).startsWith("HTTP/1.1 403");
        assertThat(reply)
                .contains("Host: rebound.example:8081 (expected: one of [127.0.0.1, ::1, localhost] with port ");
    }

    @Test
    void maintenanceThenEnable_stateFollows() throws Exception {
        HttpResponse<String> r = server.admin("POST", "/backends/b2/maintenance", null);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(json(r).path("state").asText()).isEqualTo("MAINTENANCE");
        assertThat(json(server.admin("POST", "/backends/b2/enable", null))
                        .path("state")
                        .asText())
                .isEqualTo("UP");
    }

    @Test
    void drainWithRequestInFlight_drainedOnceItEnds_thenRemoved() throws Exception {
        org.reverl.server.WebBackend b1 = server.backends.get(0);
        // round robin from the first: this request goes to b1 and stays there until released
        CompletableFuture<HttpResponse<String>> held = server.client.sendAsync(
                HttpRequest.newBuilder(server.proxyUri("/hold")).build(), HttpResponse.BodyHandlers.ofString());
        await().atMost(Duration.ofSeconds(10)).until(() -> b1.holding.get() == 1);

        HttpResponse<String> r = server.admin("POST", "/backends/b1/drain", null);
        assertThat(r.statusCode()).isEqualTo(202);
        assertThat(json(r).path("state").asText()).isEqualTo("DRAINING");
        assertThat(json(r).path("drained").asBoolean()).isFalse();
        assertThat(json(r).path("inFlight").asInt()).isEqualTo(1);

        b1.release();
        assertThat(held.get().statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> json(server.admin("GET", "/backends/b1", null))
                        .path("drained")
                        .asBoolean());

        HttpResponse<String> removed = server.admin("DELETE", "/backends/b1", null);
        assertThat(removed.statusCode()).isEqualTo(200);
        assertThat(json(removed).path("removed").asText()).isEqualTo("b1");
        assertThat(server.lb.backend("b1")).isEmpty();
    }

    @Test
    void deleteWithDrain_removedOnceNothingInFlight() throws Exception {
        HttpResponse<String> r = server.admin("DELETE", "/backends/b2?drain=true", null);
        assertThat(r.statusCode()).isEqualTo(202);
        assertThat(json(r).path("removal").asText()).isEqualTo("after drain");
        await().atMost(Duration.ofSeconds(10))
                .until(() -> server.lb.backend("b2").isEmpty());
        assertError(
                server.admin("DELETE", "/backends/b1?drain=maybe", null),
                400,
                "drain: \"maybe\" (expected: true or false)");
    }

    @Test
    void reload_appliedOrRefused() throws Exception {
        HttpResponse<String> ok = server.admin("POST", "/reload", null);
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(json(ok).path("changes").get(0).asText()).isEqualTo("added backend b9");

        server.nextReload.set(new ServerControl.ReloadResult(
                false,
                List.of(),
                List.of(),
                List.of("backends[2].address: \"localhost:99999\" (expected: port 1-65535)")));
        HttpResponse<String> refused = server.admin("POST", "/reload", null);
        assertError(
                refused,
                422,
                "reload refused, the running configuration is unchanged: backends[2].address: \"localhost:99999\""
                        + " (expected: port 1-65535)");
        assertThat(json(refused).path("applied").asBoolean()).isFalse();
        assertThat(server.reloads.get()).isEqualTo(2);
    }

    @Test
    void saveConfig_withAndWithoutFile(@TempDir Path dir) throws Exception {
        assertError(
                server.admin("POST", "/config/save", null),
                409,
                "save: started without a configuration file (expected: --config FILE)");
        server.configFile = dir.resolve("reverl.yaml");
        HttpResponse<String> r = server.admin("POST", "/config/save", null);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(json(r).path("saved").asText()).isEqualTo(server.configFile.toString());
        assertThat(Files.exists(server.configFile)).isTrue();
    }

    @Test
    void healthzAndReadyz_followTheServer() throws Exception {
        assertThat(server.admin("GET", "/healthz", null).statusCode()).isEqualTo(200);
        assertThat(server.admin("GET", "/readyz", null).statusCode()).isEqualTo(200);
        server.lb.maintenance("b1");
        server.lb.maintenance("b2");
        HttpResponse<String> r = server.admin("GET", "/readyz", null);
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(json(r).path("ready").asBoolean()).isFalse();
        assertThat(server.admin("GET", "/healthz", null).statusCode()).isEqualTo(200);
    }

    @Test
    void statusPage_selfContained() throws Exception {
        HttpResponse<String> page = server.admin("GET", "/", null);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
        assertThat(page.body()).contains("<script src=\"/status.js\"></script>").doesNotContain("https://");
        assertThat(server.admin("GET", "/status.js", null).body())
                .contains("let base = '/backends';", "fetch(base,", "fetch('/pools'");
        assertThat(server.admin("GET", "/status.css", null).statusCode()).isEqualTo(200);
    }

    @Test
    void start_nonLoopbackWithoutToken_refused() {
        assertThatThrownBy(() -> AdminServer.start(
                        AdminSettings.of(new InetSocketAddress("0.0.0.0", 0), null), server, server.metrics))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("admin token: none for 0.0.0.0:0");
    }

    @Test
    void patchWeight_inPlace_keepsCountersAndState() throws Exception {
        for (int i = 0; i < 6; i++) {
            assertThat(server.get("/").statusCode()).isEqualTo(200);
        }
        var before = server.lb.backend("b1").orElseThrow();
        long requests =
                json(server.admin("GET", "/backends/b1", null)).path("requests").asLong();
        assertThat(requests).isEqualTo(3);

        HttpResponse<String> r = server.admin("PATCH", "/backends/b1", "{\"weight\": 5}");

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(json(r).path("weight").asInt()).isEqualTo(5);
        assertThat(json(r).path("requests").asLong()).isEqualTo(requests);
        assertThat(server.lb.backend("b1").orElseThrow()).isSameAs(before);
        assertError(
                server.admin("PATCH", "/backends/b1", "{\"weight\": 0}"),
                400,
                "weight: 0 (expected: an integer 1-10000)");
        assertError(
                server.admin("PATCH", "/backends/b1", "{\"address\": \"h:1\"}"),
                400,
                "address: unknown field (expected: weight)");
        assertThat(server.admin("PATCH", "/backends/nope", "{\"weight\": 2}").statusCode())
                .isEqualTo(404);
        assertThat(server.lb.backend("b1").orElseThrow().weight()).isEqualTo(5);
    }

    @Test
    void queryString_decoded() throws Exception {
        // "%74rue" is "true": drain then remove
        HttpResponse<String> r = server.admin("DELETE", "/backends/b2?drain=%74rue", null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(5))
                .until(() -> server.lb.backend("b2").isEmpty());
        assertError(
                server.admin("DELETE", "/backends/b1?drain=yes", null),
                400,
                "drain: \"yes\" (expected: true or false)");
        assertError(
                server.admin("DELETE", "/backends/b1?drain=true&drain=false", null),
                400,
                "query parameter drain: given 2 times (expected: once)");
    }

    @Test
    void pipelinedRequests_answeredInOrder() throws Exception {
        String host = "Host: 127.0.0.1:" + server.admin.address().getPort() + "\r\n";
        String reply = raw(
                server.admin.address(),
                "POST /backends/b1/maintenance HTTP/1.1\r\n" + host
                        + "Content-Type: application/json\r\nContent-Length: 0\r\n\r\n"
                        + "GET /healthz HTTP/1.1\r\n" + host + "\r\n"
                        + "GET /backends/b1 HTTP/1.1\r\n" + host + "Connection: close\r\n\r\n");
        int first = reply.indexOf("HTTP/1.1 200");
        int second = reply.indexOf("HTTP/1.1 200", first + 1);
        int third = reply.indexOf("HTTP/1.1 200", second + 1);
        assertThat(first).isZero();
        assertThat(reply.substring(first, second)).contains("\"state\" : \"MAINTENANCE\"");
        assertThat(reply.substring(second, third)).contains("\"status\" : \"alive\"");
        assertThat(reply.substring(third)).contains("\"id\" : \"b1\"", "MAINTENANCE");
    }

    @Test
    void malformedRequest_jsonErrorAndClose_nothingChanged() throws Exception {
        String reply =
                raw(server.admin.address(), "POST /backends HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: x\r\n\r\n");
        assertThat(reply).startsWith("HTTP/1.1 400").contains("\"error\" : \"bad request: ");
        assertThat(server.lb.backends()).hasSize(2);
    }

    static String raw(InetSocketAddress to, String request) throws Exception {
        try (Socket s = new Socket()) {
            s.connect(to, 2000);
            s.setSoTimeout(5000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            InputStream in = s.getInputStream();
            in.transferTo(out);
            return out.toString(StandardCharsets.ISO_8859_1);
        }
    }
}
