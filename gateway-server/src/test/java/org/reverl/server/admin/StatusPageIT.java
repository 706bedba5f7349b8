package org.reverl.server.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reverl.gateway.api.BackendState;
import org.reverl.server.TestServer;
import org.reverl.server.WebBackend;

/**
 * The status page in a real headless Chromium: its script fetches {@code /backends} and renders every backend; after a
 * change through the admin API, the page, loaded again, shows it. Skipped only when no Chromium is installed (CI
 * installs Debian's {@code chromium}).
 */
class StatusPageIT {

    private static final Pattern ROW = Pattern.compile("<tr([^>]*)>(.*?)</tr>", Pattern.DOTALL);
    private static final Pattern ROW_ID = Pattern.compile("id=\"backend-([^\"]+)\"");
    private static final Pattern ROW_STATE = Pattern.compile("data-state=\"([A-Z]+)\"");
    private static final Pattern REQUESTS = Pattern.compile("<td class=\"requests num\">(\\d+)</td>");
    private static final Pattern STATE_TEXT = Pattern.compile("<span class=\"state state-[a-z]+\">([^<]*)</span>");

    private static Path chromium;

    @TempDir
    Path tmp;

    @BeforeAll
    static void findChromium() {
        Optional<Path> found = HeadlessChromium.find();
        if (found.isEmpty()) {
            String message = "\n!!! StatusPageIT SKIPPED: no chromium binary on the PATH (or REVERL_CHROMIUM)."
                    + " Install it with: apt-get install -y chromium\n";
            System.err.println(message);
            Assumptions.assumeTrue(false, message);
        }
        chromium = found.get();
    }

    /** One rendered row. */
    record Row(String state, String stateText, long requests) {}

    /** The backend rows the page rendered, by id, in page order. */
    static Map<String, Row> rows(String dom) {
        Map<String, Row> rows = new LinkedHashMap<>();
        Matcher m = ROW.matcher(dom);
        while (m.find()) {
            Matcher id = ROW_ID.matcher(m.group(1));
            if (!id.find()) {
                continue; // the header row
            }
            Matcher state = ROW_STATE.matcher(m.group(1));
            Matcher text = STATE_TEXT.matcher(m.group(2));
            Matcher requests = REQUESTS.matcher(m.group(2));
            rows.put(
                    id.group(1),
                    new Row(
                            state.find() ? state.group(1) : "?",
                            text.find() ? text.group(1) : "?",
                            requests.find() ? Long.parseLong(requests.group(1)) : -1));
        }
        return rows;
    }

    @Test
    void page_rendersBackends_thenShowsEachChangeMadeThroughTheApi() throws Exception {
        HeadlessChromium browser = new HeadlessChromium(chromium, tmp);
        try (TestServer server = TestServer.start(3);
                WebBackend b4 = WebBackend.start("b4")) {
            for (int i = 0; i < 6; i++) {
                assertThat(server.get("/").statusCode()).isEqualTo(200);
            }

            String dom = browser.dumpDom(server.adminUri("/"), 3000);
            assertThat(dom).contains("reverl test").contains("data-refreshed=");
            Map<String, Row> rows = rows(dom);
            assertThat(rows.keySet()).as(dom).containsExactly("b1", "b2", "b3");
            assertThat(rows.values()).allSatisfy(r -> {
                assertThat(r.state()).isEqualTo("UP");
                assertThat(r.requests()).isEqualTo(2);
            });

            assertThat(server.admin("POST", "/backends/b2/drain", null).statusCode())
                    .isEqualTo(202);
            assertThat(server.admin("POST", "/backends/b3/maintenance", null).statusCode())
                    .isEqualTo(200);
            HttpResponse<String> added =
                    server.admin("POST", "/backends", "{\"id\": \"b4\", \"address\": \"" + b4.address() + "\"}");
            assertThat(added.statusCode()).isEqualTo(201);

            rows = rows(browser.dumpDom(server.adminUri("/"), 3000));
            assertThat(rows.keySet()).containsExactly("b1", "b2", "b3", "b4");
            assertThat(rows.get("b1").state()).isEqualTo("UP");
            assertThat(rows.get("b2").state()).isEqualTo("DRAINING");
            assertThat(rows.get("b2").stateText()).isEqualTo("DRAINING (drained)");
            assertThat(rows.get("b3").state()).isEqualTo("MAINTENANCE");
            assertThat(rows.get("b4").state()).isEqualTo("UP");

            assertThat(server.admin("DELETE", "/backends/b2", null).statusCode())
                    .isEqualTo(200);
            rows = rows(browser.dumpDom(server.adminUri("/"), 3000));
            assertThat(rows.keySet()).containsExactly("b1", "b3", "b4");
        }
    }

    @Test
    void page_withTokenInFragment_rendersBackends() throws Exception {
        String token = "page-token-0123456789";
        HeadlessChromium browser = new HeadlessChromium(chromium, tmp);
        try (TestServer server = TestServer.start(2, token)) {
            String without = browser.dumpDom(server.adminUri("/"), 2000);
            assertThat(rows(without)).isEmpty();
            assertThat(without).contains("The admin API needs a token");

            Map<String, Row> rows = rows(browser.dumpDom(server.adminUri("/#token=" + token), 2000));
            assertThat(rows.keySet()).containsExactly("b1", "b2");
        }
    }

    /**
     * What an operator does in a real browser: click drain on a backend and see its state change, set a weight, and
     * see each backend's charts drawn from the history the admin API serves.
     */
    @Test
    void page_buttonsActThroughTheApi_andChartsShowTheLastSeconds() throws Exception {
        String token = "page-token-0123456789";
        try (TestServer server = TestServer.start(2, token);
                DevToolsBrowser browser = DevToolsBrowser.launch(chromium, tmp)) {
            browser.navigate(server.adminUri("/#token=" + token));
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> browser.evaluate("document.querySelectorAll('#backends tr').length")
                                    .asInt()
                            == 2);
            // traffic for the charts: the admin port samples once a second
            long end = System.nanoTime() + Duration.ofSeconds(4).toNanos();
            int sent = 0;
            while (System.nanoTime() < end && sent < 5000) {
                assertThat(server.get("/").statusCode()).isEqualTo(200);
                sent++;
            }

            browser.evaluate("document.querySelector('#backend-b2 button[data-action=drain]').click()");

            await().atMost(Duration.ofSeconds(20))
                    .until(() -> browser.evaluate("document.querySelector('#backend-b2').dataset.state")
                            .asText()
                            .equals("DRAINING"));
            assertThat(server.lb.backend("b2").orElseThrow().state()).isEqualTo(BackendState.DRAINING);
            assertThat(browser.evaluate("document.querySelector('#backend-b2 .state span, #backend-b2 td.state span')"
                                    + ".textContent")
                            .asText())
                    .startsWith("DRAINING");

            browser.evaluate("(() => { const i = document.querySelector('#backend-b1 input[data-field=weight]');"
                    + " i.value = '7'; document.querySelector('#backend-b1 button[data-action=weight]').click(); })()");
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> server.lb.backend("b1").orElseThrow().weight() == 7);
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> browser.evaluate("document.querySelector('#backend-b1 td.weight').textContent")
                            .asText()
                            .equals("7"));

            browser.evaluate("document.querySelector('#backend-b2 button[data-action=enable]').click()");
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> browser.evaluate("document.querySelector('#backend-b2').dataset.state")
                            .asText()
                            .equals("UP"));

            // the charts: three lines per backend, with points and requests drawn; the page redraws them from the
            // history it polls, so wait for a redraw that has the traffic and at least two samples
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> browser.evaluate(
                                                    "Number(document.querySelector('#chart-b1 polyline.rps')?.dataset.max || 0)")
                                            .asDouble()
                                    > 0
                            && browser.evaluate("Math.min(...[...document.querySelectorAll('#chart-b1 polyline')]"
                                                    + ".map(l => Number(l.dataset.count)))")
                                            .asInt()
                                    >= 2);
            JsonNode lines = browser.evaluate("[...document.querySelectorAll('#chart-b1 polyline')].map(l => ({"
                    + "kind: l.getAttribute('class'), count: Number(l.dataset.count),"
                    + " points: l.getAttribute('points').split(' ').length }))");
            assertThat(lines).hasSize(3);
            assertThat(lines.findValuesAsText("kind")).containsExactly("rps", "eps", "p99");
            for (JsonNode l : lines) {
                assertThat(l.path("count").asInt()).isGreaterThanOrEqualTo(2);
                assertThat(l.path("points").asInt()).isEqualTo(l.path("count").asInt());
            }
            assertThat(browser.evaluate("document.querySelectorAll('#charts .chart').length")
                            .asInt())
                    .isEqualTo(2);
        }
    }
}
