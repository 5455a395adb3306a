package dev.podnet.packet;

import dev.podnet.testing.AllocationMeter;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The per-frame work of the data plane (wrap, check, read fields, checksums, TTL) allocates nothing.
 */
class ZeroAllocationTest
{
    private static final int ITERATIONS = 200_000;

    private final EthernetFlyweight ethernet = new EthernetFlyweight();
    private final ArpFlyweight arp = new ArpFlyweight();
    private final Ipv4Flyweight ipv4 = new Ipv4Flyweight();
    private final IcmpFlyweight icmp = new IcmpFlyweight();
    private final UdpFlyweight udp = new UdpFlyweight();
    private final TcpFlyweight tcp = new TcpFlyweight();
    private final int[] sackLeft = {1, 3};
    private final int[] sackRight = {2, 4};
    private final Ipv4Cidr cidr = Ipv4Cidr.parse("10.244.1.0/24");
    private final UnsafeBuffer arpFrame = bytes(EthernetFlyweightTest.ARP_REQUEST_FRAME);
    private final UnsafeBuffer echoFrame = bytes(IcmpFlyweightTest.ECHO_REQUEST_FRAME);
    private final UnsafeBuffer udpFrame = bytes(UdpFlyweightTest.UDP_FRAME);
    private final UnsafeBuffer synFrame = bytes(TcpFlyweightTest.SYN_FRAME);
    private final UnsafeBuffer scratch = new UnsafeBuffer(new byte[1500]);

    @Test
    void shouldNotAllocateWhenCheckingAndForwardingFrames()
    {
        final long[] checksum = new long[1];
        final long allocated = AllocationMeter.quietestRound(() -> checksum[0] += perFrameWork(ITERATIONS), 2, 4);

        assertThat(checksum[0]).isNotZero();
        assertThat(allocated).as("bytes allocated in the quietest round of %d iterations", ITERATIONS).isLessThan(1024);
    }

    private long perFrameWork(final int iterations)
    {
        long result = 0;
        for (int i = 0; i < iterations; i++)
        {
            ethernet.wrap(arpFrame, 0, arpFrame.capacity());
            result += ethernet.check().ordinal() + ethernet.etherType() + ethernet.source();
            arp.wrap(arpFrame, ethernet.payloadOffset(), ethernet.payloadLength());
            result += arp.check().ordinal() + arp.targetIp() + arp.senderMac();

            ethernet.wrap(echoFrame, 0, echoFrame.capacity());
            ipv4.wrap(echoFrame, ethernet.payloadOffset(), ethernet.payloadLength());
            result += ipv4.check().ordinal() + (cidr.contains(ipv4.destination()) ? 1 : 0);
            ipv4.decrementTtl();
            ipv4.ttl(128).updateHeaderChecksum();
            icmp.wrap(echoFrame, ipv4.payloadOffset(), ipv4.payloadLength());
            result += icmp.check().ordinal() + icmp.sequence();

            ipv4.wrap(udpFrame, EthernetFlyweight.HEADER_LENGTH, udpFrame.capacity() - EthernetFlyweight.HEADER_LENGTH);
            udp.wrap(udpFrame, ipv4.payloadOffset(), ipv4.payloadLength());
            result += udp.check(ipv4.source(), ipv4.destination()).ordinal() + udp.destinationPort();
            result += Checksum.compute(udpFrame, 0, udpFrame.capacity());
            result += MacAddress.isMulticast(MacAddress.getMac(udpFrame, 0)) ? 1 : 0;

            tcp.wrap(synFrame, 34, synFrame.capacity() - 34);
            result += tcp.check(0x0AF4_0102, 0x0AF4_0203).ordinal() + tcp.parseOptions() + tcp.mss() + tcp.timestampValue();
            tcp.wrap(scratch, 34, 1400).writeHeader(1, 2, i, i, 20, TcpFlyweight.ACK, 100);
            final int options = tcp.writeOptions(true, i, i, 2, sackLeft, sackRight);
            tcp.headerLength(20 + options).updateChecksum(0x0AF4_0102, 0x0AF4_0203);
            result += tcp.checksum();
        }

        return result;
    }

    private static UnsafeBuffer bytes(final String hex)
    {
        return new UnsafeBuffer(HexFormat.of().parseHex(hex.replaceAll("\\s", "")));
    }
}
