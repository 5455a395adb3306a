package dev.podnet.testing;

import dev.podnet.chaos.DockerCli;
import dev.podnet.dataplane.Node;
import dev.podnet.dataplane.NodeConfig;
import dev.podnet.diag.LoopbackPorts;
import dev.podnet.http.ApiServer;
import dev.podnet.packet.Ipv4Cidr;
import dev.podnet.tap.RealPodSupport;
import org.junit.jupiter.api.Assumptions;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.fail;

/**
 * What tests of real pods need from the machine: root (or CAP_NET_ADMIN and CAP_SYS_ADMIN), {@code /dev/net/tun},
 * iproute2, and the programs the tests run inside namespaces ({@code ping}, {@code python3}). CI runs as root
 * and {@code .ci/run} installs the programs: with {@code CI} set a missing one fails the test; elsewhere it skips,
 * saying what is missing. Namespaces the tests make are named {@code pn-tap-…}.
 */
public final class RealPodTesting
{
    private static final DockerCli RUNNER = new DockerCli();
    private RealPodTesting()
    {
    }

    /** What a command printed (output and errors together) and its exit code. */
    public record Run(int exitCode, String output)
    {
        public Run ok()
        {
            if (exitCode != 0)
            {
                fail("exit " + exitCode + ": " + output);
            }
            return this;
        }
    }

    /** Fails (CI) or skips (elsewhere) unless this JVM can attach real pods and the tools are there. */
    public static void require(final String... tools)
    {
        final RealPodSupport support = RealPodSupport.get();
        String missing = support.available() ? null : support.reason();
        for (final String tool : tools)
        {
            if (missing == null && run(List.of("sh", "-c", "command -v " + tool)).exitCode() != 0)
            {
                missing = tool + " is not installed (.ci/run installs it)";
            }
        }
        if (missing == null)
        {
            return;
        }
        if (System.getenv("CI") != null)
        {
            fail("CI is set and real pods cannot be tested here: " + missing);
        }
        Assumptions.abort("real pods cannot be tested here: " + missing);
    }

    /** Runs {@code command} inside named network namespace {@code netns}. */
    public static Run inNetns(final String netns, final String... command)
    {
        final List<String> all = new ArrayList<>(List.of("ip", "netns", "exec", netns));
        all.addAll(List.of(command));
        return run(all);
    }

    /** Runs {@code command} to its end (at most 60 s), with the chaos engine's runner. */
    public static Run run(final List<String> command)
    {
        final DockerCli.Result result = RUNNER.run(command, 60);
        return new Run(result.exitCode(), result.output().trim());
    }

    /** One node (static mode) with its API on a free loopback port: what the real-pod tests drive. */
    public record LocalNode(Node node, ApiServer api) implements AutoCloseable
    {
        public static LocalNode start(final String name, final String cidr)
        {
            final Node node = Node.start(NodeConfig.defaults(name, Ipv4Cidr.parse(cidr)));
            return new LocalNode(node, ApiServer.start("127.0.0.1", LoopbackPorts.freeTcpPort(), node.proxy(), name));
        }

        public String url(final String path)
        {
            return "http://127.0.0.1:" + api.port() + path;
        }

        @Override
        public void close()
        {
            api.close();
            node.close();
        }
    }

    /** Deletes named network namespaces, those that exist. */
    public static void deleteNetns(final String... names)
    {
        for (final String name : names)
        {
            run(List.of("ip", "netns", "del", name));
        }
    }

    /** A UDP request/response from inside {@code netns} (python3): the reply's text, or "timeout". */
    public static String udpFrom(final String netns, final String ip, final int port, final String payload)
    {
        return inNetns(netns, "python3", "-c",
            "import socket,sys\n" +
            "s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.settimeout(3)\n" +
            "s.sendto(sys.argv[3].encode(),(sys.argv[1],int(sys.argv[2])))\n" +
            "try:\n  print(s.recvfrom(65535)[0].decode())\nexcept socket.timeout:\n  print('timeout')\n",
            ip, Integer.toString(port), payload).ok().output();
    }
}
