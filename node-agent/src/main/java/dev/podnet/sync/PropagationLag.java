package dev.podnet.sync;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * How long another node's new pod took to become routable here: from the moment its node wrote it to
 * the replicated table to the moment this node's data plane installed it. A histogram in Prometheus'
 * shape (cumulative buckets, sum, count). Wall clocks of two nodes are compared: exact on one host,
 * as good as NTP across hosts.
 */
public final class PropagationLag
{
    /** Bucket upper bounds in milliseconds (the last bucket, +Inf, is implied). */
    public static final long[] BOUNDS_MS = {5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000};

    private final AtomicLongArray buckets = new AtomicLongArray(BOUNDS_MS.length + 1);
    private final AtomicLong count = new AtomicLong();
    private final AtomicLong sumMs = new AtomicLong();
    private final AtomicLong lastMs = new AtomicLong(-1);

    /** One observation; a negative lag (clocks apart) counts as 0. */
    public void record(final long lagMs)
    {
        final long lag = Math.max(0, lagMs);
        int bucket = 0;
        while (bucket < BOUNDS_MS.length && lag > BOUNDS_MS[bucket])
        {
            bucket++;
        }
        buckets.incrementAndGet(bucket);
        sumMs.addAndGet(lag);
        count.incrementAndGet();
        lastMs.set(lag);
    }

    /** Observations in bucket {@code i} alone (not cumulative); {@code i == BOUNDS_MS.length} is +Inf. */
    public long bucket(final int i)
    {
        return buckets.get(i);
    }

    public long count()
    {
        return count.get();
    }

    public long sumMs()
    {
        return sumMs.get();
    }

    /** The last observation, or -1 before the first. */
    public long lastMs()
    {
        return lastMs.get();
    }
}
