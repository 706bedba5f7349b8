package org.reverl.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reverl.gateway.core.ProviderRegistry;

/** The {@code pools:} and {@code routes:} sections: what loads, and the errors of what does not. */
class PoolsConfigTest {

    private final ConfigLoader loader = new ConfigLoader(ProviderRegistry.load());

    @TempDir
    Path dir;

    private ReverlConfig parse(String yaml) throws ConfigException {
        return loader.parse(yaml, "reverl.yaml", dir);
    }

    private void assertErrors(String yaml, String... errors) {
        assertThatThrownBy(() -> parse(yaml))
                .isInstanceOfSatisfying(
                        ConfigException.class, e -> assertThat(e.errors()).containsExactlyInAnyOrder(errors));
    }

    @Test
    void pools_eachWithItsOwnSections_routesInOrder_timeoutsDefaultToTheTopLevel() throws Exception {
        ReverlConfig c = parse("""
                listeners: [ { address: 127.0.0.1:0 } ]
                timeouts: { connect: 2s, response: 30s }
                pools:
                  web:
                    backends: [ { id: web-1, address: 127.0.0.1:9001 } ]
                    strategy: { name: least_conn }
                  api:
                    backends: [ { id: api-1, address: 127.0.0.1:9101 }, { id: web-1, address: 127.0.0.1:9102 } ]
                    health: { probe: tcp, interval: 1s }
                    retry: { maxAttempts: 2 }
                    timeouts: { response: 5s }
                routes:
                  - { host: api.example.com, pool: api }
                  - { path: /api, method: POST, header: { name: X-Canary, value: "on" }, pool: api }
                  - { host: "*.example.com", pool: web }
                defaultPool: web
                """);
        assertThat(c.pools()).containsOnlyKeys("web", "api");
        assertThat(c.pools().keySet()).containsExactly("web", "api");
        ReverlConfig.Pool web = c.pools().get("web");
        ReverlConfig.Pool api = c.pools().get("api");
        assertThat(web.gateway().strategy()).isEqualTo("least_conn");
        assertThat(web.connectTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(web.responseTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(api.responseTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(api.gateway().maxAttempts()).isEqualTo(2);
        assertThat(api.gateway().healthCheck().probe()).isEqualTo("tcp");
        assertThat(api.backends()).extracting(b -> b.id()).containsExactly("api-1", "web-1");
        assertThat(c.routing().routes())
                .extracting(Object::toString)
                .containsExactly(
                        "host api.example.com -> api",
                        "path /api, method POST, header x-canary: on -> api",
                        "host *.example.com -> web");
        assertThat(c.routing().defaultPool()).isEqualTo("web");
        assertThat(c.defaultPool()).isSameAs(web);
        assertThat(c.backends()).isEqualTo(web.backends());
    }

    @Test
    void retryOnAndOutlier_perPool_notAtTheTop() throws Exception {
        ReverlConfig c = parse("""
                listeners: [ { address: 127.0.0.1:0 } ]
                pools:
                  web:
                    backends: [ { id: b1, address: 127.0.0.1:9001 } ]
                    retry: { on: [5xx] }
                    outlier: { consecutive5xx: 3 }
                  api: { backends: [ { id: b2, address: 127.0.0.1:9002 } ] }
                defaultPool: web
                """);
        assertThat(c.pools().get("web").retryOn().matches(503)).isTrue();
        assertThat(c.pools().get("api").retryOn().matches(503)).isFalse();
        assertThat(c.pools().get("web").gateway().outlier().consecutive5xx()).isEqualTo(3);
        assertThat(c.pools().get("api").gateway().outlier()).isNull();
        assertErrors(
                """
                listeners: [ { address: 127.0.0.1:0 } ]
                outlier: { consecutive5xx: 3 }
                pools: { web: { backends: [ { id: b1, address: 127.0.0.1:9001 } ], retry: { on: ["200"] } } }
                """,
                "outlier: not with pools (expected: inside a pool, e.g. pools.<name>.outlier)",
                "pools.web.retry.on[0]: \"200\" (expected: " + org.reverl.gateway.http.RetryOn.EXPECTED + ")");
    }

    @Test
    void theExampleInTheRepository_loads() throws Exception {
        ReverlConfig c = loader.load(Path.of("..", "examples", "pools.yaml"));
        assertThat(c.pools().keySet()).containsExactly("web", "api", "static");
        assertThat(c.routing().routes()).hasSize(5);
        assertThat(c.routing().defaultPool()).isEqualTo("web");
        assertThat(c.pools().get("api").responseTimeout()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void singlePoolForm_isThePoolDefault_withADefaultRoute() throws Exception {
        ReverlConfig c = parse("""
                listeners: [ { address: 127.0.0.1:0 } ]
                backends: [ { id: b1, address: 127.0.0.1:9001 } ]
                timeouts: { upstreamIdle: 7s }
                routing: { noMatch: 421 }
                """);
        assertThat(c.pools()).containsOnlyKeys("default");
        assertThat(c.routing().routes()).isEmpty();
        assertThat(c.routing().defaultPool()).isEqualTo("default");
        assertThat(c.routing().noMatchStatus()).isEqualTo(421);
        assertThat(c.pools().get("default").upstreamIdleTimeout()).isEqualTo(Duration.ofSeconds(7));
    }

    @Test
    void onePool_withoutRoutes_takesEverything_severalNeedRoutes() throws Exception {
        assertThat(parse("""
                        listeners: [ { address: 127.0.0.1:0 } ]
                        pools: { web: { backends: [ { id: b1, address: 127.0.0.1:9001 } ] } }
                        """).routing().defaultPool()).isEqualTo("web");
        assertErrors("""
                listeners: [ { address: 127.0.0.1:0 } ]
                pools:
                  web: { backends: [ { id: b1, address: 127.0.0.1:9001 } ] }
                  api: { backends: [ { id: b2, address: 127.0.0.1:9002 } ] }
                """, "routes: missing (expected: routes to the pools [web, api], or a defaultPool)");
    }

    @Test
    void routes_unknownPool_shadowed_badMatchers_reportedWithTheirPaths() {
        assertErrors(
                """
                listeners: [ { address: 127.0.0.1:0 } ]
                pools:
                  web: { backends: [ { id: b1, address: 127.0.0.1:9001 } ] }
                  static: { backends: [ { id: b2, address: 127.0.0.1:9002 } ] }
                routes:
                  - { path: /static, pool: static }
                  - { host: "*.example.com", pool: web }
                  - { host: www.example.com, path: /x, pool: api }
                  - { path: /static/img, pool: web }
                """,
                "routes[2].pool: \"api\" (expected: one of [web, static])",
                "routes[2]: host www.example.com, path /x (expected: a route that can match; routes[1] (host"
                        + " *.example.com) takes every request it would)",
                "routes[3]: path /static/img (expected: a route that can match; routes[0] (path /static) takes"
                        + " every request it would)");
        assertErrors(
                """
                listeners: [ { address: 127.0.0.1:0 } ]
                pools: { web: { backends: [ { id: b1, address: 127.0.0.1:9001 } ] } }
                routes:
                  - { host: "www.example.com:80", pool: web }
                  - { path: api, pool: web }
                  - { method: get, pool: web, colour: red }
                  - { header: { name: X-A }, pool: web }
                  - { path: /a }
                routing: { noMatch: 200 }
                defaultPool: nope
                """,
                "routes[0].host: \"www.example.com:80\" (expected: a host name such as www.example.com, a suffix"
                        + " wildcard such as *.example.com, or an IP literal; without a port)",
                "routes[1].path: \"api\" (expected: a path prefix starting with /, without ? or #, such as /api)",
                "routes[2].colour: unknown key (expected: one of [header, host, method, path, pool])",
                "routes[2].method: \"get\" (expected: a method in upper case, such as GET)",
                "routes[3].header.value: missing (expected: the value the field must have)",
                "routes[4].pool: missing (expected: one of [web])",
                "routing.noMatch: 200 (expected: an integer 400-599)");
    }

    @Test
    void pools_badNames_topLevelPoolSections_unknownKeys() {
        assertErrors(
                """
                listeners: [ { address: 127.0.0.1:0 } ]
                backends: [ { id: b1, address: 127.0.0.1:9001 } ]
                strategy: { name: round_robin }
                pools:
                  Web: { backends: [ { id: b1, address: 127.0.0.1:9001 } ] }
                  api:
                    backends: [ { id: b1, address: "localhost:0" } ]
                    timeouts: { idle: 5s }
                    colour: red
                  empty: {}
                defaultPool: api
                """,
                "backends: not with pools (expected: inside a pool, e.g. pools.<name>.backends)",
                "strategy: not with pools (expected: inside a pool, e.g. pools.<name>.strategy)",
                "pools.Web: \"Web\" (expected: a pool name of 1-64 characters of [a-z0-9_-])",
                "pools.api.backends[0].address: \"localhost:0\" (expected: port 1-65535)",
                "pools.api.timeouts.idle: unknown key (expected: one of [connect, response, upstreamIdle])",
                "pools.api.colour: unknown key (expected: one of [backends, breaker, discovery, health, outlier, retry,"
                        + " strategy, timeouts])",
                "pools.empty.backends: missing (expected: a list of backends, e.g. - { id: web-1, address:"
                        + " 127.0.0.1:9001 }, or a discovery section)");
    }
}
