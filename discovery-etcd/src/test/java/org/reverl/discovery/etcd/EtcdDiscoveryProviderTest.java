package org.reverl.discovery.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.reverl.discovery.etcd.EtcdDiscoveryProvider.EtcdOptions;
import org.reverl.gateway.api.BackendSpec;
import org.reverl.gateway.core.ProviderRegistry;

class EtcdDiscoveryProviderTest {

    private static final String PREFIX = "/reverl/pools/web/";

    @Test
    void isFoundByServiceLoader_asEtcd() {
        assertThat(ProviderRegistry.load().sourceProvider("etcd")).get().isInstanceOf(EtcdDiscoveryProvider.class);
    }

    @Test
    void options_haveDefaults_andTheBackOffDoublesUpToItsMax() {
        EtcdOptions o = EtcdDiscoveryProvider.parse(
                Map.of("endpoints", "http://10.0.0.1:2379, http://10.0.0.2:2379", "prefix", PREFIX));
        assertThat(o.endpoints()).hasSize(2);
        assertThat(o.tls()).isFalse();
        assertThat(o.retryAfter(1)).isEqualTo(Duration.ofMillis(500));
        assertThat(o.retryAfter(2)).isEqualTo(Duration.ofSeconds(1));
        assertThat(o.retryAfter(7)).isEqualTo(Duration.ofSeconds(30));
        assertThat(o.retryAfter(10_000)).isEqualTo(Duration.ofSeconds(30));
        EtcdOptions auth = EtcdDiscoveryProvider.parse(
                Map.of("endpoints", "http://10.0.0.1:2379", "prefix", PREFIX, "user", "reverl", "password", "s3cret"));
        assertThat(auth.toString()).doesNotContain("s3cret");
    }

    @Test
    void badOptions_failNamingTheOptionTheValueAndWhatWasExpected() {
        assertThatThrownBy(() -> EtcdDiscoveryProvider.parse(Map.of("prefix", PREFIX)))
                .hasMessage("discovery 'etcd': endpoints: missing (expected: comma-separated http://host:port)");
        assertThatThrownBy(() -> EtcdDiscoveryProvider.parse(Map.of("endpoints", "10.0.0.1:2379", "prefix", PREFIX)))
                .hasMessage("discovery 'etcd': endpoints: '10.0.0.1:2379' (expected: comma-separated http://host:port"
                        + " or https://host:port)");
        assertThatThrownBy(() -> EtcdDiscoveryProvider.parse(
                        Map.of("endpoints", "http://10.0.0.1:2379", "prefix", "/reverl/pools/web")))
                .hasMessage("discovery 'etcd': prefix: '/reverl/pools/web' (expected: a key prefix ending with /, such"
                        + " as /reverl/pools/web/)");
        assertThatThrownBy(() -> EtcdDiscoveryProvider.parse(
                        Map.of("endpoints", "http://10.0.0.1:2379", "prefix", PREFIX, "user", "reverl")))
                .hasMessage("discovery 'etcd': password: missing (expected: user and password together)");
        assertThatThrownBy(() -> EtcdDiscoveryProvider.parse(
                        Map.of("endpoints", "http://10.0.0.1:2379", "prefix", PREFIX, "tls_ca", "/nonexistent.pem")))
                .hasMessage("discovery 'etcd': tls_ca: '/nonexistent.pem' (expected: a readable PEM file)");
    }

    @Test
    void values_areReadIntoBackends_orSkippedWithTheKeyAndTheReason() {
        assertThat(BackendEntry.parse(PREFIX, PREFIX + "web-1", "{\"address\":\"10.0.0.5:8080\",\"extra\":1}")
                        .spec())
                .isEqualTo(BackendSpec.of("web-1", "http://10.0.0.5:8080"));
        assertThat(BackendEntry.parse(PREFIX, PREFIX + "web-1", "{\"address\":\"https://[fd00::5]:8443\"}")
                        .spec()
                        .address())
                .isEqualTo("https://[fd00::5]:8443");
        assertThat(BackendEntry.parse(PREFIX, PREFIX + "a/b", "{\"address\":\"10.0.0.5:8080\"}")
                        .problem())
                .isEqualTo("key /reverl/pools/web/a/b: the part after the prefix is the backend's id (expected: one"
                        + " level, such as /reverl/pools/web/web-1)");
        assertThat(BackendEntry.parse(PREFIX, PREFIX + "web-1", "[1]").problem())
                .isEqualTo("key /reverl/pools/web/web-1: not a JSON object: [1] (expected: {\"address\":"
                        + " \"host:port\"})");
        assertThat(BackendEntry.parse(PREFIX, PREFIX + "web-1", "{\"address\":\"http://10.0.0.5:8080/x\"}")
                        .problem())
                .contains("address: \"http://10.0.0.5:8080/x\"");
        assertThat(BackendEntry.parse(PREFIX, PREFIX + "web-1", "{\"address\":\"10.0.0.5:80\",\"tags\":{\"a\":1}}")
                        .problem())
                .isEqualTo("key /reverl/pools/web/web-1: tags.a: 1 (expected: a string)");
        assertThat(BackendEntry.parse(PREFIX, PREFIX + "-bad", "{\"address\":\"10.0.0.5:80\"}")
                        .problem())
                .startsWith("key /reverl/pools/web/-bad: backend id: '-bad'");
    }
}
