package dev.podnet.agent;

import dev.podnet.diag.LoopbackPorts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AgentCommandTest
{
    private final StringWriter err = new StringWriter();

    private int run(final String... args)
    {
        final CommandLine cmd = PodnetMain.commandLine();
        cmd.setErr(new PrintWriter(err, true));
        cmd.setOut(new PrintWriter(new StringWriter(), true));
        return cmd.execute(args);
    }

    @Test
    void shouldExitWith2AndOneLineNamingTheSettingOnABadValue()
    {
        final int code = run("agent", "--pod-cidr", "10.244.1.0/24", "--tunnel-port", "70000");

        assertThat(code).isEqualTo(2);
        assertThat(err.toString().strip()).isEqualTo("podnet agent: PODNET_TUNNEL_PORT / --tunnel-port: 70000 outside 1..65535");
    }

    @Test
    void shouldTakeTheServiceSettingsAsFlagsAsReadmeListsThem()
    {
        assertThat(run("agent", "--pod-cidr", "10.244.1.0/24", "--service-cidr", "10.244.0.0/16")).isEqualTo(2);
        assertThat(err.toString().strip()).startsWith("podnet agent: PODNET_SERVICE_CIDR / --service-cidr: 10.244.0.0/16 overlaps");
        err.getBuffer().setLength(0);

        assertThat(run("agent", "--pod-cidr", "10.244.1.0/24", "--cluster-domain", "not a domain")).isEqualTo(2);
        assertThat(err.toString().strip()).startsWith("podnet agent: PODNET_CLUSTER_DOMAIN / --cluster-domain: 'not a domain'");
        err.getBuffer().setLength(0);

        assertThat(run("agent", "--pod-cidr", "10.244.1.0/24", "--conntrack-max", "1")).isEqualTo(2);
        assertThat(err.toString().strip()).startsWith("podnet agent: PODNET_CONNTRACK_MAX / --conntrack-max: 1 outside");
    }

    @Test
    void shouldExitWith2WhenClusterModeIsAskedToTakeAStaticPodCidr()
    {
        final int code = run("agent", "--node", "a", "--seeds", "127.0.0.1:2552", "--pod-cidr", "10.244.1.0/24",
            "--cluster-secret-file", secretFile());

        assertThat(code).isEqualTo(2);
        assertThat(err.toString().strip()).isEqualTo("podnet agent: PODNET_POD_CIDR / --pod-cidr: the pod CIDR is leased by " +
            "the control plane in cluster mode (PODNET_SEEDS is set)");
    }

    @Test
    void shouldExitWith1BeforeJoiningWhenTheApiPortIsTakenInClusterMode() throws Exception
    {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress()))
        {
            final int code = run("agent", "--node", "busy", "--seeds", "127.0.0.1:1", "--cluster-secret-file", secretFile(),
                "--advertised-host", "127.0.0.1",
                "--cluster-bind", "127.0.0.1", "--api-bind", "127.0.0.1", "--api-port", Integer.toString(taken.getLocalPort()));

            assertThat(code).isEqualTo(1);
            assertThat(err.toString())
                .startsWith("podnet agent: node busy cannot start: cannot serve the API on 127.0.0.1:" + taken.getLocalPort())
                .contains("PODNET_API_PORT / --api-port");
        }
    }

    @Test
    void shouldExitWith1WhenTheApiPortIsTaken() throws Exception
    {
        final int tunnelPort = LoopbackPorts.freeUdpPort();
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress()))
        {
            final int code = run("agent", "--node", "busy", "--pod-cidr", "10.244.1.0/24",
                "--tunnel-bind", "127.0.0.1", "--tunnel-port", Integer.toString(tunnelPort),
                "--api-bind", "127.0.0.1", "--api-port", Integer.toString(taken.getLocalPort()));

            assertThat(code).isEqualTo(1);
            assertThat(err.toString())
                .startsWith("podnet agent: node busy cannot start: cannot serve the API on 127.0.0.1:" + taken.getLocalPort())
                .contains("PODNET_API_PORT / --api-port");
        }
    }


    /** A file holding a cluster secret (cluster mode needs one; the command reads no test's environment). */
    private static String secretFile()
    {
        try
        {
            final java.nio.file.Path file = java.nio.file.Files.createTempFile("podnet-secret", "");
            file.toFile().deleteOnExit();
            return java.nio.file.Files.writeString(file, "agent-command-test-secret").toString();
        }
        catch (final java.io.IOException ex)
        {
            throw new java.io.UncheckedIOException(ex);
        }
    }
}
