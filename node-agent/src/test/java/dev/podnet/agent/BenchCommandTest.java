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
            "underlay MTU 1500, Aeron MTU 1472 (up to 1440 B per frame), pod MTU 1413",
            "pod UDP 1400 B payload (2 IPv4 fragments)",
            "pod UDP 1385 B payload (1 packet, MTU 1413)",
            "raw Aeron 1400 B messages (1 Aeron frame)",
            "ratio pod / raw (MB/s), 1400 B",
            "pod UDP 1400 B: yes, 1428-byte packets > pod MTU 1413: 2 IPv4 fragments",
            "raw Aeron 1400 B: no, up to 1440 B per Aeron frame",
            "command: podnet bench overlay --idle-mode efficient --underlay-mtu 1500 --pings 50");
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void shouldGiveBothNodesAndTheRawEndpointsTheUnderlayMtu()
    {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();

        final int exitCode = run(out, err, "bench", "overlay", "--underlay-mtu", "9000", "--pings", "20", "--warmup", "0",
            "--seconds", "1", "--idle-seconds", "1", "--settle-seconds", "0");

        assertThat(exitCode).as("exit code; stderr: %s", err).isZero();
        assertThat(out.toString()).contains(
            "underlay MTU 9000, Aeron MTU 8960 (up to 8928 B per frame), pod MTU 8901",
            "pod UDP 1400 B payload (1 packet, MTU 8901)",
            "pod UDP 8873 B payload (1 packet, MTU 8901)",
            "raw Aeron 1400 B messages (1 Aeron frame)",
            "pod UDP 1400 B: no, 1428-byte packets, pod MTU 8901",
            "--underlay-mtu 9000");
    }

    @Test
    void shouldExitWithTwoNamingTheOptionWhenTheIdleWindowIsOutOfRange()
    {
        final StringWriter err = new StringWriter();

        assertThat(run(new StringWriter(), err, "bench", "idle", "--seconds", "1")).isEqualTo(2);
        assertThat(err.toString()).contains("--seconds: 1 is outside 5..3600");
        assertThat(run(new StringWriter(), err, "bench", "idle", "--settle-seconds", "-1")).isEqualTo(2);
        assertThat(err.toString()).contains("--settle-seconds: -1 is outside 0..600");
        assertThat(run(new StringWriter(), err, "bench", "idle", "--nodes", "0")).isEqualTo(2);
        assertThat(err.toString()).contains("--nodes: 0 is outside 1..");
    }

    @Test
    void shouldExitWithTwoWhenTheUnderlayMtuIsOutOfRange()
    {
        final StringWriter err = new StringWriter();

        final int exitCode = run(new StringWriter(), err, "bench", "overlay", "--underlay-mtu", "1000");

        assertThat(exitCode).isEqualTo(2);
        assertThat(err.toString()).contains("--underlay-mtu must be 1280..9216: 1000");
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
