package dev.podnet.agent;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * How long a supervisor (the demo for an agent JVM, a pack for a packed agent) waits before restarting an agent that
 * exited: {@link #FIRST} after the first
 * exit, doubling while the agent keeps dying young, at most {@link #MAX}; an agent that had lived at
 * least {@link #STABLE} before it exited starts over from {@link #FIRST} (a node downed by the
 * cluster after an hour is not a crash loop). Not thread-safe: one per supervised agent.
 */
public final class RestartBackoff
{
    public static final Duration FIRST = Duration.ofSeconds(1);
    public static final Duration MAX = Duration.ofSeconds(30);
    /** Longer than an agent takes to start and join on a busy box, so that a loop is seen as one. */
    public static final Duration STABLE = Duration.ofSeconds(60);

    private Duration last;

    /**
     * The delay before the next start.
     *
     * @param lived how long the life that just ended lasted
     */
    public Duration next(final Duration lived)
    {
        if (last == null || lived.compareTo(STABLE) >= 0)
        {
            last = FIRST;
        }
        else
        {
            final Duration doubled = last.multipliedBy(2);
            last = doubled.compareTo(MAX) > 0 ? MAX : doubled;
        }
        return last;
    }

    /**
     * Waits {@code delay} on {@code lock}, which the caller holds and notifies when {@code stopping} turns true.
     *
     * @return true when the delay has passed, false when {@code stopping} came first or the thread was interrupted
     */
    public static boolean awaitDelay(final Object lock, final BooleanSupplier stopping, final Duration delay)
    {
        final long deadline = System.nanoTime() + delay.toNanos();
        long left;
        while (!stopping.getAsBoolean() && (left = deadline - System.nanoTime()) > 0)
        {
            try
            {
                TimeUnit.NANOSECONDS.timedWait(lock, left);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return !stopping.getAsBoolean();
    }
}
