package dev.podnet.sync;

import java.time.Duration;

/**
 * How the sync layer keeps the data plane's tables in step with the control plane.
 *
 * @param resyncInterval how often the data plane's route and endpoint tables are read back and compared with
 *                       what the control plane wants (kube-proxy's {@code --sync-period} is 30 s too): the
 *                       safety net under the confirmed, change-by-change sync
 */
public record SyncSettings(Duration resyncInterval)
{
    public static final Duration DEFAULT_RESYNC_INTERVAL = Duration.ofSeconds(30);

    public SyncSettings
    {
        if (resyncInterval == null || resyncInterval.toMillis() < 1)
        {
            throw new IllegalArgumentException("PODNET_RESYNC_INTERVAL: the resync interval must be at least 1 ms: " + resyncInterval);
        }
    }

    public static SyncSettings defaults()
    {
        return new SyncSettings(DEFAULT_RESYNC_INTERVAL);
    }
}
