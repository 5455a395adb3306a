package dev.podnet.agent;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.management.LockInfo;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.time.Duration;

/**
 * Watches a graceful stop: should it take longer than {@code patience}, logs what every thread of the JVM is doing
 * (as {@code jstack} would, with the locks each waits for and holds), once, while the stop goes on. A stop that hangs is
 * otherwise silent until its supervisor's SIGKILL, and then nothing is left to show why.
 */
final class StopWatchdog implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(StopWatchdog.class);

    private final Thread thread;

    private StopWatchdog(final String node, final Duration patience)
    {
        thread = new Thread(() ->
        {
            try
            {
                Thread.sleep(patience.toMillis());
            }
            catch (final InterruptedException ex)
            {
                return; // stopped in time
            }
            LOG.warn("node {} is still stopping after {} s; its threads:\n{}", node, patience.toSeconds(), dump());
        }, "podnet-stop-watchdog-" + node);
        thread.setDaemon(true);
    }

    /** Starts watching a stop of {@code node}. */
    static StopWatchdog watch(final String node, final Duration patience)
    {
        final StopWatchdog watchdog = new StopWatchdog(node, patience);
        watchdog.thread.start();
        return watchdog;
    }

    /** The stop is over (or the dump is under way: it completes, the stop does not wait for it). */
    @Override
    public void close()
    {
        thread.interrupt();
    }

    /** Every live thread: name, state, the lock it waits for and who holds it, its whole stack and the locks it holds. */
    static String dump()
    {
        final StringBuilder out = new StringBuilder();
        for (final ThreadInfo info : ManagementFactory.getThreadMXBean().dumpAllThreads(true, true))
        {
            out.append('"').append(info.getThreadName()).append("\" ").append(info.isDaemon() ? "daemon " : "")
                .append(info.getThreadState());
            if (info.getLockName() != null)
            {
                out.append(" on ").append(info.getLockName());
            }
            if (info.getLockOwnerName() != null)
            {
                out.append(" held by \"").append(info.getLockOwnerName()).append('"');
            }
            out.append('\n');
            final StackTraceElement[] stack = info.getStackTrace();
            for (int i = 0; i < stack.length; i++)
            {
                out.append("    at ").append(stack[i]).append('\n');
                for (final var monitor : info.getLockedMonitors())
                {
                    if (monitor.getLockedStackDepth() == i)
                    {
                        out.append("    - locked ").append(monitor).append('\n');
                    }
                }
            }
            for (final LockInfo lock : info.getLockedSynchronizers())
            {
                out.append("    - holds ").append(lock).append('\n');
            }
        }
        return out.toString();
    }
}
