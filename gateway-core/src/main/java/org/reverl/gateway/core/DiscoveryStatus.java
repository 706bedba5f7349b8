package org.reverl.gateway.core;

import java.time.Instant;

/**
 * Where a {@link DiscoveryFollower} stands, for metrics, readiness and the admin API. Immutable.
 *
 * @param source the source's description
 * @param synced whether the last word from the registry was a usable snapshot ({@code false} before the first one and
 *     while the registry fails)
 * @param backends how many discovered backends are members and not draining
 * @param lastSync when the last usable snapshot was applied, or {@code null} if none was yet
 * @param lastError the last failure, or {@code null} if the registry never failed
 * @param snapshots usable snapshots applied so far
 * @param failures failures reported so far, including empty snapshots
 * @param skipped registry entries that started being skipped, so far
 */
public record DiscoveryStatus(
        String source,
        boolean synced,
        int backends,
        Instant lastSync,
        String lastError,
        long snapshots,
        long failures,
        long skipped) {}
