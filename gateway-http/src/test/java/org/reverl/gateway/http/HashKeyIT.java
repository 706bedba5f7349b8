package org.reverl.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.reverl.gateway.api.BackendSpec;
import org.reverl.gateway.api.LoadBalancer;
import org.reverl.gateway.core.GatewayConfig;
import org.reverl.gateway.core.LoadBalancers;

/** A hashing strategy keyed by a request header, through the proxy: the same key reaches the same backend. */
class HashKeyIT {

    @Test
    void ringHashByHeader_sameUserSameBackend_usersSpreadOverBackends() throws Exception {
        List<RecordingBackend> backends = List.of(
                new RecordingBackend(RecordingBackend.Mode.ANSWER),
                new RecordingBackend(RecordingBackend.Mode.ANSWER),
                new RecordingBackend(RecordingBackend.Mode.ANSWER));
        LoadBalancers.Builder b = LoadBalancers.builder()
                .config(GatewayConfig.builder()
                        .strategy("ring_hash", Map.of("key", "header:x-user"))
                        .build());
        for (int i = 0; i < backends.size(); i++) {
            b.backend(BackendSpec.of("b" + (i + 1), "http://" + backends.get(i).address()));
        }
        LoadBalancer lb = b.build();
        HttpProxyServer proxy = HttpProxyServer.start(
                lb,
                HttpProxyConfig.builder().listen("127.0.0.1", 0).ioThreads(2).build());
        try {
            for (int i = 0; i < 30; i++) {
                get(proxy, "alice");
            }
            long reached = backends.stream().filter(r -> r.requests.get() > 0).count();
            assertThat(reached)
                    .as("alice's 30 requests all reached one backend")
                    .isEqualTo(1);

            Set<Integer> used = new HashSet<>();
            for (int u = 0; u < 60; u++) {
                int[] before = backends.stream().mapToInt(r -> r.requests.get()).toArray();
                get(proxy, "user-" + u);
                for (int i = 0; i < backends.size(); i++) {
                    if (backends.get(i).requests.get() > before[i]) {
                        used.add(i);
                    }
                }
            }
            assertThat(used).as("60 users spread over the backends").hasSize(3);
        } finally {
            proxy.close();
            lb.close();
            for (RecordingBackend r : backends) {
                r.close();
            }
        }
    }

    private static void get(HttpProxyServer proxy, String user) throws Exception {
        String request = "GET / HTTP/1.1\r\nHost: x\r\nX-User: " + user + "\r\n\r\n";
        assertThat(RawHttp.send(proxy.localAddress(), request).status()).isEqualTo(200);
    }
}
