package org.reverl.strategy.ewma;

/**
 * The weight {@code exp(-elapsed / decay)} that a {@link LatencyEstimate} keeps after {@code elapsed} nanoseconds,
 * computed as cheaply as its use allows. Immutable.
 */
final class Decay {

    /** Below this share of the decay time the weight is the Taylor polynomial, above it {@link Math#exp}. */
    private static final double POLYNOMIAL_BELOW = 1.0 / 16;

    /** Below this share of the decay time a pick uses an estimate undecayed: it would lose less than 0.1%. */
    private static final double NEGLIGIBLE_BELOW = 1.0 / 1024;

    private final double nanos;
    private final double inverse;
    private final long negligibleNanos;

    /** @param nanos the decay time, above zero */
    Decay(long nanos) {
        if (nanos <= 0) {
            throw new IllegalArgumentException("decay: " + nanos + " ns (expected: > 0)");
        }
        this.nanos = nanos;
        this.inverse = 1.0 / nanos;
        this.negligibleNanos = (long) (nanos * NEGLIGIBLE_BELOW);
    }

    /**
     * {@code exp(-elapsed / decay)}, with negative elapsed time counted as none; in {@code [0, 1]}. Below a sixteenth of
     * the decay time it is the Taylor polynomial {@code 1 - x + x^2 / 2}, within 5e-5 of the exponential.
     */
    double weight(long elapsedNanos) {
        if (elapsedNanos <= 0) {
            return 1.0;
        }
        double x = elapsedNanos * inverse;
        return x < POLYNOMIAL_BELOW ? 1.0 - x * (1.0 - 0.5 * x) : Math.exp(-x);
    }

    /**
     * As {@link #weight}, except that it is exactly 1 below {@code decay / 1024} (10 ms at the default 10 s), where the
     * weight is above 0.999: a backend in use was sampled moments ago, and its pick then costs no arithmetic at all.
     */
    double weightForPick(long elapsedNanos) {
        return elapsedNanos <= negligibleNanos ? 1.0 : weight(elapsedNanos);
    }

    long nanos() {
        return (long) nanos;
    }
}
