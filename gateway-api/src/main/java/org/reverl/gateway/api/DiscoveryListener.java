package org.reverl.gateway.api;

/**
 * Receives what a {@link DiscoverySource} reads from its registry. Calls come one at a time from the source's threads;
 * implementations return quickly and do not block.
 */
public interface DiscoveryListener {

    /** The registry names these backends now; replaces every earlier snapshot. */
    void onSnapshot(DiscoverySnapshot snapshot);

    /**
     * The registry could not be read, or gave nothing usable; the last snapshot still stands.
     *
     * @param reason what failed, e.g. {@code web.example: NXDOMAIN} or {@code etcd 127.0.0.1:2379: unavailable}
     */
    void onFailure(String reason);
}
