package org.reverl.gateway.http;

import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;
import org.reverl.gateway.api.BackendEvent;
import org.reverl.gateway.api.BackendSpec;
import org.reverl.gateway.api.LoadBalancer;
import org.reverl.gateway.core.GatewayConfig;
import org.reverl.gateway.core.LoadBalancers;

/** The real engine over some backends, and a proxy in front of it on 127.0.0.1, port picked by the system. */
final class ProxyFixture implements AutoCloseable {

    final LoadBalancer lb;
    final HttpProxyServer proxy;
    final List<BackendEvent> events = new CopyOnWriteArrayList<>();

    ProxyFixture(List<String> backendAddresses, UnaryOperator<HttpProxyConfig.Builder> config) {
        this(backendAddresses, UnaryOperator.identity(), config);
    }

    /** With {@code gateway} applied to the engine's settings (a breaker that opens after 300 ms otherwise). */
    ProxyFixture(
            List<String> backendAddresses,
            UnaryOperator<GatewayConfig.Builder> gateway,
            UnaryOperator<HttpProxyConfig.Builder> config) {
        LoadBalancers.Builder b = LoadBalancers.builder()
                .config(gateway.apply(GatewayConfig.builder().breakerWaitDurationInOpenState(Duration.ofMillis(300)))
                        .build())
                .listener(events::add);
        for (int i = 0; i < backendAddresses.size(); i++) {
            b.backend(BackendSpec.of("b" + (i + 1), "http://" + backendAddresses.get(i)));
        }
        lb = b.build();
        proxy = HttpProxyServer.start(
                lb,
                config.apply(HttpProxyConfig.builder().listen("127.0.0.1", 0).ioThreads(2))
                        .build());
    }

    ProxyFixture(List<String> backendAddresses) {
        this(backendAddresses, UnaryOperator.identity());
    }

    InetSocketAddress address() {
        return proxy.localAddress();
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + address().getPort() + path);
    }

    @Override
    public void close() {
        proxy.close();
        lb.close();
    }
}
