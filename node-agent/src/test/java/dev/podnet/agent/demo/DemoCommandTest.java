package dev.podnet.agent.demo;

import dev.podnet.diag.LoopbackPorts;
import dev.podnet.agent.DemoCommand;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Usage errors only: a command line that passes validation would start a cluster. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class DemoCommandTest
{
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(final String... args)
    {
        final CommandLine cmd = new CommandLine(new DemoCommand());
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        return cmd.execute(args);
    }

    private String firstErrorLine()
    {
        return err.toString().lines().findFirst().orElse("");
    }

    @Test
    void shouldExitWith2NamingNodesWhenTheNodeCountIsOutOfRange()
    {
        assertThat(run("--nodes", "51")).isEqualTo(2);
        assertThat(firstErrorLine()).isEqualTo("--nodes: 51 is outside 1..50");
        assertThat(err.toString()).contains("Usage: demo");
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void shouldExitWith2NamingAgentsPerJvmWhenTheNodesWouldNeedMoreThanTenJvms()
    {
        assertThat(run("--nodes", "11", "--agents-per-jvm", "1")).isEqualTo(2);
        assertThat(firstErrorLine()).isEqualTo("--agents-per-jvm: 11 nodes, 1 to a JVM, make 11 agent JVMs: at most 10 (each " +
            "needs ~250 MB and starts slowly); pack 2 or more to a JVM");
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void shouldExitWith2NamingPodsWhenThePodCountIsOutOfRange()
    {
        assertThat(run("--pods", "11")).isEqualTo(2);
        assertThat(firstErrorLine()).isEqualTo("--pods: 11 pods per node is outside 0..10");
    }

    @Test
    void shouldExitWith2NamingApiPortWhenAnApiPortIsInUse() throws Exception
    {
        final int base = LoopbackPorts.consecutiveFree(2, false);
        try (ServerSocket taken = new ServerSocket())
        {
            taken.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), base + 1), 1);

            final int code = run("--nodes", "2", "--api-port", Integer.toString(base),
                "--cluster-port", Integer.toString(LoopbackPorts.consecutiveFree(2, false)),
                "--tunnel-port", Integer.toString(LoopbackPorts.consecutiveFree(2, true)));

            assertThat(code).isEqualTo(2);
            assertThat(firstErrorLine()).startsWith("--api-port: TCP port " + (base + 1) + " (node-2's API port, --api-port " + base +
                " + 1) is in use on 127.0.0.1: stop what holds it, or choose another base with --api-port");
            assertThat(out.toString()).as("nothing started").isEmpty();
        }
    }

    @Test
    void shouldExitWith2OnAnUnknownIdleMode()
    {
        assertThat(run("--idle-mode", "turbo")).isEqualTo(2);
        assertThat(firstErrorLine()).startsWith("--idle-mode: ");
    }

    @Test
    void shouldExitWith2OnATunnelIdleTimeTheAgentsWouldRefuse()
    {
        assertThat(run("--tunnel-idle-ms", "50")).isEqualTo(2);
        assertThat(firstErrorLine()).startsWith("--tunnel-idle-ms: 50 ms is shorter than 100 ms (0: never");
    }

    @Test
    void shouldExitWith2OnAnAcceptablePauseNoLongerThanTheHeartbeatInterval()
    {
        assertThat(run("--acceptable-pause-ms", "1000")).isEqualTo(2);
        assertThat(firstErrorLine()).isEqualTo("--acceptable-pause-ms: 1000 is outside 1001..600000 (longer than the agents' 1 s " +
            "heartbeat interval, at most 10 minutes)");
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void shouldGiveTheAgentsALongerPauseOnlyWhenTheNodesCrowdTheCpus()
    {
        assertThat(DemoCluster.acceptablePauseMs(25, 2)).as("25 nodes on 2 CPUs: the agents' own 3 s").isZero();
        assertThat(DemoCluster.acceptablePauseMs(26, 2)).isEqualTo(DemoCluster.CROWDED_PAUSE_MS);
        assertThat(DemoCluster.acceptablePauseMs(50, 4)).isZero();
        assertThat(DemoCluster.acceptablePauseMs(50, 2)).isEqualTo(15_000);
        assertThat(DemoCluster.checkTimeout(50, 2)).as("failed pairs checked again for longer").isEqualTo(java.time.Duration.ofSeconds(90));
        assertThat(DemoCluster.checkTimeout(25, 2)).isEqualTo(java.time.Duration.ofSeconds(30));
    }

    @Test
    void shouldSayInItsHelpHowToStopItInTheBackgroundAndThatItsAgentsDoNotOutliveIt()
    {
        assertThat(run("--help")).isZero();
        final String help = out.toString().replaceAll("\\s+", " ");
        assertThat(help).contains("Started in the background of a script, the demo ignores SIGINT",
            "stop it with kill PID (SIGTERM)", "they exit within 5 s on their own (each watches a pipe from the demo)");
    }

    @Test
    void shouldExitWith2OnAStopTimeoutBelowOneSecond()
    {
        assertThat(run("--stop-timeout", "0")).isEqualTo(2);
        assertThat(firstErrorLine()).isEqualTo("--stop-timeout: 0 is less than 1 second");
    }
}
