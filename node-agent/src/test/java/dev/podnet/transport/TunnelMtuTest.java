package dev.podnet.transport;

import dev.podnet.dataplane.PodInfo;
import dev.podnet.packet.Ipv4Address;
import dev.podnet.pod.PingRequest;
import dev.podnet.pod.PingResult;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.Map;

import static dev.podnet.transport.OverlayCluster.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The receive path is bounded by the receiving node's pod MTU, not by what the tunnel carries: with a
 * 9000-byte underlay, node-a's pods use the tunnel's MTU (8927) and node-c's keep 1500. A packet from
 * node-a larger than 1500 is dropped at node-c's router and counted as {@code fragmentation-needed},
 * answered with ICMP fragmentation needed (next-hop MTU 1500) when it has don't-fragment set, as a
 * router would; nothing overruns a frame slot and node-c keeps routing.
 */
@Timeout(120)
class TunnelMtuTest
{
    private static final int UNDERLAY_MTU = 9000;
    private static final int SMALL_POD_MTU = 1500;
    private static OverlayCluster cluster;
    private static PodInfo a1;
    private static PodInfo c1;

    @BeforeAll
    static void start()
    {
        cluster = OverlayCluster.start(UNDERLAY_MTU, new int[] {0, SMALL_POD_MTU}, "node-a", "node-c");
        a1 = cluster.createPod("node-a", "a-1");
        c1 = cluster.createPod("node-c", "c-1");
    }

    @AfterAll
    static void stop()
    {
        if (cluster != null)
        {
            cluster.close();
        }
    }

    @Test
    void shouldAnswerADontFragmentPacketLargerThanThePodMtuWithFragmentationNeeded()
    {
        assertThat(cluster.member("node-a").tunnel.innerMtu()).as("node-a's pods may send this much").isGreaterThan(4_000);
        final long before = drops().getOrDefault("fragmentation-needed", 0L);

        final PingResult result = await(cluster.proxy("node-a").ping("a-1",
            PingRequest.of(c1.ip(), 1).withSize(4_000, true).withTimeout(Duration.ofSeconds(2))));

        assertThat(result.received()).isZero();
        assertThat(result.errors()).hasSize(1);
        final PingResult.Error error = result.errors().get(0);
        assertThat(error.type()).isEqualTo("frag-needed");
        assertThat(error.mtu()).isEqualTo(SMALL_POD_MTU);
        assertThat(Ipv4Address.format(error.from())).as("node-c's tunnel address, the router that dropped it")
            .isEqualTo(Ipv4Address.format(cluster.member("node-c").cidr.network()));
        assertThat(drops().get("fragmentation-needed")).isEqualTo(before + 1);
    }

    @Test
    void shouldCountAPacketLargerThanThePodMtuWithoutDontFragmentAndKeepRouting()
    {
        final long before = drops().getOrDefault("fragmentation-needed", 0L);

        final PingResult big = await(cluster.proxy("node-a").ping("a-1",
            PingRequest.of(c1.ip(), 3).withSize(6_000, false).withTimeout(Duration.ofSeconds(1))));

        assertThat(big.received()).isZero();
        assertThat(big.errors()).as("no ICMP error for a packet without don't-fragment: the pings time out")
            .extracting(PingResult.Error::type).containsOnly("timeout");
        OverlayCluster.awaitCondition(() -> drops().getOrDefault("fragmentation-needed", 0L) == before + 3,
            Duration.ofSeconds(10), "3 oversize packets counted (counters: " + drops() + ")");
        assertThat(await(cluster.proxy("node-a").ping("a-1", PingRequest.of(c1.ip(), 2).withSize(1_400, true))).received())
            .as("a packet that fits still goes through").isEqualTo(2);
        assertThat(await(cluster.proxy("node-c").ping("c-1", PingRequest.of(a1.ip(), 2))).received()).isEqualTo(2);
    }

    private static Map<String, Long> drops()
    {
        return cluster.proxy("node-c").drops();
    }
}
