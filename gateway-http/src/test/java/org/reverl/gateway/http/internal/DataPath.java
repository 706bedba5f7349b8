package org.reverl.gateway.http.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;
import org.reverl.gateway.api.Backend;
import org.reverl.gateway.api.BackendEvent;
import org.reverl.gateway.api.BackendSpec;
import org.reverl.gateway.api.LoadBalancer;
import org.reverl.gateway.core.GatewayConfig;
import org.reverl.gateway.core.LoadBalancers;
import org.reverl.gateway.http.HttpProxyConfig;
import org.reverl.gateway.http.ProxyObserver;

/**
 * The proxy's data path in memory: one client connection on an {@link EmbeddedChannel}, backend connections on more of
 * them, the real engine choosing among backends {@code b1}, {@code b2}..., and time that moves only when a test says
 * so. Everything runs on the test's thread, as on an event loop.
 */
final class DataPath implements AutoCloseable {

    /** A clock the test moves. */
    static final class FakeTicker implements Ticker {
        long now = 1_000_000_000L;

        @Override
        public long nanoTime() {
            return now;
        }
    }

    final FakeTicker ticker = new FakeTicker();
    final LoadBalancer lb;
    final ProxySettings settings;
    final EmbeddedChannel client;
    /** Every backend connection opened, in order; the pool of each backend reuses them. */
    final List<EmbeddedChannel> connections = new ArrayList<>();
    /** Which backend each connection of {@link #connections} goes to, by port. */
    final List<Integer> connectionPorts = new ArrayList<>();
    /** Ports whose connections are refused. */
    final Set<Integer> refused = new HashSet<>();
    /** Ports whose connections fail with the given failure. */
    final Map<Integer, Throwable> connectFailures = new HashMap<>();
    /** When set, every connect fails with this, as when the proxy itself runs out of something. */
    Throwable connectError;

    final List<String> proxyErrors = new CopyOnWriteArrayList<>();

    final List<BackendEvent> events = new CopyOnWriteArrayList<>();
    final List<String> backendFailures = new CopyOnWriteArrayList<>();

    /** Backend {@code bN} listens on port {@code N}. */
    DataPath(int backends, UnaryOperator<HttpProxyConfig.Builder> config) {
        this(backends, config, ProxyObserver.NOOP);
    }

    /** As above; {@code tunnels} sees tunnels open and close. */
    DataPath(int backends, UnaryOperator<HttpProxyConfig.Builder> config, ProxyObserver tunnels) {
        this(
                backends,
                GatewayConfig.builder()
                        // one failure opens a breaker: a failure recorded against a backend shows in its state
                        .breakerMinimumNumberOfCalls(1)
                        .breakerSlidingWindowSize(1)
                        .breakerFailureRateThreshold(50)
                        .breakerWaitDurationInOpenState(Duration.ofMinutes(10))
                        .build(),
                config,
                tunnels);
    }

    /** As above, with the engine's own settings: {@link GatewayConfig#defaults()} lets a failure open no breaker. */
    DataPath(int backends, GatewayConfig gateway) {
        this(backends, gateway, c -> c, ProxyObserver.NOOP);
    }

    private DataPath(
            int backends, GatewayConfig gateway, UnaryOperator<HttpProxyConfig.Builder> config, ProxyObserver tunnels) {
        LoadBalancers.Builder b = LoadBalancers.builder().config(gateway).listener(events::add);
        for (int i = 1; i <= backends; i++) {
            b.backend(BackendSpec.of("b" + i, "http://127.0.0.1:" + i));
        }
        lb = b.build();
        ProxyObserver observer = new ProxyObserver() {
            @Override
            public void onBackendFailure(Backend backend, Failure failure) {
                backendFailures.add(backend.id() + " " + failure);
            }

            @Override
            public void onProxyError(Backend backend, ProxyError error) {
                proxyErrors.add((backend == null ? "-" : backend.id()) + " " + error);
            }

            @Override
            public void onTunnelOpened(Backend backend, long nanos) {
                tunnels.onTunnelOpened(backend, nanos);
            }

            @Override
            public void onTunnelClosed(Backend backend, long nanos) {
                tunnels.onTunnelClosed(backend, nanos);
            }
        };
        HttpProxyConfig c =
                config.apply(HttpProxyConfig.builder().observer(observer)).build();
        settings = new ProxySettings(
                ProxySettings.single(lb, c), Transports.NIO, c, false, ticker, (address, loop, timeout, init) -> {
                    EmbeddedChannel ch = new EmbeddedChannel();
                    ch.freezeTime();
                    connections.add(ch);
                    connectionPorts.add(address.getPort());
                    if (connectError != null) {
                        ch.close();
                        return ch.newFailedFuture(connectError);
                    }
                    if (connectFailures.containsKey(address.getPort())) {
                        ch.close();
                        return ch.newFailedFuture(connectFailures.get(address.getPort()));
                    }
                    if (refused.contains(address.getPort())) {
                        ch.close();
                        return ch.newFailedFuture(new ConnectException("Connection refused"));
                    }
                    ch.pipeline().addLast(init);
                    return ch.newSucceededFuture();
                });
        this.config = c;
        client = newClient();
    }

    private final HttpProxyConfig config;
    /** Every client connection, {@link #client} first. */
    final List<EmbeddedChannel> clients = new ArrayList<>();

    /** Another client connection to the same proxy. */
    EmbeddedChannel newClient() {
        FrontendCodec codec = new FrontendCodec(settings);
        EmbeddedChannel ch =
                new EmbeddedChannel(codec.decoder(), codec.encoder(), new ClientConnection(settings, codec));
        ch.freezeTime();
        clients.add(ch);
        return ch;
    }

    /** Client connection {@code ch} sends these bytes. */
    void clientSends(EmbeddedChannel ch, String raw) {
        ch.writeInbound(Unpooled.copiedBuffer(raw, StandardCharsets.ISO_8859_1));
        runTasks();
    }

    /** What client connection {@code ch} received since the last call. */
    String clientReceived(EmbeddedChannel ch) {
        return drain(ch);
    }

    DataPath(int backends) {
        this(backends, UnaryOperator.identity());
    }

    /** The client sends these bytes (ISO-8859-1). */
    void clientSends(String raw) {
        client.writeInbound(Unpooled.copiedBuffer(raw, StandardCharsets.ISO_8859_1));
        runTasks();
    }

    /** What the client received since the last call. */
    String clientReceived() {
        return drain(client);
    }

    /** What backend connection {@code i} received since the last call. */
    String backendReceived(int i) {
        return drain(connections.get(i));
    }

    /** Backend connection {@code i} sends these bytes. */
    void backendSends(int i, String raw) {
        connections.get(i).writeInbound(Unpooled.copiedBuffer(raw, StandardCharsets.ISO_8859_1));
        runTasks();
    }

    /** Backend connection {@code i} closes. */
    void backendCloses(int i) {
        connections.get(i).close();
        runTasks();
    }

    /** Moves time forward on the ticker and every channel's scheduler, and runs what became due. */
    void advance(Duration d) {
        ticker.now += d.toNanos();
        for (EmbeddedChannel ch : clients) {
            ch.advanceTimeBy(d.toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS);
        }
        for (EmbeddedChannel ch : connections) {
            ch.advanceTimeBy(d.toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS);
        }
        runTasks();
    }

    void runTasks() {
        for (int round = 0; round < 3; round++) {
            for (EmbeddedChannel ch : clients) {
                ch.runPendingTasks();
                ch.runScheduledPendingTasks();
            }
            for (EmbeddedChannel ch : new ArrayList<>(connections)) {
                ch.runPendingTasks();
                ch.runScheduledPendingTasks();
            }
        }
    }

    Backend backend(String id) {
        return lb.backends().stream().filter(b -> b.id().equals(id)).findFirst().orElseThrow();
    }

    private static String drain(EmbeddedChannel ch) {
        StringBuilder sb = new StringBuilder();
        Object o;
        while ((o = ch.readOutbound()) != null) {
            if (o instanceof ByteBuf) {
                ByteBuf b = (ByteBuf) o;
                sb.append(b.toString(StandardCharsets.ISO_8859_1));
                b.release();
            } else {
                throw new AssertionError("not bytes: " + o);
            }
        }
        return sb.toString();
    }

    @Override
    public void close() {
        for (EmbeddedChannel ch : clients) {
            ch.finishAndReleaseAll();
        }
        for (EmbeddedChannel ch : connections) {
            ch.finishAndReleaseAll();
        }
        lb.close();
    }
}
