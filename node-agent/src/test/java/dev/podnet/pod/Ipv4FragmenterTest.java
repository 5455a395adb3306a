package dev.podnet.pod;

import dev.podnet.packet.Ipv4Address;
import dev.podnet.packet.Ipv4Flyweight;
import dev.podnet.packet.PacketError;
import dev.podnet.packet.UdpFlyweight;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class Ipv4FragmenterTest
{
    static final int SOURCE = Ipv4Address.parse("10.244.1.2");
    static final int DESTINATION = Ipv4Address.parse("10.244.2.3");
    static final int UDP_LENGTH = 8000;

    private final Ipv4Flyweight ipv4 = new Ipv4Flyweight();

    /**
     * A real IPv4/UDP packet: 20-byte header, UDP header and {@code udpLength - 8} seeded random data bytes, both
     * checksums valid.
     */
    static UnsafeBuffer udpPacket(final int identification, final int udpLength, final long seed)
    {
        final int totalLength = Ipv4Flyweight.MIN_HEADER_LENGTH + udpLength;
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[totalLength]);
        final Ipv4Flyweight ipv4 = new Ipv4Flyweight().wrap(buffer, 0, totalLength);
        ipv4.writeHeader(
            0, totalLength, identification, false, false, 0, 64, Ipv4Flyweight.PROTOCOL_UDP, SOURCE, DESTINATION);

        final byte[] data = new byte[udpLength - UdpFlyweight.HEADER_LENGTH];
        new Random(seed).nextBytes(data);
        final UdpFlyweight udp = new UdpFlyweight().wrap(buffer, ipv4.payloadOffset(), udpLength);
        udp.writeHeader(40000, 7, data.length);
        buffer.putBytes(udp.payloadOffset(), data);
        udp.updateChecksum(SOURCE, DESTINATION);

        return buffer;
    }

    /**
     * Every fragment of a packet, each in a buffer of its own length.
     */
    static List<UnsafeBuffer> fragments(final UnsafeBuffer packet, final int mtu)
    {
        final Ipv4Flyweight ipv4 = new Ipv4Flyweight().wrap(packet, 0, packet.capacity());
        final int count = Ipv4Fragmenter.fragmentCount(ipv4.totalLength(), ipv4.headerLength(), mtu);
        final UnsafeBuffer scratch = new UnsafeBuffer(new byte[mtu]);
        final List<UnsafeBuffer> result = new ArrayList<>();
        for (int i = 0; i < count; i++)
        {
            final int length = Ipv4Fragmenter.writeFragment(packet, 0, mtu, i, scratch, 0);
            final byte[] bytes = new byte[length];
            scratch.getBytes(0, bytes);
            result.add(new UnsafeBuffer(bytes));
        }

        return result;
    }

    @ParameterizedTest
    @CsvSource({"1413, 6, 1392, 1040", "1500, 6, 1480, 600"})
    void shouldSplitLargeUdpDatagramIntoValidFragmentsThatFitTheMtu(
        final int mtu, final int expectedCount, final int expectedPayload, final int expectedLastPayload)
    {
        final UnsafeBuffer packet = udpPacket(0x1234, UDP_LENGTH, 1);
        final int totalLength = Ipv4Flyweight.MIN_HEADER_LENGTH + UDP_LENGTH;

        assertThat(Ipv4Fragmenter.payloadPerFragment(20, mtu)).isEqualTo(expectedPayload);
        assertThat(Ipv4Fragmenter.fragmentCount(totalLength, 20, mtu)).isEqualTo(expectedCount);

        final List<UnsafeBuffer> fragments = fragments(packet, mtu);
        assertThat(fragments).hasSize(expectedCount);
        int expectedOffset = 0;
        for (int i = 0; i < fragments.size(); i++)
        {
            final UnsafeBuffer fragment = fragments.get(i);
            final boolean last = i == fragments.size() - 1;
            ipv4.wrap(fragment, 0, fragment.capacity());

            assertThat(ipv4.check()).as("fragment %d", i).isEqualTo(PacketError.NONE);
            assertThat(ipv4.totalLength()).isEqualTo(fragment.capacity()).isLessThanOrEqualTo(mtu);
            assertThat(ipv4.payloadLength()).isEqualTo(last ? expectedLastPayload : expectedPayload);
            if (!last)
            {
                assertThat(ipv4.payloadLength() % 8).isZero();
            }
            assertThat(ipv4.moreFragments()).isEqualTo(!last);
            assertThat(ipv4.isFragment()).isTrue();
            assertThat(ipv4.dontFragment()).isFalse();
            assertThat(ipv4.fragmentOffset()).isEqualTo(expectedOffset);
            assertThat(ipv4.flagsAndFragment() & 0x1FFF).isEqualTo(expectedOffset / 8);
            assertThat(ipv4.identification()).isEqualTo(0x1234);
            assertThat(ipv4.protocol()).isEqualTo(Ipv4Flyweight.PROTOCOL_UDP);
            assertThat(ipv4.ttl()).isEqualTo(64);
            assertThat(ipv4.source()).isEqualTo(SOURCE);
            assertThat(ipv4.destination()).isEqualTo(DESTINATION);
            assertThat(bytes(fragment, 20, ipv4.payloadLength()))
                .isEqualTo(bytes(packet, 20 + expectedOffset, ipv4.payloadLength()));

            expectedOffset += ipv4.payloadLength();
        }
        assertThat(expectedOffset).isEqualTo(UDP_LENGTH);
    }

    @Test
    void shouldCopyPacketThatFitsAsSingleIdenticalFragment()
    {
        final UnsafeBuffer packet = udpPacket(7, 1480, 2);

        assertThat(Ipv4Fragmenter.fragmentCount(1500, 20, 1500)).isEqualTo(1);
        final UnsafeBuffer fragment = new UnsafeBuffer(new byte[1600]);
        final int length = Ipv4Fragmenter.writeFragment(packet, 0, 1500, 0, fragment, 0);

        assertThat(length).isEqualTo(1500);
        assertThat(bytes(fragment, 0, length)).isEqualTo(bytes(packet, 0, 1500));
    }

    @Test
    void shouldWriteFragmentsAtGivenOffsetsInBothBuffers()
    {
        final UnsafeBuffer packet = udpPacket(9, 3000, 3);
        final UnsafeBuffer shifted = new UnsafeBuffer(new byte[14 + packet.capacity()]);
        shifted.putBytes(14, packet, 0, packet.capacity());
        final UnsafeBuffer direct = new UnsafeBuffer(new byte[1500]);
        final UnsafeBuffer atOffset = new UnsafeBuffer(new byte[14 + 1500]);

        for (int i = 0; i < Ipv4Fragmenter.fragmentCount(3020, 20, 1500); i++)
        {
            final int length = Ipv4Fragmenter.writeFragment(packet, 0, 1500, i, direct, 0);
            assertThat(Ipv4Fragmenter.writeFragment(shifted, 14, 1500, i, atOffset, 14)).isEqualTo(length);
            assertThat(bytes(atOffset, 14, length)).isEqualTo(bytes(direct, 0, length));
        }
    }

    @Test
    void shouldKeepOffsetBaseAndMoreFragmentsWhenFragmentingAFragment()
    {
        final UnsafeBuffer packet = udpPacket(0x4242, UDP_LENGTH, 4);
        final List<UnsafeBuffer> firstHop = fragments(packet, 1500);
        final UnsafeBuffer middle = firstHop.get(2);
        final UnsafeBuffer last = firstHop.get(firstHop.size() - 1);

        final List<UnsafeBuffer> fromMiddle = fragments(middle, 576);
        final List<UnsafeBuffer> fromLast = fragments(last, 576);

        // 1480 payload bytes at 552 per fragment: 552 + 552 + 376, from offset 2960, MF on all
        assertThat(fromMiddle).hasSize(3);
        assertFragment(fromMiddle.get(0), 2960, 552, true);
        assertFragment(fromMiddle.get(1), 3512, 552, true);
        assertFragment(fromMiddle.get(2), 4064, 376, true);
        // 600 payload bytes: 552 + 48 from offset 7400, the last piece ends the datagram
        assertThat(fromLast).hasSize(2);
        assertFragment(fromLast.get(0), 7400, 552, true);
        assertFragment(fromLast.get(1), 7952, 48, false);
    }

    @Test
    void shouldRepeatHeaderOptionsInEveryFragment()
    {
        final int headerLength = 24;
        final int totalLength = headerLength + 100;
        final UnsafeBuffer packet = new UnsafeBuffer(new byte[totalLength]);
        ipv4.wrap(packet, 0, totalLength)
            .writeHeader(0, totalLength, 5, false, false, 0, 64, 253, SOURCE, DESTINATION)
            .versionAndHeaderLength(Ipv4Flyweight.VERSION, headerLength);
        packet.putInt(20, 0x94040000); // router alert, copied flag set
        for (int i = headerLength; i < totalLength; i++)
        {
            packet.putByte(i, (byte)i);
        }
        ipv4.updateHeaderChecksum();

        // (68 - 24) & ~7 = 40 payload bytes per fragment: 40 + 40 + 20
        assertThat(Ipv4Fragmenter.fragmentCount(totalLength, headerLength, 68)).isEqualTo(3);
        final List<UnsafeBuffer> fragments = fragments(packet, 68);
        assertThat(fragments).hasSize(3);
        for (final UnsafeBuffer fragment : fragments)
        {
            ipv4.wrap(fragment, 0, fragment.capacity());
            assertThat(ipv4.check()).isEqualTo(PacketError.NONE);
            assertThat(ipv4.headerLength()).isEqualTo(headerLength);
            assertThat(fragment.getInt(20)).isEqualTo(0x94040000);
            assertThat(bytes(fragment, headerLength, ipv4.payloadLength()))
                .isEqualTo(bytes(packet, headerLength + ipv4.fragmentOffset(), ipv4.payloadLength()));
        }
    }

    @Test
    void shouldReportNoFragmentsWhenMtuLeavesNoRoomForPayload()
    {
        assertThat(Ipv4Fragmenter.payloadPerFragment(60, 67)).isLessThanOrEqualTo(0);
        assertThat(Ipv4Fragmenter.fragmentCount(100, 60, 67)).isZero();
        assertThat(Ipv4Fragmenter.fragmentCount(100, 60, 68)).isEqualTo(5);
        assertThat(Ipv4Fragmenter.fragmentCount(60, 60, 20)).isEqualTo(0);
    }

    private void assertFragment(
        final UnsafeBuffer fragment, final int offset, final int payloadLength, final boolean moreFragments)
    {
        ipv4.wrap(fragment, 0, fragment.capacity());
        assertThat(ipv4.check()).isEqualTo(PacketError.NONE);
        assertThat(ipv4.fragmentOffset()).isEqualTo(offset);
        assertThat(ipv4.payloadLength()).isEqualTo(payloadLength);
        assertThat(ipv4.moreFragments()).isEqualTo(moreFragments);
        assertThat(ipv4.identification()).isEqualTo(0x4242);
    }

    static byte[] bytes(final UnsafeBuffer buffer, final int offset, final int length)
    {
        final byte[] result = new byte[length];
        buffer.getBytes(offset, result);
        return result;
    }
}
