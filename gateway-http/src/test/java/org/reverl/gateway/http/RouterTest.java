package org.reverl.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.reverl.gateway.api.LoadBalancer;
import org.reverl.gateway.core.LoadBalancers;

/** The matching rules of routes and the checks of a routing table, without sockets. */
class RouterTest {

    private static final HttpHeaders NONE = new DefaultHttpHeaders();

    private static boolean host(String rule, String authority) {
        return Route.builder().host(rule).pool("p").build().matches("GET", authority, "/", NONE);
    }

    private static boolean path(String rule, String uri) {
        return Route.builder().path(rule).pool("p").build().matches("GET", "h", uri, NONE);
    }

    @Test
    void host_exact_caseInsensitive_portAndTrailingDotIgnored() {
        assertThat(host("www.example.com", "www.example.com")).isTrue();
        assertThat(host("www.example.com", "WWW.Example.COM:8080")).isTrue();
        assertThat(host("WWW.example.com", "www.example.com.")).isTrue();
        assertThat(host("www.example.com", "example.com")).isFalse();
        assertThat(host("www.example.com", "www.example.com.evil")).isFalse();
        assertThat(host("www.example.com", null)).isFalse();
        assertThat(host("[::1]", "[::1]:8080")).isTrue();
        assertThat(host("127.0.0.1", "127.0.0.1:80")).isTrue();
    }

    @Test
    void host_wildcard_matchesSubdomainsNotTheBareDomain() {
        assertThat(host("*.example.com", "a.example.com")).isTrue();
        assertThat(host("*.example.com", "A.B.EXAMPLE.com:443")).isTrue();
        assertThat(host("*.example.com", "example.com")).isFalse();
        assertThat(host("*.example.com", ".example.com")).isFalse();
        assertThat(host("*.example.com", "badexample.com")).isFalse();
    }

    @Test
    void path_segmentAware() {
        assertThat(path("/api", "/api")).isTrue();
        assertThat(path("/api", "/api/")).isTrue();
        assertThat(path("/api", "/api/users?x=1")).isTrue();
        assertThat(path("/api", "/api?x=1")).isTrue();
        assertThat(path("/api", "/apis")).isFalse();
        assertThat(path("/api", "/API")).isFalse();
        assertThat(path("/api/", "/api")).isFalse();
        assertThat(path("/api/", "/api/x")).isTrue();
        assertThat(path("/", "/anything")).isTrue();
        assertThat(path("/", "*")).isFalse();
    }

    @Test
    void methodAndHeader_exact_allMatchersMustMatch() {
        Route r = Route.builder()
                .path("/api")
                .method("POST")
                .header("X-Canary", "on")
                .pool("canary")
                .build();
        HttpHeaders canary = new DefaultHttpHeaders().add("x-canary", "off").add("X-CANARY", "on");
        assertThat(r.matches("POST", "h", "/api/x", canary)).isTrue();
        assertThat(r.matches("GET", "h", "/api/x", canary)).isFalse();
        assertThat(r.matches("POST", "h", "/web", canary)).isFalse();
        assertThat(r.matches("POST", "h", "/api/x", new DefaultHttpHeaders().add("X-Canary", "ON")))
                .isFalse();
        assertThat(Route.builder().pool("all").build().matches("PUT", null, "/x", NONE))
                .isTrue();
    }

    @Test
    void badValues_nameTheSettingAndWhatWasExpected() {
        assertThatThrownBy(() -> Route.builder().host("www.example.com:80"))
                .hasMessageStartingWith("host: \"www.example.com:80\" (expected: a host name");
        assertThatThrownBy(() -> Route.builder().host("*.*.example.com")).hasMessageStartingWith("host: ");
        assertThatThrownBy(() -> Route.builder().path("api")).hasMessageStartingWith("path: \"api\" (expected: ");
        assertThatThrownBy(() -> Route.builder().path("/a?b")).hasMessageStartingWith("path: \"/a?b\"");
        assertThatThrownBy(() -> Route.builder().method("get")).hasMessageStartingWith("method: \"get\"");
        assertThatThrownBy(() -> ProxyPool.checkName("Web Pool")).hasMessageStartingWith("pool name: \"Web Pool\"");
    }

    @Test
    void problems_unknownPool_shadowedRoutes_unreachableDefault() {
        List<Route> routes = List.of(
                Route.builder().host("*.example.com").pool("web").build(),
                Route.builder().host("api.example.com").pool("api").build(),
                Route.builder().path("/static").pool("static").build(),
                Route.builder().path("/static/img").method("GET").pool("web").build(),
                Route.builder().path("/statics").pool("web").build(),
                Route.builder().pool("web").build());
        assertThat(Router.problems(routes, List.of("web", "static"), "static"))
                .containsExactly(
                        "routes[1].pool: \"api\" (expected: one of [web, static])",
                        "routes[1]: host api.example.com (expected: a route that can match; routes[0] (host"
                                + " *.example.com) takes every request it would)",
                        "routes[3]: path /static/img, method GET (expected: a route that can match; routes[2]"
                                + " (path /static) takes every request it would)",
                        "defaultPool: \"static\" (expected: no defaultPool, or no route without matchers; routes[5]"
                                + " takes every request already)");
        // more specific first is the right order: nothing is shadowed
        assertThat(Router.problems(
                        List.of(
                                Route.builder()
                                        .host("api.example.com")
                                        .pool("api")
                                        .build(),
                                Route.builder()
                                        .host("*.example.com")
                                        .pool("web")
                                        .build(),
                                Route.builder().path("/api/").pool("api").build(),
                                Route.builder().path("/api").pool("web").build()),
                        Set.of("web", "api"),
                        null))
                .isEmpty();
    }

    @Test
    void route_firstMatchWins_thenDefault_elseNull() {
        LoadBalancer lb = LoadBalancers.builder().build();
        try {
            ProxyPool web = ProxyPool.of("web", lb, HttpProxyConfig.builder().build());
            ProxyPool api = ProxyPool.of("api", lb, HttpProxyConfig.builder().build());
            Router.Builder b = Router.builder()
                    .pool(web)
                    .pool(api)
                    .route(Route.builder().path("/api").pool("api").build())
                    .route(Route.builder().host("www.example.com").pool("web").build());
            Router noDefault = b.build();
            assertThat(noDefault.route("GET", "www.example.com", "/api/x", NONE))
                    .isSameAs(api);
            assertThat(noDefault.route("GET", "www.example.com", "/x", NONE)).isSameAs(web);
            assertThat(noDefault.route("GET", "other.example.com", "/x", NONE)).isNull();
            assertThat(noDefault.noMatchStatus()).isEqualTo(404);
            assertThat(b.defaultPool("web").build().route("GET", null, "/x", NONE))
                    .isSameAs(web);
            assertThatThrownBy(
                            () -> Router.builder().pool(web).defaultPool("nope").build())
                    .hasMessage("defaultPool: \"nope\" (expected: one of [web])");
        } finally {
            lb.close();
        }
    }

    @Test
    void matchesFields_onlyWhenARouteMatchesOnAField() {
        LoadBalancer lb = LoadBalancers.builder().build();
        try {
            ProxyPool web = ProxyPool.of("web", lb, HttpProxyConfig.builder().build());
            Router byHost = Router.builder()
                    .pool(web)
                    .route(Route.builder().host("a.test").pool("web").build())
                    .build();
            assertThat(byHost.matchesFields()).isFalse();
            assertThat(Router.single(web).matchesFields()).isFalse();
            Router byField = Router.builder()
                    .pool(web)
                    .route(Route.builder().host("a.test").pool("web").build())
                    .route(Route.builder().header("x-canary", "on").pool("web").build())
                    .build();
            assertThat(byField.matchesFields()).isTrue();
        } finally {
            lb.close();
        }
    }

    /** The data path routes every request: matching must not allocate, measured on this thread. */
    @Test
    void route_allocatesNothing() {
        LoadBalancer lb = LoadBalancers.builder().build();
        try {
            ProxyPool web = ProxyPool.of("web", lb, HttpProxyConfig.builder().build());
            Router router = Router.builder()
                    .pool(web)
                    .route(Route.builder()
                            .host("api.example.com")
                            .path("/v1")
                            .pool("web")
                            .build())
                    .route(Route.builder()
                            .host("*.example.com")
                            .header("x-canary", "on")
                            .pool("web")
                            .build())
                    .route(Route.builder()
                            .path("/static/")
                            .method("GET")
                            .pool("web")
                            .build())
                    .build();
            HttpHeaders headers =
                    new DefaultHttpHeaders().add("x-canary", "off").add("accept", "*/*");
            String[] hosts = {"API.example.com:8080", "www.example.com", "other.test", null};
            String[] uris = {"/v1/users?id=7", "/static/app.js", "/v2", "/"};
            com.sun.management.ThreadMXBean threads =
                    (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            int matched = 0;
            for (int i = 0; i < 200_000; i++) { // warm up: compiled before measuring
                matched += router.route("GET", hosts[i & 3], uris[(i >> 2) & 3], headers) != null ? 1 : 0;
            }
            long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 1_000_000; i++) {
                matched += router.route("GET", hosts[i & 3], uris[(i >> 2) & 3], headers) != null ? 1 : 0;
            }
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            assertThat(matched).isPositive();
            // a million routings; anything per request would be megabytes
            assertThat(allocated).isLessThan(64 * 1024);
        } finally {
            lb.close();
        }
    }
}
