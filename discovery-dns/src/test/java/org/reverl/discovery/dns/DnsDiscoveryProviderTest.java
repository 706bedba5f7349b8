package org.reverl.discovery.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.reverl.discovery.dns.DnsDiscoveryProvider.DnsDiscoveryOptions;
import org.reverl.discovery.dns.DnsDiscoveryProvider.RecordType;
import org.reverl.gateway.core.ProviderRegistry;

class DnsDiscoveryProviderTest {

    @Test
    void isFoundByServiceLoader_asDns() {
        assertThat(ProviderRegistry.load().sourceProvider("dns")).get().isInstanceOf(DnsDiscoveryProvider.class);
    }

    @Test
    void options_haveDefaults_andTheTypeFollowsTheName() {
        DnsDiscoveryOptions a = DnsDiscoveryProvider.parse(Map.of("name", "web.example.", "port", "8080"));
        assertThat(a.name()).isEqualTo("web.example");
        assertThat(a.type()).isEqualTo(RecordType.A);
        assertThat(a.scheme()).isEqualTo("http");
        assertThat(a.servers()).isEmpty();
        assertThat(a.minTtl()).isEqualTo(Duration.ofSeconds(1));
        assertThat(a.maxTtl()).isEqualTo(Duration.ofSeconds(60));

        DnsDiscoveryOptions srv = DnsDiscoveryProvider.parse(
                Map.of("name", "_http._tcp.web.example", "servers", "10.0.0.2:53, [fd00::2]:5353"));
        assertThat(srv.type()).isEqualTo(RecordType.SRV);
        assertThat(srv.servers()).hasSize(2);
        assertThat(srv.servers().get(1).getPort()).isEqualTo(5353);
    }

    @Test
    void theTtl_isClampedToMinAndMax_andFailuresBackOffUpToMax() {
        DnsDiscoveryOptions o = DnsDiscoveryProvider.parse(
                Map.of("name", "web.example", "port", "80", "min_ttl", "2s", "max_ttl", "30s"));
        assertThat(o.refreshAfter(0)).isEqualTo(Duration.ofSeconds(2));
        assertThat(o.refreshAfter(10)).isEqualTo(Duration.ofSeconds(10));
        assertThat(o.refreshAfter(86_400)).isEqualTo(Duration.ofSeconds(30));
        assertThat(o.refreshAfter(Long.MAX_VALUE)).isEqualTo(Duration.ofSeconds(30));
        assertThat(o.retryAfter(1)).isEqualTo(Duration.ofSeconds(2));
        assertThat(o.retryAfter(2)).isEqualTo(Duration.ofSeconds(4));
        assertThat(o.retryAfter(4)).isEqualTo(Duration.ofSeconds(16));
        assertThat(o.retryAfter(5)).isEqualTo(Duration.ofSeconds(30));
        assertThat(o.retryAfter(1_000)).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void badOptions_failNamingTheOptionTheValueAndWhatWasExpected() {
        assertThatThrownBy(() -> DnsDiscoveryProvider.parse(Map.of("port", "80")))
                .hasMessage("discovery 'dns': name: missing (expected: a DNS name such as web.example or"
                        + " _http._tcp.web.example)");
        assertThatThrownBy(() -> DnsDiscoveryProvider.parse(Map.of("name", "web example", "port", "80")))
                .hasMessageStartingWith("discovery 'dns': name: 'web example' (expected:");
        assertThatThrownBy(() -> DnsDiscoveryProvider.parse(Map.of("name", "web.example")))
                .hasMessage("discovery 'dns': port: missing (expected: the backends' port, 1-65535, with type a)");
        assertThatThrownBy(() -> DnsDiscoveryProvider.parse(Map.of("name", "web.example", "port", "0")))
                .hasMessage("discovery 'dns': port: 0 (expected: 1-65535)");
        assertThatThrownBy(() -> DnsDiscoveryProvider.parse(Map.of("name", "_http._tcp.web", "port", "80")))
                .hasMessage("discovery 'dns': port: '80' (expected: no port with type srv: the SRV records carry the"
                        + " ports)");
        assertThatThrownBy(() -> DnsDiscoveryProvider.parse(Map.of("name", "web", "port", "80", "type", "mx")))
                .hasMessage("discovery 'dns': type: 'mx' (expected: one of [a, aaaa, a_aaaa, srv])");
        assertThatThrownBy(() -> DnsDiscoveryProvider.parse(Map.of("name", "web", "port", "80", "servers", "ns1:53")))
                .hasMessage("discovery 'dns': servers: 'ns1:53' (expected: comma-separated ip:port, e.g. 10.0.0.2:53"
                        + " or [fd00::2]:53)");
        assertThatThrownBy(() -> DnsDiscoveryProvider.parse(
                        Map.of("name", "web", "port", "80", "min_ttl", "10s", "max_ttl", "5s")))
                .hasMessage("discovery 'dns': max_ttl: '5s' (expected: >= min_ttl (PT10S))");
        assertThatThrownBy(() -> DnsDiscoveryProvider.parse(Map.of("name", "web", "port", "80", "ttl", "5s")))
                .hasMessage("discovery 'dns': option: 'ttl' (expected: one of [max_ttl, min_ttl, name, port, scheme,"
                        + " servers, timeout, type, weight])");
    }
}
