package dev.podnet.agent.demo;

import dev.podnet.diag.LoopbackPorts;
import org.junit.jupiter.api.Test;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DemoLayoutTest
{
    @Test
    void shouldGiveNodeIThePortsBasePlusIMinusOneAndALetterForItsPods()
    {
        final DemoLayout layout = DemoLayout.plan(3, 2, 8080, 2552, 8472);

        assertThat(layout.nodes()).containsExactly(
            new DemoLayout.Node(1, "node-1", 8080, 2552, 8472, List.of("a1", "a2")),
            new DemoLayout.Node(2, "node-2", 8081, 2553, 8473, List.of("b1", "b2")),
            new DemoLayout.Node(3, "node-3", 8082, 2554, 8474, List.of("c1", "c2")));
        assertThat(layout.pods()).containsExactly("a1", "a2", "b1", "b2", "c1", "c2");
        assertThat(layout.seedAddresses()).isEqualTo("127.0.0.1:2552,127.0.0.1:2553,127.0.0.1:2554");
        assertThat(DemoLayout.plan(5, 0, 8080, 2552, 8472).seedAddresses()).as("the first three")
            .isEqualTo("127.0.0.1:2552,127.0.0.1:2553,127.0.0.1:2554");
        assertThat(layout.node("node-2").apiUrl()).isEqualTo("http://127.0.0.1:8081");
    }

    @Test
    void shouldNameTheTenthNodesPodsWithJAndAllowNoPods()
    {
        assertThat(DemoLayout.plan(10, 10, 8080, 2552, 8472).nodes().get(9).pods())
            .containsExactly("j1", "j2", "j3", "j4", "j5", "j6", "j7", "j8", "j9", "j10");
        assertThat(DemoLayout.plan(1, 0, 8080, 2552, 8472).pods()).isEmpty();
    }

    @Test
    void shouldNamePodsPastTheTwentySixthNodeWithTwoLettersAsSpreadsheetColumns()
    {
        assertThat(DemoLayout.podLetters(1)).isEqualTo("a");
        assertThat(DemoLayout.podLetters(26)).isEqualTo("z");
        assertThat(DemoLayout.podLetters(27)).isEqualTo("aa");
        assertThat(DemoLayout.podLetters(52)).isEqualTo("az");
        assertThat(DemoLayout.podLetters(53)).isEqualTo("ba");
        assertThat(DemoLayout.podLetters(702)).isEqualTo("zz");
        assertThat(DemoLayout.podLetters(703)).isEqualTo("aaa");
    }

    @Test
    void shouldRefuseANodeCountOutside1To50NamingTheFlag()
    {
        assertThatThrownBy(() -> DemoLayout.plan(0, 2, 8080, 2552, 8472))
            .isInstanceOf(DemoUsageException.class)
            .hasMessage("--nodes: 0 is outside 1..50")
            .extracting(ex -> ((DemoUsageException)ex).flag()).isEqualTo("--nodes");
        assertThatThrownBy(() -> DemoLayout.plan(51, 2, 8080, 2552, 8472)).hasMessage("--nodes: 51 is outside 1..50");
    }

    @Test
    void shouldRefuseAPodCountOutside0To10()
    {
        assertThatThrownBy(() -> DemoLayout.plan(3, 11, 8080, 2552, 8472))
            .hasMessage("--pods: 11 pods per node is outside 0..10");
        assertThatThrownBy(() -> DemoLayout.plan(3, -1, 8080, 2552, 8472)).hasMessageStartingWith("--pods: ");
    }

    @Test
    void shouldRefusePortsThatRunPast65535()
    {
        assertThatThrownBy(() -> DemoLayout.plan(3, 2, 8080, 2552, 65534))
            .hasMessage("--tunnel-port: ports 65534..65536 for 3 nodes do not fit in 1..65535 (node i takes --tunnel-port + i - 1)");
        assertThatThrownBy(() -> DemoLayout.plan(1, 2, 0, 2552, 8472)).hasMessage("--api-port: 0 is outside 1..65535");
    }

    @Test
    void shouldRefuseApiPortsOverlappingClusterPorts()
    {
        assertThatThrownBy(() -> DemoLayout.plan(3, 2, 2550, 2552, 8472))
            .hasMessageStartingWith("--api-port: the API ports 2550..2552 overlap the cluster ports 2552..2554 (--cluster-port)");
        // the tunnel is UDP: the same numbers as TCP ports are fine
        assertThat(DemoLayout.plan(3, 2, 8080, 2552, 8080).nodes()).hasSize(3);
    }

    @Test
    void shouldNameTheApiPortFlagWhenAnApiPortIsInUse() throws Exception
    {
        final int base = freeTcpBase(3);
        final int port = base + 1;
        try (ServerSocket taken = tcp(port))
        {
            final DemoLayout layout = DemoLayout.plan(3, 2, base, freeTcpBase(3), freeUdpBase(3));

            assertThatThrownBy(layout::requirePortsFree)
                .isInstanceOf(DemoUsageException.class)
                .hasMessage("--api-port: TCP port " + port + " (node-2's API port, --api-port " + (port - 1) + " + 1) is in use on " +
                    "127.0.0.1: stop what holds it, or choose another base with --api-port (node i takes --api-port + i - 1, " +
                    "ports " + (port - 1) + ".." + (port + 1) + ")");
        }
    }

    @Test
    void shouldNameTheClusterPortFlagWhenAClusterPortIsInUse() throws Exception
    {
        try (ServerSocket taken = tcp(0))
        {
            final DemoLayout layout = DemoLayout.plan(1, 2, freeTcpBase(1), taken.getLocalPort(), freeUdpBase(1));

            assertThatThrownBy(layout::requirePortsFree)
                .extracting(ex -> ((DemoUsageException)ex).flag()).isEqualTo("--cluster-port");
        }
    }

    @Test
    void shouldNameTheTunnelPortFlagWhenATunnelPortIsInUse() throws Exception
    {
        try (DatagramSocket taken = new DatagramSocket(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0)))
        {
            final DemoLayout layout = DemoLayout.plan(1, 2, freeTcpBase(1), freeTcpBase(1), taken.getLocalPort());

            assertThatThrownBy(layout::requirePortsFree)
                .hasMessageStartingWith("--tunnel-port: UDP port " + taken.getLocalPort() + " (node-1's tunnel port, --tunnel-port " +
                    taken.getLocalPort() + ") is in use on 127.0.0.1");
        }
    }

    @Test
    void shouldAcceptALayoutWhosePortsAreAllFree()
    {
        final int tcp = freeTcpBase(6);
        DemoLayout.plan(3, 2, tcp, tcp + 3, freeUdpBase(3)).requirePortsFree();
    }

    private static ServerSocket tcp(final int port) throws Exception
    {
        final ServerSocket socket = new ServerSocket();
        socket.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port), 1);
        return socket;
    }

    /** The first of {@code count} consecutive TCP ports free on loopback now. */
    static int freeTcpBase(final int count)
    {
        return LoopbackPorts.consecutiveFree(count, false);
    }

    static int freeUdpBase(final int count)
    {
        return LoopbackPorts.consecutiveFree(count, true);
    }

    @Test
    void shouldRunAJvmPerNodeUpToTenAndPackTenToAJvmBeyond()
    {
        assertThat(DemoLayout.plan(10, 2, 8080, 2552, 8472).jvms()).hasSize(10).allMatch(jvm -> jvm.size() == 1);
        final DemoLayout fifty = DemoLayout.plan(50, 2, 8080, 2552, 8472);
        assertThat(fifty.packed()).isTrue();
        assertThat(fifty.jvms()).hasSize(5).allMatch(jvm -> jvm.size() == 10);
        assertThat(fifty.jvms().get(0).get(0).name()).isEqualTo("node-1");
        assertThat(fifty.jvms().get(4).get(9).name()).isEqualTo("node-50");
        assertThat(DemoLayout.plan(11, 2, 8080, 2552, 8472).jvms()).extracting(List::size).containsExactly(10, 1);
    }

    @Test
    void shouldPackAsAskedButRefuseMoreThanTenJvms()
    {
        assertThat(DemoLayout.plan(4, 2, 8080, 2552, 8472, 2).jvms()).extracting(List::size).containsExactly(2, 2);
        assertThat(DemoLayout.plan(3, 2, 8080, 2552, 8472, 5).jvms()).extracting(List::size).containsExactly(3);
        assertThatThrownBy(() -> DemoLayout.plan(25, 2, 8080, 2552, 8472, 2))
            .hasMessage("--agents-per-jvm: 25 nodes, 2 to a JVM, make 13 agent JVMs: at most 10 (each needs ~250 MB and starts " +
                "slowly); pack 3 or more to a JVM");
        assertThatThrownBy(() -> DemoLayout.plan(3, 2, 8080, 2552, 8472, 51)).hasMessage("--agents-per-jvm: 51 is outside 1..50");
    }
}
