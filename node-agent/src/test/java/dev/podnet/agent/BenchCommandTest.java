package dev.podnet.agent;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The plumbing of {@code podnet bench overlay}: a second JVM starts, both sides answer, every row is
 * printed. Timings are not asserted: this machine's figures say nothing about a CI runner's.
 */
class BenchCommandTest
{
    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void shouldRunBothJvmsAndPrintEveryRowOfTheTable()
    {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();

        final int exitCode = run(out, err, "bench", "overlay", "--pings", "50", "--warmup", "20", "--seconds", "1",
            "--idle-seconds", "1", "--settle-seconds", "0");

        assertThat(exitCode).as("exit code; stderr: %s", err).isZero();
        assertThat(out.toString()).contains(
            "measuring idle CPU for 1 s...",
            "node-a JVM (parent)",
            "node-b JVM (child)",
            "pod ping a-1 -> b-1, 56 B (110 B tunnel message)",
            "raw Aeron ping-pong (110 B tunnel message)",
            "ratio pod p50 / raw p50",
            "pod UDP 1400 B payload (2 IPv4 fragments)",
            "pod UDP 1385 B payload (1 packet, MTU 1413)",
            "raw Aeron 1400 B messages",
            "ratio pod / raw (MB/s), 1400 B",
            "command: podnet bench overlay --idle-mode efficient --pings 50");
    }

    @Test
    void shouldExitWithTwoOnAnUnknownIdleMode()
    {
        final StringWriter err = new StringWriter();

        final int exitCode = run(new StringWriter(), err, "bench", "overlay", "--idle-mode", "turbo");

        assertThat(exitCode).isEqualTo(2);
        assertThat(err.toString()).contains("unknown idle mode 'turbo'");
    }

    @Test
    void shouldExitWithTwoWhenPingsAreOutOfRange()
    {
        final StringWriter err = new StringWriter();

        final int exitCode = run(new StringWriter(), err, "bench", "overlay", "--pings", "0");

        assertThat(exitCode).isEqualTo(2);
        assertThat(err.toString()).contains("--pings must be 1..10000: 0");
    }

    private static int run(final StringWriter out, final StringWriter err, final String... args)
    {
        final CommandLine cmd = PodnetMain.commandLine();
        cmd.setOut(new PrintWriter(out));
        cmd.setErr(new PrintWriter(err));
        return cmd.execute(args);
    }
}
