package org.reverl.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The runnable example prints the seed session's answers. */
class SeedSessionTest {

    @Test
    void run_printsTheSeedAnswers() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        SeedSession.run(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String out = bytes.toString(StandardCharsets.UTF_8);

        assertThat(out).containsPattern("6> rpc\\(G, 21\\) +42");
        assertThat(out).containsPattern("7> rpc\\(G, 21\\) +63");
        assertThat(out).containsPattern("8> rpc\\(G, 21\\) +84");
        assertThat(out).containsPattern("12> list_be\\(G\\) +\\[b1, b3, b4\\]");
        assertThat(out).containsPattern("14> rpc\\(G, 21\\) +105");
        assertThat(out).containsPattern("15> rpc\\(G, 21\\) +84");
        assertThat(out).containsPattern("16> rpc\\(G, 21\\) +105");
        assertThat(out).contains("b1 DOWN, b3 UP, b4 UP");
    }
}
