package org.reverl.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http2.DefaultHttp2Headers;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.reverl.gateway.api.BackendSpec;
import org.reverl.gateway.api.LoadBalancer;
import org.reverl.gateway.core.LoadBalancers;

/** Two pools behind one listener, routed by Host and by path prefix, over HTTP/1.1 and HTTP/2, on real sockets. */
class RoutesIT {

    TestBackend web;
    TestBackend api;
    LoadBalancer webLb;
    LoadBalancer apiLb;
    HttpProxyServer proxy;
    HttpProxyConfig config;

    @BeforeEach
    void start() throws Exception {
        web = TestBackend.start("web-1");
        api = TestBackend.start("api-1");
        webLb = LoadBalancers.builder()
                .backend(BackendSpec.of("web-1", "http://" + web.address()))
                .build();
        apiLb = LoadBalancers.builder()
                .backend(BackendSpec.of("api-1", "http://" + api.address()))
                .build();
        config = HttpProxyConfig.builder()
                .listen("127.0.0.1", 0)
                .ioThreads(2)
                .http2(true)
                .build();
        proxy = HttpProxyServer.start(
                Router.builder()
                        .pool(ProxyPool.of("web", webLb, config))
                        .pool(ProxyPool.of("api", apiLb, config))
                        .route(Route.builder()
                                .host("api.example.com")
                                .pool("api")
                                .build())
                        .route(Route.builder().path("/api").pool("api").build())
                        .route(Route.builder().host("*.example.com").pool("web").build())
                        .build(),
                config);
    }

    @AfterEach
    void stop() throws Exception {
        proxy.close();
        webLb.close();
        apiLb.close();
        web.close();
        api.close();
    }

    private String get(String host, String path) throws Exception {
        return RawHttp.exchange(
                        proxy.localAddress(),
                        "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n",
                        5000)
                .text();
    }

    @Test
    void http11_routedByHostAndPath_noMatchIs404FromNoBackend() throws Exception {
        assertThat(get("API.example.com:8080", "/")).startsWith("HTTP/1.1 200 ").endsWith("api-1");
        assertThat(get("www.example.com", "/")).startsWith("HTTP/1.1 200 ").endsWith("web-1");
        assertThat(get("www.example.com", "/api/users"))
                .startsWith("HTTP/1.1 200 ")
                .endsWith("api-1");
        assertThat(get("www.example.com", "/apis")).startsWith("HTTP/1.1 200 ").endsWith("web-1");
        int before = web.requests.size() + api.requests.size();
        assertThat(get("other.test", "/")).startsWith("HTTP/1.1 404 ");
        assertThat(get("example.com", "/x")).startsWith("HTTP/1.1 404 ");
        assertThat(web.requests.size() + api.requests.size()).isEqualTo(before);
    }

    @Test
    void keepAlive_eachRequestRoutedByItself() throws Exception {
        String replies = RawHttp.exchange(
                        proxy.localAddress(),
                        "GET / HTTP/1.1\r\nHost: www.example.com\r\n\r\n"
                                + "GET / HTTP/1.1\r\nHost: nowhere.test\r\n\r\n"
                                + "GET /api HTTP/1.1\r\nHost: www.example.com\r\nConnection: close\r\n\r\n",
                        5000)
                .text();
        assertThat(replies).containsSubsequence("HTTP/1.1 200 ", "web-1", "HTTP/1.1 404 ", "HTTP/1.1 200 ", "api-1");
    }

    private static H2Client.Reply get(H2Client h2, String authority, String path) throws Exception {
        return h2.send(new DefaultHttp2Headers()
                        .method("GET")
                        .scheme("http")
                        .authority(authority)
                        .path(path))
                .get(5, TimeUnit.SECONDS);
    }

    @Test
    void http2_streamsRoutedTheSameWay() throws Exception {
        try (H2Client h2 = new H2Client(proxy.localAddress())) {
            H2Client.Reply byHost = get(h2, "api.example.com", "/");
            H2Client.Reply byPath = get(h2, "www.example.com", "/api/x");
            H2Client.Reply web1 = get(h2, "www.example.com", "/");
            H2Client.Reply none = h2.send(H2Client.get("/")).get(5, TimeUnit.SECONDS); // authority h2.test
            assertThat(byHost).isEqualTo(new H2Client.Reply(200, "api-1"));
            assertThat(byPath).isEqualTo(new H2Client.Reply(200, "api-1"));
            assertThat(web1).isEqualTo(new H2Client.Reply(200, "web-1"));
            assertThat(none.status()).isEqualTo(404);
        }
    }

    @Test
    void backendTimeouts_arePerPool() throws Exception {
        proxy.route(Router.builder()
                .pool(new ProxyPool(
                        "web",
                        webLb,
                        config.connectTimeout(),
                        Duration.ofMillis(300),
                        config.upstreamIdleTimeout(),
                        config.maxAttempts(),
                        RetryOn.NONE))
                .pool(ProxyPool.of("api", apiLb, config))
                .route(Route.builder().host("api.example.com").pool("api").build())
                .defaultPool("web")
                .build());
        assertThat(get("x.test", "/slow?ms=1000")).startsWith("HTTP/1.1 504 ");
        assertThat(get("api.example.com", "/slow?ms=1000")).startsWith("HTTP/1.1 200 ");
    }

    @Test
    void route_swapAppliesToTheNextRequestOfAnOpenConnection() throws Exception {
        try (H2Client h2 = new H2Client(proxy.localAddress())) {
            assertThat(h2.send(H2Client.get("/")).get(5, TimeUnit.SECONDS).status())
                    .isEqualTo(404);
            proxy.route(Router.builder()
                    .pool(ProxyPool.of("web", webLb, config))
                    .defaultPool("web")
                    .noMatchStatus(421)
                    .build());
            assertThat(h2.send(H2Client.get("/")).get(5, TimeUnit.SECONDS)).isEqualTo(new H2Client.Reply(200, "web-1"));
            proxy.route(Router.builder()
                    .pool(ProxyPool.of("web", webLb, config))
                    .route(Route.builder().path("/only").pool("web").build())
                    .noMatchStatus(421)
                    .build());
            assertThat(h2.send(H2Client.get("/")).get(5, TimeUnit.SECONDS).status())
                    .isEqualTo(421);
        }
    }
}
