package org.reverl.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.reverl.gateway.api.BackendAddress.Scheme;

class BackendAddressTest {

    @ParameterizedTest
    @CsvSource({
        "10.0.0.5:8080, http://10.0.0.5:8080",
        "http://10.0.0.5:8080, http://10.0.0.5:8080",
        "http://10.0.0.5:8080/, http://10.0.0.5:8080",
        "https://web.example:8443, https://web.example:8443",
        "tcp://[::1]:9000, tcp://[::1]:9000",
        "[2001:db8::1]:80, http://[2001:db8::1]:80",
        "  localhost:1  , http://localhost:1",
        "my_service.internal:65535, http://my_service.internal:65535",
        "local:b1, local:b1",
        "pid:1234, pid:1234",
        "pidfile:/run/app.pid, pidfile:/run/app.pid",
    })
    void parsesAndFormatsCanonically(String text, String canonical) {
        BackendAddress a = BackendAddress.parse(text);
        assertThat(a).hasToString(canonical);
        assertThat(BackendAddress.parse(a.toString())).isEqualTo(a);
    }

    @Test
    void exposesItsParts() {
        BackendAddress a = BackendAddress.parse("tcp://[::1]:9000");
        assertThat(a.scheme()).isEqualTo(Scheme.TCP);
        assertThat(a.host()).isEqualTo("::1");
        assertThat(a.port()).isEqualTo(9000);
        assertThat(a.hostPort()).isEqualTo("[::1]:9000");
        assertThat(a.isIpLiteral()).isTrue();
        assertThat(BackendAddress.parse("db.example:5432").isIpLiteral()).isFalse();
        assertThat(BackendAddress.parse("db.example:5432", Scheme.TCP).scheme()).isEqualTo(Scheme.TCP);
        BackendAddress p = BackendAddress.parse("pid:42");
        assertThat(p.isNetwork()).isFalse();
        assertThat(p.value()).isEqualTo("42");
        assertThatThrownBy(p::host).isInstanceOf(IllegalStateException.class);
        assertThat(BackendAddress.of(Scheme.HTTP, "[::1]", 80)).isEqualTo(BackendAddress.parse("[::1]:80"));
        assertThat(BackendAddress.parse("HOST.example:80")).isEqualTo(BackendAddress.parse("host.example:80"));
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "10.0.0.1:99999 | address: '10.0.0.1:99999' (expected: port 1-65535)",
                "10.0.0.1:0 | address: '10.0.0.1:0' (expected: port 1-65535)",
                "10.0.0.1 | address: '10.0.0.1' (expected: " + BackendAddress.FORMS + ")",
                "ftp://h:21 | address: 'ftp://h:21' (expected: a scheme of http, https or tcp before ://)",
                "http://h:80/x | address: 'http://h:80/x' (expected: " + BackendAddress.FORMS + ")",
                "tcp://h:80/ | address: 'tcp://h:80/' (expected: no path after a tcp address)",
                "300.1.1.1:80 | address: '300.1.1.1:80' (expected: an IPv4 literal of four numbers 0-255)",
                "[zz::1]:80 | address: '[zz::1]:80' (expected: an IPv6 literal between the brackets)",
                "http://user@h:80 | address: 'http://user@h:80' (expected: a host name of letters, digits, '-', '_' and"
                        + " '.', an IPv4 literal or a bracketed IPv6 literal)",
                "pid:0 | address: 'pid:0' (expected: pid:<pid> with a positive decimal pid)",
                "local: | address: 'local:' (expected: local:<id> with an id of 1-64 characters of [A-Za-z0-9._:-])",
                ":80 | address: ':80' (expected: a host before the port)",
            })
    void rejectsNamingTheValueAndTheRule(String text, String message) {
        assertThatThrownBy(() -> BackendAddress.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(message);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "http://:80", "http://h:", "h:8o"})
    void rejectsMalformed(String text) {
        assertThatThrownBy(() -> BackendAddress.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("address: '" + text + "' (expected: ");
    }

    @Test
    void requireSchemeListsTheAcceptedForms() {
        assertThatThrownBy(() ->
                        BackendAddress.parse("pid:7").requireScheme("backends[0].address", Scheme.HTTP, Scheme.TCP))
                .hasMessage("backends[0].address: 'pid:7' (expected: an address http://host:port, tcp://host:port)");
        assertThat(BackendAddress.parse("h:1").requireScheme("x", Scheme.HTTP)).isNotNull();
    }
}
