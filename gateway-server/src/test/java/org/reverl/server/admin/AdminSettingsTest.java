package org.reverl.server.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class AdminSettingsTest {

    private static final String TOKEN = "0123456789abcdef-token";

    @Test
    void defaults_loopback8081_noToken() {
        AdminSettings s = AdminSettings.defaults();
        assertThat(s.listen().getAddress().isLoopbackAddress()).isTrue();
        assertThat(s.listen().getPort()).isEqualTo(8081);
        assertThat(s.requiresToken()).isFalse();
    }

    @Test
    void of_wildcardWithoutToken_refused() {
        assertThatThrownBy(() -> AdminSettings.of(new InetSocketAddress("0.0.0.0", 8081), null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("admin token: none for 0.0.0.0:8081 (expected: a token when the admin API listens on a"
                        + " non-loopback address, or a loopback address such as 127.0.0.1)");
    }

    @Test
    void of_wildcardWithToken_accepted() {
        assertThat(AdminSettings.of(new InetSocketAddress("0.0.0.0", 8081), TOKEN)
                        .requiresToken())
                .isTrue();
    }

    @Test
    void of_shortToken_refusedWithoutEchoingIt() {
        assertThatThrownBy(() -> AdminSettings.of(new InetSocketAddress("127.0.0.1", 0), "secret"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("admin token: <6 characters, hidden> (expected: 16-512 characters of [A-Za-z0-9-._~+/=])")
                .hasMessageNotContaining("secret");
    }

    @Test
    void toString_hidesToken() {
        assertThat(AdminSettings.of(new InetSocketAddress("127.0.0.1", 9), TOKEN)
                        .toString())
                .isEqualTo("AdminSettings[listen=127.0.0.1:9, token=<hidden>, maxBodyBytes=65536]");
    }
}
