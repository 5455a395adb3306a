package dev.podnet.transport;

import dev.podnet.dataplane.PodInfo;
import dev.podnet.diag.LoopbackPorts;
import dev.podnet.packet.Ipv4Cidr;
import dev.podnet.packet.EthernetFlyweight;
import dev.podnet.packet.Ipv4Address;
import dev.podnet.packet.Ipv4Flyweight;
import dev.podnet.packet.MacAddress;
import dev.podnet.packet.UdpFlyweight;
import dev.podnet.pod.PingRequest;
import dev.podnet.proto.tunnel.TunnelFrame;
import com.google.protobuf.ByteString;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;

import static dev.podnet.transport.OverlayCluster.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Whatever arrives on a node's tunnel port, from peers or strangers: each bad message is dropped and
 * counted by reason, nothing reaches a pod, and the node keeps routing.
 */
@Timeout(120)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TunnelInputTest
{
    private static final int NETWORK = TunnelConfig.DEFAULT_NETWORK_ID;
    private static OverlayCluster cluster;
    private static RawTunnelSender stranger;
    private static PodInfo a1;
    private static PodInfo c1;
    private static int nodeA;

    @BeforeAll
    static void start()
    {
        cluster = OverlayCluster.start("node-a", "node-c");
        a1 = cluster.createPod("node-a", "a-1");
        c1 = cluster.createPod("node-c", "c-1");
        nodeA = cluster.member("node-a").cidr.network();
        stranger = new RawTunnelSender(cluster.member("node-c").tunnelPort);
    }

    @AfterAll
    static void stop()
    {
        if (stranger != null)
        {
            stranger.close();
        }
        if (cluster != null)
        {
            cluster.close();
        }
    }

    @Test
    void shouldCountRandomBytesAsMalformed()
    {
        assertDroppedAs("tunnel-malformed", new byte[] {(byte)0xFF, (byte)0xFF, (byte)0xFF, 0x07, 1, 2, 3});
    }

    @Test
    void shouldCountATruncatedMessage()
    {
        final byte[] whole = frame(NETWORK, nodeA, udpFrame(a1.ip(), c1.ip(), c1.mac()));
        assertDroppedAs("tunnel-truncated", Arrays.copyOf(whole, whole.length - 20));
    }

    @Test
    void shouldCountAMessageOfAnotherNetwork()
    {
        assertDroppedAs("wrong-network", frame(NETWORK + 1, nodeA, udpFrame(a1.ip(), c1.ip(), c1.mac())));
    }

    @Test
    void shouldCountAFrameFromANodeThatIsNotAPeer()
    {
        final int stray = Ipv4Address.parse("10.244.77.0");
        assertDroppedAs("unknown-peer", frame(NETWORK, stray, udpFrame(Ipv4Address.parse("10.244.77.2"), c1.ip(), c1.mac())));
    }

    @Test
    void shouldCountAFrameNamingAKnownNodeSentFromAnotherAddressAsUnknownSource()
    {
        // node-x's lease says its host is 127.0.0.2; the stranger claims to be node-x, sending from 127.0.0.1
        final Ipv4Cidr leaseX = Ipv4Cidr.parse("10.244.88.0/24");
        await(cluster.proxy("node-c").addRoute("node-x", leaseX, "127.0.0.2", LoopbackPorts.freeUdpPort()));
        try
        {
            final long before = drops().getOrDefault("tunnel-unknown-source", 0L);
            final long bridgeFramesBefore = bridgeFrames();

            stranger.send(frame(NETWORK, leaseX.network(), udpFrame(leaseX.address(2), c1.ip(), c1.mac())));

            OverlayCluster.awaitCondition(() -> drops().getOrDefault("tunnel-unknown-source", 0L) == before + 1,
                Duration.ofSeconds(10), "drop counted as tunnel-unknown-source (counters: " + drops() + ")");
            assertThat(bridgeFrames()).as("nothing reached node-c's bridge").isEqualTo(bridgeFramesBefore);
            assertThat(cluster.member("node-c").tunnel.framesReceived(leaseX.network())).isZero();
        }
        finally
        {
            await(cluster.proxy("node-c").removeRoute(leaseX));
        }
        assertThat(await(cluster.proxy("node-a").ping("a-1", PingRequest.of(c1.ip(), 2))).received())
            .as("node-a, from its lease's address, still gets through").isEqualTo(2);
    }

    @Test
    void shouldReadTheIpv4AddressOfAnImagesSourceIdentity()
    {
        assertThat(AeronTunnel.sourceAddress("10.0.0.2:40123")).isEqualTo(Ipv4Address.parse("10.0.0.2"));
        assertThat(AeronTunnel.sourceAddress("127.0.0.1:1")).isEqualTo(Ipv4Address.parse("127.0.0.1"));
        assertThat(AeronTunnel.sourceAddress("[::1]:40123")).isZero();
        assertThat(AeronTunnel.sourceAddress("nonsense")).isZero();
        assertThat(AeronTunnel.sourceAddress(null)).isZero();
    }

    @Test
    void shouldCountAnInnerSourceOutsideTheSendersLease()
    {
        assertDroppedAs("tunnel-spoofed-source",
            frame(NETWORK, nodeA, udpFrame(Ipv4Address.parse("10.244.9.9"), c1.ip(), c1.mac())));
    }

    @Test
    void shouldCountAnInnerDestinationOutsideThisNodesLease()
    {
        assertDroppedAs("tunnel-not-our-cidr",
            frame(NETWORK, nodeA, udpFrame(a1.ip(), Ipv4Address.parse("10.244.9.2"), c1.mac())));
    }

    @Test
    void shouldCountAMessageLargerThanOneDatagram()
    {
        final byte[] oversized = frame(NETWORK, nodeA, new byte[3000]);
        assertDroppedAs("tunnel-frame-too-large", oversized);
    }

    @Test
    void shouldCountAMessageWithoutAFrame()
    {
        assertDroppedAs("tunnel-missing-frame",
            TunnelFrame.newBuilder().setNetworkId(NETWORK).setSourceNode(nodeA).build().toByteArray());
    }

    @Test
    @Order(Integer.MAX_VALUE) // last: its stream of messages would blur the other tests' counters
    void shouldSurviveThousandsOfRandomAndMutatedMessagesAndKeepRouting()
    {
        final Random random = new Random(7);
        final byte[] valid = frame(NETWORK, nodeA, udpFrame(a1.ip(), c1.ip(), c1.mac()));
        final long dropsBefore = totalDrops();
        final int messages = 5_000;
        for (int i = 0; i < messages; i++)
        {
            final byte[] message;
            if (random.nextBoolean())
            {
                message = new byte[1 + random.nextInt(300)];
                random.nextBytes(message);
            }
            else
            {
                message = Arrays.copyOf(valid, 1 + random.nextInt(valid.length));
                for (int flips = 1 + random.nextInt(4); flips > 0; flips--)
                {
                    message[random.nextInt(message.length)] ^= (byte)(1 << random.nextInt(8));
                }
            }
            stranger.send(message);
        }

        OverlayCluster.awaitCondition(() -> totalDrops() - dropsBefore >= messages * 9L / 10, Duration.ofSeconds(20),
            "most fuzzed messages counted as drops");
        assertThat(await(cluster.proxy("node-a").ping("a-1", PingRequest.of(c1.ip(), 2))).received()).isEqualTo(2);
    }

    private static void assertDroppedAs(final String reason, final byte[] message)
    {
        final long before = drops().getOrDefault(reason, 0L);
        final long bridgeFramesBefore = bridgeFrames();
        stranger.send(message);
        OverlayCluster.awaitCondition(() -> drops().getOrDefault(reason, 0L) == before + 1, Duration.ofSeconds(10),
            "drop counted as " + reason + " (counters: " + drops() + ")");
        assertThat(bridgeFrames()).as("nothing reached node-c's bridge, so no pod").isEqualTo(bridgeFramesBefore);
    }

    private static Map<String, Long> drops()
    {
        return cluster.proxy("node-c").drops();
    }

    private static long bridgeFrames()
    {
        return cluster.proxy("node-c").framesForwarded() + cluster.proxy("node-c").framesFlooded();
    }

    private static long totalDrops()
    {
        return drops().values().stream().mapToLong(Long::longValue).sum();
    }

    private static byte[] frame(final int network, final int sourceNode, final byte[] inner)
    {
        return TunnelFrame.newBuilder()
            .setNetworkId(network)
            .setSourceNode(sourceNode)
            .setFrame(ByteString.copyFrom(inner))
            .build()
            .toByteArray();
    }

    /** A UDP datagram to netexec, as a router would put it in the tunnel. */
    private static byte[] udpFrame(final int source, final int destination, final long destinationMac)
    {
        final byte[] payload = "hostname".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        final byte[] bytes = new byte[14 + 20 + 8 + payload.length];
        final UnsafeBuffer buffer = new UnsafeBuffer(bytes);
        new EthernetFlyweight().wrap(buffer, 0, bytes.length)
            .destination(destinationMac).source(MacAddress.podMac(source)).etherType(EthernetFlyweight.ETHER_TYPE_IPV4);
        new Ipv4Flyweight().wrap(buffer, 14, bytes.length - 14)
            .writeHeader(0, bytes.length - 14, 9, false, false, 0, 63, Ipv4Flyweight.PROTOCOL_UDP, source, destination);
        buffer.putBytes(14 + 20 + 8, payload);
        new UdpFlyweight().wrap(buffer, 34, 8 + payload.length).writeHeader(40000, 8081, payload.length).updateChecksum(source, destination);
        return bytes;
    }
}
