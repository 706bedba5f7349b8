package org.reverl.server.metrics;

/**
 * What one backend did since it was added, as the admin API and the status page show it.
 *
 * @param requests attempts sent to it that ended: its responses plus its failures
 * @param errors its 5xx responses plus its failures
 * @param serverErrors its 5xx responses
 * @param connectFailures attempts that could not connect
 * @param timeouts attempts it left unanswered past the response timeout
 * @param resets attempts whose connection it closed or broke, or answered with an invalid response
 * @param retries requests retried elsewhere after it failed them
 * @param ejections how often it was taken out of rotation for its failures (circuit breaker, outlier detection, a
 *     refused connection), as {@code reverl_backend_events_total{type="ejected"}} counts
 * @param meanMillis mean time of its responses since it was added; 0 before the first
 * @param p50Millis median time of its recent responses (about the last minute); 0 without any
 * @param p99Millis 99th percentile of its recent responses; 0 without any
 * @param maxMillis slowest recent response; 0 without any
 */
public record BackendStats(
        long requests,
        long errors,
        long serverErrors,
        long connectFailures,
        long timeouts,
        long resets,
        long retries,
        long ejections,
        double meanMillis,
        double p50Millis,
        double p99Millis,
        double maxMillis) {

    /** A backend nothing was recorded for. */
    public static final BackendStats EMPTY = new BackendStats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
}
