package org.reverl.server;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.reverl.gateway.api.BackendSpec;
import org.reverl.gateway.api.LoadBalancer;
import org.reverl.gateway.core.GatewayConfig;
import org.reverl.gateway.core.LoadBalancers;
import org.reverl.gateway.http.HttpProxyConfig;
import org.reverl.gateway.http.HttpProxyServer;
import org.reverl.server.admin.AdminServer;
import org.reverl.server.admin.AdminSettings;
import org.reverl.server.metrics.ServerMetrics;

/**
 * A whole server for tests, wired as {@code reverl run} wires it: real backends, the real engine, the HTTP proxy with
 * the metrics observer, and the admin API, all on 127.0.0.1 with ports picked by the system. Implements {@link
 * ServerControl} itself, with a reload and a save that tests decide.
 */
public final class TestServer implements ServerControl, AutoCloseable {

    public final List<WebBackend> backends = new ArrayList<>();
    public final LoadBalancer lb;
    public final ServerMetrics metrics;
    public final HttpProxyServer proxy;
    public final AdminServer admin;
    public final HttpClient client =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    /** What the next {@link #reload()} returns. */
    public final AtomicReference<ReloadResult> nextReload =
            new AtomicReference<>(new ReloadResult(true, List.of("added backend b9"), List.of(), List.of()));
    /** What {@link #saveConfig()} writes to; {@code null}: started without a file. */
    public volatile Path configFile;

    public final AtomicInteger reloads = new AtomicInteger();

    private TestServer(int backendCount, AdminSettings admin) throws IOException {
        LoadBalancers.Builder b = LoadBalancers.builder()
                .config(GatewayConfig.builder()
                        .breakerWaitDurationInOpenState(Duration.ofMillis(300))
                        .build());
        for (int i = 1; i <= backendCount; i++) {
            WebBackend w = WebBackend.start("b" + i);
            backends.add(w);
            b.backend(BackendSpec.of("b" + i, w.address()));
        }
        lb = b.build();
        metrics = ServerMetrics.create(lb);
        proxy = HttpProxyServer.start(
                lb,
                HttpProxyConfig.builder()
                        .listen("127.0.0.1", 0)
                        .ioThreads(2)
                        .observer(metrics.observer())
                        .build());
        this.admin = AdminServer.start(admin, this, metrics);
    }

    /** {@code backendCount} backends b1.., admin on 127.0.0.1 without a token. */
    public static TestServer start(int backendCount) throws IOException {
        return start(backendCount, (String) null);
    }

    /** {@code backendCount} backends b1.., admin on 127.0.0.1 with {@code token} (or none). */
    public static TestServer start(int backendCount, String token) throws IOException {
        return new TestServer(backendCount, AdminSettings.of(new InetSocketAddress("127.0.0.1", 0), token));
    }

    /** {@code backendCount} backends b1.., admin with {@code settings}. */
    public static TestServer start(int backendCount, AdminSettings settings) throws IOException {
        return new TestServer(backendCount, settings);
    }

    public URI proxyUri(String path) {
        return URI.create("http://127.0.0.1:" + proxy.localAddress().getPort() + path);
    }

    public URI adminUri(String path) {
        return URI.create("http://127.0.0.1:" + admin.address().getPort() + path);
    }

    /** A GET through the proxy. */
    public HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return client.send(
                HttpRequest.newBuilder(proxyUri(path))
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** A request to the admin API, with {@code token} if not {@code null}. */
    public HttpResponse<String> admin(String method, String path, String json, String token)
            throws IOException, InterruptedException {
        HttpRequest.Builder r = HttpRequest.newBuilder(adminUri(path)).timeout(Duration.ofSeconds(10));
        if (json != null || !method.equals("GET") && !method.equals("DELETE") && !method.equals("HEAD")) {
            r.header("Content-Type", "application/json"); // mutations are JSON only, also without a body
        }
        if (token != null) {
            r.header("Authorization", "Bearer " + token);
        }
        r.method(
                method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        return client.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    public HttpResponse<String> admin(String method, String path, String json)
            throws IOException, InterruptedException {
        return admin(method, path, json, null);
    }

    @Override
    public LoadBalancer loadBalancer() {
        return lb;
    }

    @Override
    public ReloadResult reload() {
        reloads.incrementAndGet();
        return nextReload.get();
    }

    @Override
    public Path saveConfig() throws IOException {
        Path f = configFile;
        if (f == null) {
            throw new IllegalStateException("started without a configuration file (expected: --config FILE)");
        }
        java.nio.file.Files.writeString(f, "backends: []\n");
        return f;
    }

    @Override
    public boolean ready() {
        return lb.backends().stream().anyMatch(x -> x.state().isEligible());
    }

    @Override
    public String version() {
        return "reverl test";
    }

    @Override
    public void close() {
        admin.close();
        proxy.close();
        metrics.close();
        lb.close();
        for (WebBackend w : backends) {
            w.close();
        }
    }
}
