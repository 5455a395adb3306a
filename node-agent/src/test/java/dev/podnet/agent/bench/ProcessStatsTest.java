package dev.podnet.agent.bench;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Linux's {@code /proc}, as the benchmarks read it, on this very process. */
class ProcessStatsTest
{
    @Test
    void shouldReadThisProcesssCpuTimeAndMemoryFromProc()
    {
        final long pid = ProcessHandle.current().pid();
        final ProcessStats before = ProcessStats.of(pid).orElseThrow();
        final long startedAt = System.nanoTime();
        long spins = 0;
        while (System.nanoTime() - startedAt < 300_000_000L)
        {
            spins++;
        }
        final ProcessStats after = ProcessStats.of(pid).orElseThrow();

        assertThat(spins).isPositive();
        assertThat(after.cpu()).isGreaterThan(before.cpu());
        assertThat(after.coresSince(before, Duration.ofNanos(System.nanoTime() - startedAt))).isPositive();
        assertThat(after.rssKb()).isGreaterThan(10_000);
        assertThat(after.anonKb() + after.fileKb() + after.shmemKb()).isEqualTo(after.rssKb());
        assertThat(after.pssKb()).isPositive().isLessThanOrEqualTo(after.rssKb());
    }

    @Test
    void shouldSayNothingOfAProcessThatIsGone()
    {
        assertThat(ProcessStats.of(Long.MAX_VALUE)).isEmpty();
    }

    @Test
    void shouldTakeTheKilobytesOfTheNamedFieldOnly()
    {
        final List<String> status = List.of("Name:\tjava", "VmRSS:\t  314748 kB", "RssAnon:\t  275200 kB");

        assertThat(ProcessStats.kilobytes(status, "VmRSS:")).isEqualTo(314748);
        assertThat(ProcessStats.kilobytes(status, "RssAnon:")).isEqualTo(275200);
        assertThat(ProcessStats.kilobytes(status, "RssShmem:")).isEqualTo(-1);
    }

    @Test
    void shouldGiveThreeLoadAverages()
    {
        assertThat(ProcessStats.loadAverage()).matches("\\d+\\.\\d+ \\d+\\.\\d+ \\d+\\.\\d+");
    }
}
