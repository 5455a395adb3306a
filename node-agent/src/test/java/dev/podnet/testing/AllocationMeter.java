package dev.podnet.testing;

import java.lang.management.ManagementFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Counts the bytes the current thread allocates while running some work, for tests that prove a
 * path allocates nothing per frame. Timing-free and robust to JIT noise: it warms up, then reports
 * the quietest of several rounds (one allocation per operation would show in every round).
 */
public final class AllocationMeter
{
    private AllocationMeter()
    {
    }

    /** Bytes allocated by the quietest of {@code rounds} runs of {@code round}, after {@code warmups} unmeasured runs. */
    public static long quietestRound(final Runnable round, final int warmups, final int rounds)
    {
        final com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        assertThat(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled())
            .as("this JVM counts allocated bytes per thread").isTrue();
        final long threadId = Thread.currentThread().getId();
        for (int i = 0; i < warmups; i++)
        {
            round.run();
        }
        long fewest = Long.MAX_VALUE;
        for (int i = 0; i < rounds; i++)
        {
            final long before = threads.getThreadAllocatedBytes(threadId);
            round.run();
            fewest = Math.min(fewest, threads.getThreadAllocatedBytes(threadId) - before);
        }
        return fewest;
    }
}
