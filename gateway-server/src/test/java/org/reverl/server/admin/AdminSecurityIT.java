package org.reverl.server.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.reverl.gateway.api.Backend;
import org.reverl.gateway.api.BackendState;
import org.reverl.server.TestServer;

/**
 * What a web page in a browser can do to the admin port on 127.0.0.1: nothing. Each request is sent raw, as a browser
 * (or a page re-bound to 127.0.0.1 by DNS) would send it, and the backends are checked unchanged afterwards.
 */
class AdminSecurityIT {

    private TestServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private String send(String request) throws Exception {
        return AdminApiIT.raw(server.admin.address(), request);
    }

    private List<String> backends() {
        return server.lb.backends().stream()
                .map(b -> b.id() + "=" + b.address() + "/" + b.state())
                .toList();
    }

    private static String post(String path, String host, String origin, String contentType, String body) {
        return "POST " + path + " HTTP/1.1\r\nHost: " + host + "\r\n"
                + (origin != null ? "Origin: " + origin + "\r\n" : "")
                + (contentType != null ? "Content-Type: " + contentType + "\r\n" : "")
                + "Content-Length: " + body.length() + "\r\nConnection: close\r\n\r\n" + body;
    }

    @Test
    void dnsRebinding_aNameStartingWith127_403AndNothingChanges() throws Exception {
        server = TestServer.start(2);
        List<String> before = backends();
        int port = server.admin.address().getPort();
        String host = "127.evil.example:" + port;

        String add = send(post(
                "/backends",
                host,
                "http://" + host,
                "application/json",
                "{\"id\": \"evil\", \"address\": \"203.0.113.9:80\"}"));
        String list = send("GET /backends HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n");
        String save = send(post("/config/save", host, "http://" + host, "application/json", ""));

        assertThat(add).startsWith("HTTP/1.1 403").contains("Host: 127.evil.example:" + port + " (expected: one of");
        assertThat(list).startsWith("HTTP/1.1 403").doesNotContain("\"b1\"");
        assertThat(save).startsWith("HTTP/1.1 403");
        assertThat(backends()).isEqualTo(before);
    }

    @Test
    void loopbackNames_exactlyAndOnTheAdminPortOnly() throws Exception {
        server = TestServer.start(1);
        int port = server.admin.address().getPort();
        for (String ok : List.of("127.0.0.1:" + port, "localhost:" + port, "LOCALHOST", "127.0.0.1")) {
            assertThat(send("GET /backends HTTP/1.1\r\nHost: " + ok + "\r\nConnection: close\r\n\r\n"))
                    .as(ok)
                    .startsWith("HTTP/1.1 200");
        }
        for (String bad : List.of(
                "127.0.0.2:" + port,
                "127.0.0.1:" + (port == 65535 ? 1 : port + 1),
                "localhost.evil.example:" + port,
                "127.0.0.1.nip.io:" + port,
                "[::1]x",
                "127.0.0.1:" + port + "@evil.example")) {
            assertThat(send("GET /backends HTTP/1.1\r\nHost: " + bad + "\r\nConnection: close\r\n\r\n"))
                    .as(bad)
                    .startsWith("HTTP/1.1 403");
        }
        // the probes answer whatever the Host: orchestrators probe by IP
        assertThat(send("GET /healthz HTTP/1.1\r\nHost: 10.1.2.3:" + port + "\r\nConnection: close\r\n\r\n"))
                .startsWith("HTTP/1.1 200");
    }

    @Test
    void adminHosts_acceptsTheListedNamesToo() throws Exception {
        server = TestServer.start(
                1, AdminSettings.of(new InetSocketAddress("127.0.0.1", 0), null).withHosts(List.of("ops.internal")));
        int port = server.admin.address().getPort();
        assertThat(send("GET /backends HTTP/1.1\r\nHost: ops.internal:" + port + "\r\nConnection: close\r\n\r\n"))
                .startsWith("HTTP/1.1 200");
        assertThat(send("GET /backends HTTP/1.1\r\nHost: ops.internal.evil:" + port + "\r\nConnection: close\r\n\r\n"))
                .startsWith("HTTP/1.1 403");
    }

    @Test
    void crossSiteFormPost_refusedAndNothingChanges() throws Exception {
        server = TestServer.start(2);
        List<String> before = backends();
        String host = "127.0.0.1:" + server.admin.address().getPort();
        String form = "id=evil&address=203.0.113.9%3A80";

        // what a form on another site submits: a simple request, no preflight
        String fromOtherSite =
                send(post("/backends", host, "http://evil.example", "application/x-www-form-urlencoded", form));
        // the same without an Origin (older browsers, some redirects), and as text/plain
        String noOrigin = send(post("/backends", host, null, "application/x-www-form-urlencoded", form));
        String textPlain = send(post("/backends/b1/maintenance", host, null, "text/plain", "x"));
        String multipart = send(post("/reload", host, null, "multipart/form-data; boundary=x", ""));
        String noType = send(post("/backends/b1/drain", host, null, null, ""));

        assertThat(fromOtherSite).startsWith("HTTP/1.1 403").contains("Origin: http://evil.example");
        assertThat(noOrigin).startsWith("HTTP/1.1 415");
        assertThat(textPlain).startsWith("HTTP/1.1 415");
        assertThat(multipart).startsWith("HTTP/1.1 415");
        assertThat(noType).startsWith("HTTP/1.1 415");
        assertThat(backends()).isEqualTo(before);
        assertThat(server.reloads.get()).isZero();
        assertThat(server.lb.backends()).extracting(Backend::state).containsOnly(BackendState.UP);
    }

    @Test
    void sameOriginJson_accepted() throws Exception {
        server = TestServer.start(2);
        String host = "127.0.0.1:" + server.admin.address().getPort();
        String r = send(post("/backends/b2/maintenance", host, "http://" + host, "application/json", ""));
        assertThat(r).startsWith("HTTP/1.1 200");
        assertThat(server.lb.backend("b2").orElseThrow().state()).isEqualTo(BackendState.MAINTENANCE);
        String foreign = send(post("/backends/b2/enable", host, "null", "application/json", ""));
        assertThat(foreign).startsWith("HTTP/1.1 403");
        assertThat(server.lb.backend("b2").orElseThrow().state()).isEqualTo(BackendState.MAINTENANCE);
    }
}
