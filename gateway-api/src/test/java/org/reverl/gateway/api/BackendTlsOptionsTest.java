package org.reverl.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BackendTlsOptionsTest {

    @Test
    void tags_readBackAsTheSameOptions(@TempDir Path dir) throws Exception {
        Path ca = Files.writeString(dir.resolve("ca.pem"), "-----BEGIN CERTIFICATE-----\n");
        BackendTlsOptions o =
                BackendTlsOptions.none().withVerify(true).withCaBundle(ca).withServerName("api.internal");
        assertThat(o.tags())
                .containsExactly(
                        Map.entry(BackendTlsOptions.VERIFY, "true"),
                        Map.entry(BackendTlsOptions.CA, ca.toString()),
                        Map.entry(BackendTlsOptions.SERVER_NAME, "api.internal"));
        assertThat(BackendTlsOptions.fromTags(o.tags())).isEqualTo(o);
    }

    @Test
    void tagsOutsideTls_ignored_noTlsTags_none() {
        assertThat(BackendTlsOptions.fromTags(Map.of("zone", "a"))).isSameAs(BackendTlsOptions.none());
        assertThat(BackendTlsOptions.none().verify()).isNull();
        assertThat(BackendTlsOptions.none().caBundle()).isNull();
        assertThat(BackendTlsOptions.none().serverName()).isNull();
    }

    @Test
    void badTags_refusedNamingTheTagTheValueAndWhatWasExpected(@TempDir Path dir) {
        assertThatThrownBy(() -> BackendTlsOptions.fromTags(Map.of("tls.verfy", "false")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("tag: 'tls.verfy' (expected: one of tls.verify, tls.ca, tls.serverName)");
        assertThatThrownBy(() -> BackendTlsOptions.fromTags(Map.of(BackendTlsOptions.VERIFY, "no")))
                .hasMessage("tls.verify: 'no' (expected: true or false)");
        assertThatThrownBy(() -> BackendTlsOptions.fromTags(
                        Map.of(BackendTlsOptions.CA, dir.resolve("gone.pem").toString())))
                .hasMessage("tls.ca: '" + dir.resolve("gone.pem") + "' (expected: a readable PEM file)");
        assertThatThrownBy(() -> BackendTlsOptions.fromTags(Map.of(BackendTlsOptions.SERVER_NAME, "a b")))
                .hasMessage("tls.serverName: 'a b' (expected: a DNS name or an IP literal)");
    }
}
