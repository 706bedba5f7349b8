package org.reverl.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class RetryOnTest {

    @Test
    void classesAndCodes() {
        RetryOn on = RetryOn.parse("retry.on", List.of("gateway-error", "429"));
        assertThat(on.matches(502)).isTrue();
        assertThat(on.matches(503)).isTrue();
        assertThat(on.matches(504)).isTrue();
        assertThat(on.matches(429)).isTrue();
        assertThat(on.matches(500)).isFalse();
        assertThat(on.matches(200)).isFalse();
        assertThat(on.toString()).isEqualTo("gateway-error,429");

        RetryOn all = RetryOn.parse("retry.on", List.of("5xx"));
        assertThat(all.matches(500)).isTrue();
        assertThat(all.matches(599)).isTrue();
        assertThat(all.matches(499)).isFalse();
        assertThat(all.matches(600)).isFalse();
    }

    @Test
    void none_matchesNothing_evenOutOfRange() {
        for (int s : new int[] {-1, 0, 100, 399, 400, 503, 599, 600, Integer.MAX_VALUE, Integer.MIN_VALUE}) {
            assertThat(RetryOn.NONE.matches(s)).isFalse();
            assertThat(RetryOn.parse("x", List.of("5xx", "400")).matches(s))
                    .isEqualTo(s >= 500 && s <= 599 || s == 400);
        }
        assertThat(RetryOn.parse("retry.on", List.of())).isSameAs(RetryOn.NONE);
    }

    @Test
    void tokensAreTrimmed() {
        assertThat(RetryOn.parse("retry.on", List.of(" 503 ")).matches(503)).isTrue();
    }

    @Test
    void badTokens_nameTheSettingAndTheToken() {
        for (String bad : new String[] {"200", "600", "4xx", "50", "5031", "", "x03"}) {
            assertThatThrownBy(() -> RetryOn.parse("pools.web.retry.on", List.of("503", bad)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("pools.web.retry.on")
                    .hasMessageContaining("\"" + bad + "\"")
                    .hasMessageContaining("5xx, gateway-error, or a status code from 400 to 599");
        }
    }
}
