package dev.podnet.dataplane;

import dev.podnet.packet.ArpFlyweight;
import dev.podnet.packet.EthernetFlyweight;
import dev.podnet.packet.Ipv4Flyweight;
import dev.podnet.packet.MacAddress;
import dev.podnet.pod.PingRequest;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A misbehaving pod puts garbage on the bridge: every bad frame is counted by reason and dropped,
 * and the node keeps working.
 */
class MalformedFrameTest
{
    private ManualNode node;
    private PodInfo a;
    private PodInfo b;

    @BeforeEach
    void setUp()
    {
        node = ManualNode.withCidr("10.244.1.0/24");
        a = node.createPod("pod-a");
        b = node.createPod("pod-b");
    }

    @Test
    void shouldCountATruncatedEthernetFrame()
    {
        send(new byte[9]);

        assertThat(node.proxy.drops()).containsEntry("truncated-ethernet", 1L);
    }

    @Test
    void shouldDropFramesFromAPodWithAnotherSourceMac()
    {
        final byte[] frame = ipv4Frame(b.mac(), b.ip(), 64);
        frame[6] = 0x01; // a group source MAC, and not pod-a's
        send(frame);

        assertThat(node.proxy.drops()).containsEntry("spoofed-source", 1L);
    }

    @Test
    void shouldDropIpv4AndArpFromAPodClaimingAnotherPodsAddress()
    {
        final byte[] ipv4 = ipv4Frame(b.mac(), b.ip(), 64);
        new Ipv4Flyweight().wrap(new UnsafeBuffer(ipv4), 14, 28).source(b.ip()).updateHeaderChecksum();
        send(ipv4);

        final byte[] arp = new byte[60];
        final UnsafeBuffer buffer = new UnsafeBuffer(arp);
        new EthernetFlyweight().wrap(buffer, 0, 60).destination(MacAddress.BROADCAST).source(a.mac()).etherType(EthernetFlyweight.ETHER_TYPE_ARP);
        new ArpFlyweight().wrap(buffer, 14, 28).writeIpv4OverEthernet(ArpFlyweight.OP_REPLY, a.mac(), b.ip(), MacAddress.BROADCAST, b.ip());
        send(arp);

        assertThat(node.proxy.drops()).containsEntry("spoofed-source", 2L);
        assertThat(node.proxy.framesForwarded() + node.proxy.framesFlooded()).as("neither reached the bridge").isZero();
    }

    @Test
    void shouldCountABadIpv4ChecksumAtThePod()
    {
        final byte[] frame = ipv4Frame(b.mac(), b.ip(), 64);
        frame[14 + 10] ^= 0x55;
        send(frame);

        assertThat(node.proxy.drops()).containsEntry("bad-ipv4-checksum", 1L);
    }

    @Test
    void shouldCountATruncatedArpAndAnUnsupportedEtherType()
    {
        final byte[] arp = new byte[14 + 10];
        final UnsafeBuffer buffer = new UnsafeBuffer(arp);
        new EthernetFlyweight().wrap(buffer, 0, arp.length)
            .destination(MacAddress.BROADCAST).source(a.mac()).etherType(EthernetFlyweight.ETHER_TYPE_ARP);
        send(arp);

        final byte[] ipv6 = new byte[80];
        new EthernetFlyweight().wrap(new UnsafeBuffer(ipv6), 0, ipv6.length).destination(b.mac()).source(a.mac()).etherType(0x86DD);
        send(ipv6);

        assertThat(node.proxy.drops()).containsEntry("truncated-arp", 2L); // pod-b and the gateway both saw it
        assertThat(node.proxy.drops()).containsEntry("unsupported-ether-type", 1L);
    }

    @Test
    void shouldKeepForwardingAfterThousandsOfRandomFrames()
    {
        final Random random = new Random(42);
        for (int i = 0; i < 5_000; i++)
        {
            final byte[] frame = new byte[1 + random.nextInt(200)];
            random.nextBytes(frame);
            if (random.nextBoolean() && frame.length >= 14)
            {
                // aim some at a pod with a plausible EtherType so they get past the Ethernet layer
                MacAddress.putMac(new UnsafeBuffer(frame), 0, b.mac());
                frame[6] = 0x0a;
                frame[12] = 0x08;
                frame[13] = (byte)(random.nextBoolean() ? 0x00 : 0x06);
            }
            send(frame);
        }

        assertThat(node.proxy.drops()).isNotEmpty();
        final var result = node.await(node.proxy.ping("pod-a", PingRequest.of(b.ip(), 2).withTimeout(Duration.ofSeconds(5))));
        assertThat(result.received()).isEqualTo(2);
    }

    @Test
    void shouldIgnoreAnArpReplyNobodyAskedFor()
    {
        final byte[] frame = new byte[60];
        final UnsafeBuffer buffer = new UnsafeBuffer(frame);
        new EthernetFlyweight().wrap(buffer, 0, 60).destination(b.mac()).source(a.mac()).etherType(EthernetFlyweight.ETHER_TYPE_ARP);
        new ArpFlyweight().wrap(buffer, 14, 28).writeIpv4OverEthernet(ArpFlyweight.OP_REPLY, 0x0a5800000099L, a.ip(), b.mac(), b.ip());
        send(frame);

        assertThat(node.await(node.proxy.arp("pod-b"))).as("no ARP cache poisoning by unsolicited replies").isEmpty();
    }

    private byte[] ipv4Frame(final long destinationMac, final int destinationIp, final int ttl)
    {
        final byte[] frame = new byte[14 + 28];
        final UnsafeBuffer buffer = new UnsafeBuffer(frame);
        new EthernetFlyweight().wrap(buffer, 0, frame.length).destination(destinationMac).source(a.mac()).etherType(EthernetFlyweight.ETHER_TYPE_IPV4);
        new Ipv4Flyweight().wrap(buffer, 14, 28).writeHeader(0, 28, 1, false, false, 0, ttl, 253, a.ip(), destinationIp);
        return frame;
    }

    private void send(final byte[] frame)
    {
        node.runUntil(() -> node.dataPlane.inject("pod-a", frame), Duration.ofSeconds(1));
        node.advance(Duration.ofMillis(2));
    }
}
