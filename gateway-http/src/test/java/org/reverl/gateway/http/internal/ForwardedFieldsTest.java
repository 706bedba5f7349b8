package org.reverl.gateway.http.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import org.junit.jupiter.api.Test;

/** The forwarding fields: what a client may not forge, what a trusted proxy's chain keeps, and RFC 7239's syntax. */
class ForwardedFieldsTest {

    private static HttpHeaders clientFields() {
        return new DefaultHttpHeaders()
                .add("Host", "a.example")
                .add("X-Forwarded-For", "6.6.6.6")
                .add("X-Forwarded-Host", "evil")
                .add("Forwarded", "for=6.6.6.6")
                .add("X-Real-IP", "6.6.6.6");
    }

    private static int fields(HttpHeaders h) {
        return HeaderRules.hopByHopFields(h);
    }

    @Test
    void untrustedPeer_forgedFieldsReplacedOrRemoved() {
        HttpHeaders h = clientFields();
        HeaderRules.setForwarded(h, fields(h), "192.0.2.1", HeaderRules.HTTPS, false, false);
        assertThat(h.get("X-Forwarded-For")).isEqualTo("192.0.2.1");
        assertThat(h.get("X-Forwarded-Proto")).isEqualTo("https");
        assertThat(h.get("X-Forwarded-Host")).isEqualTo("a.example");
        assertThat(h.contains("Forwarded")).isFalse();
        assertThat(h.contains("X-Real-IP")).isFalse();
    }

    @Test
    void untrustedPeer_rfc7239_oneElementOfOurOwn() {
        HttpHeaders h = clientFields();
        HeaderRules.setForwarded(h, fields(h), "192.0.2.1", HeaderRules.HTTP, false, true);
        assertThat(h.getAll("Forwarded")).containsExactly("for=192.0.2.1;proto=http;host=a.example");
    }

    @Test
    void trustedPeer_chainKept_andThisHopAppended() {
        HttpHeaders h = clientFields();
        HeaderRules.setForwarded(h, fields(h), "10.0.0.9", HeaderRules.HTTP, true, true);
        assertThat(h.get("X-Forwarded-For")).isEqualTo("6.6.6.6, 10.0.0.9");
        assertThat(h.get("X-Forwarded-Host")).isEqualTo("evil");
        assertThat(h.get("X-Real-IP")).isEqualTo("6.6.6.6");
        assertThat(h.get("Forwarded")).isEqualTo("for=6.6.6.6, for=10.0.0.9;proto=http;host=a.example");
    }

    @Test
    void rfc7239_ipv6QuotedInBrackets_hostWithPortQuoted() {
        assertThat(HeaderRules.forwardedElement("2001:db8::1", HeaderRules.HTTPS, "a.example:8443"))
                .isEqualTo("for=\"[2001:db8::1]\";proto=https;host=\"a.example:8443\"");
    }
}
