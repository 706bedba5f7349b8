package org.reverl.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.reverl.gateway.api.RequestContext.HashKey;

class RequestContextTest {

    @Test
    void hashKey_parsesEachForm_andPrintsItBack() {
        assertThat(HashKey.parse("key", "client_ip")).isSameAs(HashKey.CLIENT_IP);
        assertThat(HashKey.parse("key", " path ")).isSameAs(HashKey.PATH);
        HashKey header = HashKey.parse("key", "header:X-User");
        assertThat(header.source()).isEqualTo(HashKey.Source.HEADER);
        assertThat(header.name()).isEqualTo("X-User");
        assertThat(header).hasToString("header:X-User").isEqualTo(HashKey.parse("key", "header:x-user"));
        assertThat(header.hashCode())
                .isEqualTo(HashKey.parse("key", "header:x-user").hashCode());
        HashKey cookie = HashKey.parse("key", "cookie:session");
        assertThat(cookie).hasToString("cookie:session").isNotEqualTo(HashKey.parse("key", "cookie:Session"));
    }

    @Test
    void hashKey_badText_namesTheFieldTheTextAndTheForms() {
        for (String bad : new String[] {"", "ip", "header:", "header:a b", "cookie:a;b", "query:x"}) {
            assertThatThrownBy(() -> HashKey.parse("strategy.options.key", bad))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("strategy.options.key: '" + bad + "' (expected: client_ip, path, header:<name> or "
                            + "cookie:<name>, where a name is an HTTP token)");
        }
    }

    @Test
    void keyHash_byDefault_knowsOnlyTheClientAddress() {
        RequestContext request = new RequestContext() {
            @Override
            public long affinityHash() {
                return 42;
            }
        };
        assertThat(request.keyHash(HashKey.CLIENT_IP)).isEqualTo(42);
        assertThat(request.keyHash(HashKey.PATH)).isZero();
        assertThat(request.keyHash(HashKey.parse("key", "header:X-User"))).isZero();
        assertThat(RequestContext.NONE.keyHash(HashKey.CLIENT_IP)).isZero();
    }
}
