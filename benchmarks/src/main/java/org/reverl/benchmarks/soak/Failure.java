package org.reverl.benchmarks.soak;

/** Why a request counts as failed. */
enum Failure {
    /** An answer with a status outside 200-299. */
    STATUS("not 2xx"),
    /** No complete answer within the timeout, counted from the request's intended send time. */
    TIMEOUT("timeout"),
    /** Its connection could not be opened. */
    CONNECT("connect failed"),
    /** Its connection closed (or was reset) before the whole answer arrived. */
    CLOSED("closed before the answer"),
    /** An answer that is not valid HTTP/1.1. */
    MALFORMED("malformed answer"),
    /** Never sent: as many requests as the bound were outstanding when it was due. */
    OVER_BOUND("over the outstanding bound");

    private final String label;

    Failure(String label) {
        this.label = label;
    }

    /** How the reports name it. */
    String label() {
        return label;
    }
}
