package org.reverl.benchmarks.soak;

/** How a request reaches the proxy. */
enum Kind {
    /** On one of a fixed pool of connections, reused request after request. */
    KEEP_ALIVE,
    /** On a connection of its own, opened for it and closed after the answer ({@code Connection: close}). */
    NEW_CONNECTION;

    /**
     * The kind of request {@code index} when {@code newConnectionPercent} of them open a connection: spread evenly,
     * e.g. every fifth at 20%, so that every stretch of the run has the same mix.
     */
    static Kind of(long index, int newConnectionPercent) {
        return (index + 1) * newConnectionPercent / 100 > index * newConnectionPercent / 100
                ? NEW_CONNECTION
                : KEEP_ALIVE;
    }
}
