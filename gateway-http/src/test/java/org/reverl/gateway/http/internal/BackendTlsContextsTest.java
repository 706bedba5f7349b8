package org.reverl.gateway.http.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.handler.ssl.SslContext;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reverl.gateway.api.BackendTlsOptions;
import org.reverl.gateway.http.BackendTlsSettings;

class BackendTlsContextsTest {

    @Test
    void defaults_builtAtTheFirstHttpsBackend_notAtStart() {
        BackendTlsContexts contexts = new BackendTlsContexts(BackendTlsSettings.defaults());

        assertThat(contexts.built(BackendTlsSettings.defaults())).isFalse();

        SslContext first = contexts.context(BackendTlsOptions.none());
        assertThat(first.isClient()).isTrue();
        assertThat(contexts.built(BackendTlsSettings.defaults())).isTrue();
        assertThat(contexts.context(BackendTlsOptions.none())).isSameAs(first);
    }

    @Test
    void settingsThatReadAFile_builtAtStart_soABadFileFailsTheStart(@TempDir Path dir) throws Exception {
        Path notPem = dir.resolve("ca.pem");
        Files.writeString(notPem, "not a certificate", StandardCharsets.US_ASCII);
        BackendTlsSettings settings = BackendTlsSettings.defaults().withCaBundle(notPem);

        assertThatThrownBy(() -> new BackendTlsContexts(settings))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("backendTls: ");
    }

    @Test
    void insecureSettings_builtAtStart() {
        BackendTlsSettings insecure = BackendTlsSettings.defaults().insecure();

        assertThat(new BackendTlsContexts(insecure).built(insecure)).isTrue();
    }
}
