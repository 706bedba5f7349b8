package org.reverl.server;

import java.util.OptionalDouble;

/** Reads one sample out of a Prometheus text-format scrape. */
public final class Scrape {

    private Scrape() {}

    /**
     * The value of the sample {@code series}, written as in the scrape, e.g. {@code
     * reverl_backend_errors_total{backend="b1",kind="5xx",pool="default"}} (labels in alphabetical order); empty if there is none.
     */
    public static OptionalDouble value(String scrape, String series) {
        for (String line : scrape.split("\n")) {
            if (line.startsWith(series + " ")) {
                return OptionalDouble.of(
                        Double.parseDouble(line.substring(series.length() + 1).trim()));
            }
        }
        return OptionalDouble.empty();
    }
}
