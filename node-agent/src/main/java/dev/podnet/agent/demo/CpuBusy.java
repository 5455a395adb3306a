package dev.podnet.agent.demo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How busy this machine's CPUs were since the last look, from the kernel's counters in {@code /proc/stat} (its first
 * line: time spent by all CPUs in user, nice, system, idle, iowait, irq, softirq, steal, in clock ticks). Busy is every
 * counter but idle and iowait, as {@code top} counts it. The demo starts its next pack of agents only once the box is
 * no longer saturated by the last one.
 */
final class CpuBusy
{
    private static final Path PROC_STAT = Path.of("/proc/stat");

    private final Path stat;
    private long lastBusy = -1;
    private long lastTotal = -1;

    CpuBusy()
    {
        this(PROC_STAT);
    }

    CpuBusy(final Path stat)
    {
        this.stat = stat;
        sample();
    }

    /** The busy share of all CPUs since the previous call (0..1), or -1 when it cannot be told (no /proc, no time passed). */
    double sample()
    {
        final long[] ticks = read();
        if (ticks == null)
        {
            return -1;
        }
        final long busy = ticks[0];
        final long total = ticks[1];
        final double share = lastTotal < 0 || total <= lastTotal ? -1 : (double)(busy - lastBusy) / (total - lastTotal);
        lastBusy = busy;
        lastTotal = total;
        return share;
    }

    /** {busy, total} ticks of the {@code cpu} line, or null. */
    private long[] read()
    {
        try
        {
            final String first = Files.readAllLines(stat).stream().filter(line -> line.startsWith("cpu ")).findFirst().orElse(null);
            if (first == null)
            {
                return null;
            }
            final String[] fields = first.trim().split("\\s+");
            long total = 0;
            long idle = 0;
            for (int i = 1; i < fields.length && i <= 8; i++)
            {
                final long value = Long.parseLong(fields[i]);
                total += value;
                if (i == 4 || i == 5)
                {
                    idle += value;
                }
            }
            return new long[]{total - idle, total};
        }
        catch (final IOException | RuntimeException ex)
        {
            return null;
        }
    }
}
