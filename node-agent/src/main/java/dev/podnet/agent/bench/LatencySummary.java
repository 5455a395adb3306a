package dev.podnet.agent.bench;

import java.util.Arrays;

/**
 * Round-trip times of one measurement, summarised: nearest-rank percentiles over the answered probes.
 *
 * @param samples  probes answered (what the percentiles are over)
 * @param lost     probes that got no answer in time, or could not be sent
 * @param p50Nanos median round trip
 * @param p99Nanos 99th percentile
 * @param maxNanos slowest
 */
public record LatencySummary(int samples, int lost, long p50Nanos, long p99Nanos, long maxNanos)
{
    /** Summarises {@code rttNanos} (not modified). No samples gives percentiles of -1. */
    public static LatencySummary of(final long[] rttNanos, final int lost)
    {
        if (rttNanos.length == 0)
        {
            return new LatencySummary(0, lost, -1, -1, -1);
        }
        final long[] sorted = rttNanos.clone();
        Arrays.sort(sorted);
        return new LatencySummary(sorted.length, lost, percentile(sorted, 50), percentile(sorted, 99), sorted[sorted.length - 1]);
    }

    private static long percentile(final long[] sorted, final int percent)
    {
        final int rank = (int)Math.ceil(percent / 100.0 * sorted.length);
        return sorted[Math.max(0, rank - 1)];
    }
}
