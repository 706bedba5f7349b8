package org.reverl.benchmarks.soak;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class SoakOptionsTest {

    @Test
    void defaults() {
        SoakOptions o = SoakOptions.parse("--target", "http://127.0.0.1:8080/");

        assertThat(o.rate()).isEqualTo(2000);
        assertThat(o.warmup()).isEqualTo(Duration.ofSeconds(10));
        assertThat(o.duration()).isEqualTo(Duration.ofMinutes(10));
        assertThat(o.interval()).isEqualTo(Duration.ofMinutes(1));
        assertThat(o.connections()).isEqualTo(16);
        assertThat(o.newConnectionPercent()).isEqualTo(20);
        assertThat(o.timeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(o.maxOutstanding()).isEqualTo(2000);
        assertThat(o.warmupCount()).isEqualTo(20_000);
        assertThat(o.count()).isEqualTo(1_200_000);
        assertThat(o.perInterval()).isEqualTo(120_000);
    }

    @Test
    void warmup_canBeLeftOut() {
        SoakOptions o = SoakOptions.parse("--target", "http://127.0.0.1:8080/", "--warmup", "0s", "--rate", "10");

        assertThat(o.warmup()).isZero();
        assertThat(o.warmupCount()).isZero();
    }

    @Test
    void badValues_failNamingTheOptionTheValueAndWhatWasExpected() {
        assertThatThrownBy(() -> SoakOptions.parse("--target", "http://127.0.0.1:8080/", "--rate", "fast"))
                .hasMessage("soak: --rate: 'fast' (expected: an integer 1-100000)");
        assertThatThrownBy(() -> SoakOptions.parse("--target", "http://127.0.0.1:8080/", "--duration", "1500ms"))
                .hasMessage("soak: --duration: '1500ms' (expected: whole seconds, at most 24h, such as 90s or 10m)");
        assertThatThrownBy(() -> SoakOptions.parse("--target", "https://127.0.0.1/"))
                .hasMessage("soak: --target: 'https://127.0.0.1/'"
                        + " (expected: an http URL with a host and a port, such as http://127.0.0.1:8080/)");
        assertThatThrownBy(() -> SoakOptions.parse("--rate", "10"))
                .hasMessage("soak: --target: missing (expected: a URL such as http://127.0.0.1:8080/)");
        assertThatThrownBy(() -> SoakOptions.parse("--target", "http://127.0.0.1:8080/", "--rate"))
                .hasMessage("soak: --rate: missing (expected: a value after it)");
        assertThatThrownBy(() -> SoakOptions.parse("--target", "http://127.0.0.1:8080/", "--minutes", "3"))
                .hasMessageStartingWith("soak: option: '--minutes' (expected: one of [");
    }

    @Test
    void kinds_areSpreadEvenly() {
        assertThat(LongStream.range(0, 10).mapToObj(i -> Kind.of(i, 20)))
                .containsExactly(
                        Kind.KEEP_ALIVE,
                        Kind.KEEP_ALIVE,
                        Kind.KEEP_ALIVE,
                        Kind.KEEP_ALIVE,
                        Kind.NEW_CONNECTION,
                        Kind.KEEP_ALIVE,
                        Kind.KEEP_ALIVE,
                        Kind.KEEP_ALIVE,
                        Kind.KEEP_ALIVE,
                        Kind.NEW_CONNECTION);
        assertThat(LongStream.range(0, 1000).mapToObj(i -> Kind.of(i, 0))).containsOnly(Kind.KEEP_ALIVE);
        assertThat(LongStream.range(0, 1000).mapToObj(i -> Kind.of(i, 100))).containsOnly(Kind.NEW_CONNECTION);
        assertThat(LongStream.range(0, 1000).filter(i -> Kind.of(i, 33) == Kind.NEW_CONNECTION))
                .hasSize(330);
    }
}
