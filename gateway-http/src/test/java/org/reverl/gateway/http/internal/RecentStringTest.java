package org.reverl.gateway.http.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RecentStringTest {

    private final RecentString recent = new RecentString();

    @Test
    void theSameBytesInAnotherArrayGiveTheSameString() {
        String first = recent.of(bytes("GET /a HTTP/1.1"), 4, 6);
        String second = recent.of(bytes("PUT /a HTTP/1.1"), 4, 6);

        assertThat(first).isEqualTo("/a");
        assertThat(second).isSameAs(first);
    }

    @Test
    void otherBytesGiveANewString() {
        String first = recent.of(bytes("/a"), 0, 2);
        String second = recent.of(bytes("/b"), 0, 2);
        String third = recent.of(bytes("/b/"), 0, 3);

        assertThat(second).isEqualTo("/b").isNotSameAs(first);
        assertThat(third).isEqualTo("/b/");
    }

    @Test
    void aPrefixOfTheLastIsNotTheLast() {
        recent.of(bytes("/abc"), 0, 4);

        assertThat(recent.of(bytes("/abc"), 0, 2)).isEqualTo("/a");
        assertThat(recent.of(bytes("x"), 0, 0)).isEmpty();
    }

    @Test
    void keepsItsOwnCopy_theArrayItCameFromMayChange() {
        byte[] a = bytes("/a");
        String first = recent.of(a, 0, 2);
        a[1] = 'b';

        assertThat(recent.of(a, 0, 2)).isEqualTo("/b");
        assertThat(first).isEqualTo("/a");
    }

    @Test
    void bytesAboveAsciiAreReadAsLatin1() {
        byte[] a = {'/', (byte) 0xe9};

        assertThat(recent.of(a, 0, 2)).isEqualTo("/\u00e9");
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }
}
