package dev.podnet.agent.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * What one process costs, read from Linux's {@code /proc} as {@code top} and {@code ps} read it: its CPU
 * time (every thread, JIT and GC included, as the kernel accounts it) and its memory.
 * <ul>
 *   <li>RSS is what the process has in physical memory: anonymous pages (heap, metaspace, thread stacks,
 *       code, malloc), file pages it mapped (the JDK's modules and a class data sharing archive, shared
 *       with every JVM that maps the same file) and shared memory (Aeron's files in {@code /dev/shm});</li>
 *   <li>PSS charges each shared page to its sharers in equal parts: what the process adds to the machine
 *       when several agents map the same files.</li>
 * </ul>
 *
 * @param cpu     CPU time used since the process started
 * @param rssKb   resident set size ({@code VmRSS})
 * @param anonKb  anonymous part of it ({@code RssAnon})
 * @param fileKb  file-backed part ({@code RssFile})
 * @param shmemKb shared memory part ({@code RssShmem})
 * @param pssKb   proportional set size ({@code Pss} of {@code smaps_rollup}); -1 where the kernel does not say
 */
public record ProcessStats(Duration cpu, long rssKb, long anonKb, long fileKb, long shmemKb, long pssKb)
{
    private static final Path PROC = Path.of("/proc");

    /** The process's figures now; empty when it is gone (or this is not Linux). */
    public static Optional<ProcessStats> of(final long pid)
    {
        final Optional<ProcessHandle> process = ProcessHandle.of(pid);
        final Optional<Duration> cpu = process.flatMap(handle -> handle.info().totalCpuDuration());
        if (cpu.isEmpty())
        {
            return Optional.empty();
        }
        try
        {
            final List<String> status = Files.readAllLines(PROC.resolve(Long.toString(pid)).resolve("status"), StandardCharsets.UTF_8);
            final Path rollup = PROC.resolve(Long.toString(pid)).resolve("smaps_rollup");
            final long pss = Files.isReadable(rollup) ? kilobytes(Files.readAllLines(rollup, StandardCharsets.UTF_8), "Pss:") : -1;
            return Optional.of(new ProcessStats(cpu.get(), kilobytes(status, "VmRSS:"), kilobytes(status, "RssAnon:"),
                kilobytes(status, "RssFile:"), kilobytes(status, "RssShmem:"), pss));
        }
        catch (final IOException ex)
        {
            return Optional.empty(); // exited meanwhile
        }
    }

    /** The value in kB of the line that starts with {@code field} ({@code "VmRSS:   1234 kB"}); -1 when there is none. */
    static long kilobytes(final List<String> lines, final String field)
    {
        for (final String line : lines)
        {
            if (line.startsWith(field))
            {
                final String[] words = line.substring(field.length()).trim().split("\\s+");
                return Long.parseLong(words[0]);
            }
        }
        return -1;
    }

    /** The 1, 5 and 15 minute load averages as the kernel prints them ({@code /proc/loadavg}), or "unknown". */
    public static String loadAverage()
    {
        try
        {
            final String[] fields = Files.readString(PROC.resolve("loadavg"), StandardCharsets.UTF_8).trim().split("\\s+");
            return fields[0] + " " + fields[1] + " " + fields[2];
        }
        catch (final IOException | RuntimeException ex)
        {
            return "unknown";
        }
    }

    /** Cores used on average between {@code before} and this, over {@code wall}. */
    public double coresSince(final ProcessStats before, final Duration wall)
    {
        return (double)cpu.minus(before.cpu).toNanos() / wall.toNanos();
    }
}
