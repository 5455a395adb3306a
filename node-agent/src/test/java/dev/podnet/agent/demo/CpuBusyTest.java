package dev.podnet.agent.demo;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The busy share of the CPUs, from the kernel's counters: this machine's, and a file in /proc/stat's format. */
class CpuBusyTest
{
    @TempDir
    Path dir;

    @Test
    void shouldCountEverythingButIdleAndIowaitAsBusy() throws Exception
    {
        final Path stat = dir.resolve("stat");
        //                       user nice system idle iowait irq softirq steal
        Files.writeString(stat, "cpu  100 0 50 800 50 0 0 0 0 0\ncpu0 50 0 25 400 25 0 0 0 0 0\nintr 1\n");
        final CpuBusy cpu = new CpuBusy(stat);
        Files.writeString(stat, "cpu  250 10 90 900 50 0 0 0 0 0\ncpu0 1 1 1 1 1 0 0 0 0 0\n");

        // busy +150 +10 +40 = 200 of 300 ticks
        assertThat(cpu.sample()).isCloseTo(200.0 / 300.0, within(1e-9));
        assertThat(cpu.sample()).as("no time passed since").isEqualTo(-1);
    }

    @Test
    void shouldSayItCannotTellWithoutTheFile() throws Exception
    {
        final CpuBusy cpu = new CpuBusy(dir.resolve("missing"));

        assertThat(cpu.sample()).isEqualTo(-1);
    }

    @Test
    void shouldReadThisMachinesCounters() throws Exception
    {
        final CpuBusy cpu = new CpuBusy();
        final long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(5);
        double busy = cpu.sample();
        while (busy < 0 && System.nanoTime() < deadline)
        {
            busy = cpu.sample(); // -1 until the kernel's counters have moved by a tick
        }

        assertThat(busy).as("Linux has /proc/stat, and its counters move").isBetween(0.0, 1.0);
    }
}
