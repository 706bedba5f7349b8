package org.reverl.health.tcp;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The bounded back-off, a small circuit breaker, for one backend.
 *
 * <ul>
 *   <li><em>Closed</em>: every probe connects. After {@code after} consecutive failures it opens.
 *   <li><em>Open</em>: probes return down at once, without connecting, until the wait has elapsed. The first wait is
 *       {@code initial}; each failed trial doubles it, up to {@code max}.
 *   <li>The first probe after the wait is a trial: it connects. Success closes the breaker and forgets every failure,
 *       so the backend is probed at the normal interval again; failure opens it for the doubled wait.
 * </ul>
 *
 * <p>Thread-safe: methods are synchronized; they run once per probe on the health scheduler, never on a request path.
 */
final class ProbeBackOff {

    private final int after;
    private final long initialNanos;
    private final long maxNanos;

    private int failures;
    private String lastReason = "";
    private long openUntil; // valid when failures >= after

    ProbeBackOff(int after, Duration initial, Duration max) {
        this.after = after;
        this.initialNanos = initial.toNanos();
        this.maxNanos = max.toNanos();
    }

    /** The reason to skip this probe if the breaker is open at {@code now}, else {@code null}: probe. */
    synchronized String skipReason(long now) {
        if (failures < after) {
            return null;
        }
        long left = openUntil - now;
        if (left <= 0) {
            return null;
        }
        return "probe back-off: " + failures + " consecutive failures, last: " + lastReason + "; next probe in "
                + TimeUnit.NANOSECONDS.toMillis(left + TimeUnit.MILLISECONDS.toNanos(1) - 1) + "ms";
    }

    synchronized void onSuccess() {
        failures = 0;
        lastReason = "";
    }

    synchronized void onFailure(String reason, long now) {
        if (failures < Integer.MAX_VALUE) {
            failures++;
        }
        lastReason = reason;
        if (failures >= after) {
            openUntil = now + wait(failures - after);
        }
    }

    /** {@code initial * 2^doublings}, at most {@code max}, without overflow. */
    long wait(int doublings) {
        if (doublings >= 63 || initialNanos > (maxNanos >> doublings)) {
            return maxNanos;
        }
        return Math.min(initialNanos << doublings, maxNanos);
    }

    synchronized int failures() {
        return failures;
    }
}
