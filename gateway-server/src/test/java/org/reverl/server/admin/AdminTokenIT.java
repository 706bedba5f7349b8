package org.reverl.server.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.reverl.gateway.api.BackendState;
import org.reverl.server.TestServer;

/** With a token configured, nothing but the page and the probes answers without it. */
class AdminTokenIT {

    private static final String TOKEN = "s3cret-token-0123456789";

    private TestServer server;

    @BeforeEach
    void start() throws Exception {
        server = TestServer.start(1, TOKEN);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void missingToken_401WithChallenge() throws Exception {
        HttpResponse<String> r = server.admin("GET", "/backends", null);
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"reverl-admin\"");
        assertThat(r.body()).contains("\"error\" : \"missing bearer token (expected: Authorization: Bearer <token>)\"");
        assertThat(server.admin("GET", "/metrics", null).statusCode()).isEqualTo(401);
    }

    @Test
    void wrongToken_401_changesNothing() throws Exception {
        HttpResponse<String> r = server.admin("POST", "/backends/b1/maintenance", null, TOKEN + "x");
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.headers().firstValue("WWW-Authenticate"))
                .hasValue("Bearer realm=\"reverl-admin\", error=\"invalid_token\"");
        assertThat(server.admin("DELETE", "/backends/b1", null, "short").statusCode())
                .isEqualTo(401);
        assertThat(server.admin("POST", "/reload", null, null).statusCode()).isEqualTo(401);
        assertThat(server.lb.backend("b1").orElseThrow().state()).isEqualTo(BackendState.UP);
        assertThat(server.reloads.get()).isZero();
    }

    @Test
    void unknownPathWithoutToken_401NotRevealed() throws Exception {
        assertThat(server.admin("GET", "/nowhere", null).statusCode()).isEqualTo(401);
    }

    @Test
    void rightToken_served() throws Exception {
        assertThat(server.admin("GET", "/backends", null, TOKEN).statusCode()).isEqualTo(200);
        assertThat(server.admin("GET", "/metrics", null, TOKEN).statusCode()).isEqualTo(200);
        assertThat(server.admin("POST", "/backends/b1/maintenance", null, TOKEN).statusCode())
                .isEqualTo(200);
    }

    @Test
    void probesAndPage_needNoToken() throws Exception {
        assertThat(server.admin("GET", "/healthz", null).statusCode()).isEqualTo(200);
        assertThat(server.admin("GET", "/readyz", null).statusCode()).isEqualTo(200);
        assertThat(server.admin("GET", "/", null).statusCode()).isEqualTo(200);
    }
}
