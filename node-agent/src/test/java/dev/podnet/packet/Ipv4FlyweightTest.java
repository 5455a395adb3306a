package dev.podnet.packet;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.HexFormat;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class Ipv4FlyweightTest
{
    /**
     * The IPv4 header example of https://en.wikipedia.org/wiki/Internet_checksum: UDP from 192.168.0.1 to
     * 192.168.0.199, total length 115, DF, TTL 64, checksum 0xb861.
     */
    static final String WIKIPEDIA_HEADER = "4500 0073 0000 4000 4011 b861 c0a8 0001 c0a8 00c7";

    private final EthernetFlyweight ethernet = new EthernetFlyweight();
    private final Ipv4Flyweight ipv4 = new Ipv4Flyweight();

    @Test
    void shouldComputeHeaderChecksumOfWikipediaExample()
    {
        final UnsafeBuffer buffer = bytes(WIKIPEDIA_HEADER);

        ipv4.wrap(buffer, 0, 20);

        assertThat(ipv4.headerChecksum()).isEqualTo(0xb861);
        assertThat(ipv4.computeHeaderChecksum()).isEqualTo(0xb861);
        assertThat(ipv4.isHeaderChecksumValid()).isTrue();
        assertThat(ipv4.version()).isEqualTo(4);
        assertThat(ipv4.headerLength()).isEqualTo(20);
        assertThat(ipv4.tos()).isZero();
        assertThat(ipv4.totalLength()).isEqualTo(115);
        assertThat(ipv4.identification()).isZero();
        assertThat(ipv4.dontFragment()).isTrue();
        assertThat(ipv4.moreFragments()).isFalse();
        assertThat(ipv4.fragmentOffset()).isZero();
        assertThat(ipv4.isFragment()).isFalse();
        assertThat(ipv4.ttl()).isEqualTo(64);
        assertThat(ipv4.protocol()).isEqualTo(Ipv4Flyweight.PROTOCOL_UDP);
        assertThat(ipv4.source()).isEqualTo(Ipv4Address.parse("192.168.0.1"));
        assertThat(ipv4.destination()).isEqualTo(Ipv4Address.parse("192.168.0.199"));
        // only the header is here: total length 115 does not fit in 20 bytes
        assertThat(ipv4.check()).isEqualTo(PacketError.BAD_IPV4_TOTAL_LENGTH);
    }

    @Test
    void shouldReadGoldenIcmpEchoRequestFrame()
    {
        final UnsafeBuffer buffer = bytes(IcmpFlyweightTest.ECHO_REQUEST_FRAME);
        ethernet.wrap(buffer, 0, buffer.capacity());

        ipv4.wrap(buffer, ethernet.payloadOffset(), ethernet.payloadLength());

        assertThat(ethernet.etherType()).isEqualTo(EthernetFlyweight.ETHER_TYPE_IPV4);
        assertThat(ipv4.check()).isEqualTo(PacketError.NONE);
        assertThat(ipv4.headerChecksum()).isEqualTo(0x07aa);
        assertThat(ipv4.totalLength()).isEqualTo(60);
        assertThat(ipv4.identification()).isEqualTo(0x1a2b);
        assertThat(ipv4.dontFragment()).isFalse();
        assertThat(ipv4.ttl()).isEqualTo(128);
        assertThat(ipv4.protocol()).isEqualTo(Ipv4Flyweight.PROTOCOL_ICMP);
        assertThat(ipv4.source()).isEqualTo(Ipv4Address.parse("10.244.1.2"));
        assertThat(ipv4.destination()).isEqualTo(Ipv4Address.parse("10.244.2.3"));
        assertThat(ipv4.payloadOffset()).isEqualTo(34);
        assertThat(ipv4.payloadLength()).isEqualTo(40);
        assertThat(ipv4).hasToString("IPv4 10.244.1.2 > 10.244.2.3: ICMP, ttl 128, id 6699, length 60");
    }

    @Test
    void shouldWriteHeadersIdenticalToGoldenFrames()
    {
        final UnsafeBuffer echo = bytes(IcmpFlyweightTest.ECHO_REQUEST_FRAME);
        final UnsafeBuffer udp = bytes(UdpFlyweightTest.UDP_FRAME);
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[20]);

        ipv4.wrap(buffer, 0, 20).writeHeader(
            0, 60, 0x1a2b, false, false, 0, 128, Ipv4Flyweight.PROTOCOL_ICMP, 0x0AF4_0102, 0x0AF4_0203);
        assertThat(buffer.byteArray()).isEqualTo(slice(echo, 14, 20));

        ipv4.wrap(buffer, 0, 20).writeHeader(
            0, 32, 1, true, false, 0, 64, Ipv4Flyweight.PROTOCOL_UDP, 0x0AF4_0102, 0x0AF4_0203);
        assertThat(buffer.byteArray()).isEqualTo(slice(udp, 14, 20));

        ipv4.writeHeader(
            0, 115, 0, true, false, 0, 64, Ipv4Flyweight.PROTOCOL_UDP, 0xC0A8_0001, 0xC0A8_00C7);
        assertThat(buffer.byteArray()).isEqualTo(bytes(WIKIPEDIA_HEADER).byteArray());
    }

    @Test
    void shouldRoundTripEveryFieldThroughSetters()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[80]);

        ipv4.wrap(buffer, 3, 70)
            .versionAndHeaderLength(4, 24)
            .tos(0xB8)
            .totalLength(70)
            .identification(0xFFFE)
            .flagsAndFragment(true, true, 0x1FFF * 8)
            .ttl(255)
            .protocol(0xFD)
            .source(0xFFFF_FFFF)
            .destination(0x8000_0001)
            .headerChecksum(0xABCD);

        assertThat(ipv4.version()).isEqualTo(4);
        assertThat(ipv4.headerLength()).isEqualTo(24);
        assertThat(ipv4.tos()).isEqualTo(0xB8);
        assertThat(ipv4.totalLength()).isEqualTo(70);
        assertThat(ipv4.identification()).isEqualTo(0xFFFE);
        assertThat(ipv4.dontFragment()).isTrue();
        assertThat(ipv4.moreFragments()).isTrue();
        assertThat(ipv4.fragmentOffset()).isEqualTo(65528);
        assertThat(ipv4.flagsAndFragment()).isEqualTo(0x7FFF);
        assertThat(ipv4.ttl()).isEqualTo(255);
        assertThat(ipv4.protocol()).isEqualTo(0xFD);
        assertThat(ipv4.source()).isEqualTo(0xFFFF_FFFF);
        assertThat(ipv4.destination()).isEqualTo(0x8000_0001);
        assertThat(ipv4.headerChecksum()).isEqualTo(0xABCD);
        assertThat(ipv4.payloadOffset()).isEqualTo(27);
        assertThat(ipv4.payloadLength()).isEqualTo(46);
        assertThat(buffer.getByte(2)).isZero();
        assertThat(buffer.getByte(23)).isZero();
    }

    @Test
    void shouldEncodeFragmentOffsetInEightByteUnits()
    {
        final UnsafeBuffer buffer = bytes(WIKIPEDIA_HEADER);
        ipv4.wrap(buffer, 0, 20);

        ipv4.flagsAndFragment(false, true, 1480);
        assertThat(buffer.getShort(6, java.nio.ByteOrder.BIG_ENDIAN)).isEqualTo((short)(0x2000 | 185));
        assertThat(ipv4.fragmentOffset()).isEqualTo(1480);
        assertThat(ipv4.moreFragments()).isTrue();
        assertThat(ipv4.dontFragment()).isFalse();
        assertThat(ipv4.isFragment()).isTrue();

        ipv4.flagsAndFragment(false, false, 2960);
        assertThat(ipv4.isFragment()).as("last fragment").isTrue();

        ipv4.flagsAndFragment(true, false, 0);
        assertThat(ipv4.isFragment()).isFalse();
        assertThat(ipv4.dontFragment()).isTrue();

        buffer.putByte(6, (byte)0x80);
        assertThat(ipv4.isFragment()).as("reserved bit alone").isFalse();
    }

    @Test
    void shouldDecrementTtlOfWikipediaHeader()
    {
        final UnsafeBuffer buffer = bytes(WIKIPEDIA_HEADER);

        ipv4.wrap(buffer, 0, 20).decrementTtl();

        assertThat(ipv4.ttl()).isEqualTo(63);
        assertThat(ipv4.headerChecksum()).isEqualTo(0xb961);
        assertThat(ipv4.isHeaderChecksumValid()).isTrue();
    }

    @Test
    void shouldDecrementTtlIncrementallyExactlyAsFullRecomputeForRandomHeaders()
    {
        final Random random = new Random(1624);
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[2 + Ipv4Flyweight.MAX_HEADER_LENGTH]);

        for (int i = 0; i < 50_000; i++)
        {
            final int headerLength = 4 * (5 + random.nextInt(11));
            final byte[] header = new byte[headerLength];
            random.nextBytes(header);
            buffer.putBytes(2, header);
            ipv4.wrap(buffer, 2, headerLength)
                .versionAndHeaderLength(4, headerLength)
                .ttl(i % 4 == 0 ? 1 + random.nextInt(2) : random.nextInt(256))
                .updateHeaderChecksum();
            final int ttl = ipv4.ttl();

            ipv4.decrementTtl();

            assertThat(ipv4.ttl()).isEqualTo((ttl - 1) & 0xFF);
            assertThat(ipv4.headerChecksum())
                .as("header %s", HexFormat.of().formatHex(header))
                .isEqualTo(ipv4.computeHeaderChecksum());
            assertThat(ipv4.isHeaderChecksumValid()).isTrue();
        }
    }

    @Test
    void shouldKeepChecksumValidWhileDecrementingTtlFromMaximumToZero()
    {
        final UnsafeBuffer buffer = bytes(WIKIPEDIA_HEADER);
        ipv4.wrap(buffer, 0, 20).ttl(255).updateHeaderChecksum();

        for (int ttl = 254; ttl >= 0; ttl--)
        {
            ipv4.decrementTtl();
            assertThat(ipv4.ttl()).isEqualTo(ttl);
            assertThat(ipv4.headerChecksum()).isEqualTo(ipv4.computeHeaderChecksum());
        }
    }

    @Test
    void shouldAcceptOptionsAndSkipThem()
    {
        // IHL 6: four option bytes (NOP, NOP, NOP, End of Option List) then 4 bytes of payload
        final UnsafeBuffer buffer = bytes("4600 001c 0001 0000 4011 0000 0af4 0102 0af4 0203 0101 0100 dead beef");
        ipv4.wrap(buffer, 0, buffer.capacity()).updateHeaderChecksum();

        assertThat(ipv4.check()).isEqualTo(PacketError.NONE);
        assertThat(ipv4.headerLength()).isEqualTo(24);
        assertThat(ipv4.payloadOffset()).isEqualTo(24);
        assertThat(ipv4.payloadLength()).isEqualTo(4);
        assertThat(buffer.getInt(ipv4.payloadOffset(), java.nio.ByteOrder.BIG_ENDIAN)).isEqualTo(0xDEADBEEF);

        buffer.putByte(21, (byte)0x44);
        assertThat(ipv4.check()).as("options are covered by the checksum").isEqualTo(PacketError.BAD_IPV4_CHECKSUM);
    }

    @Test
    void shouldAcceptEthernetPaddingAfterTotalLength()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[60]);
        buffer.putBytes(14, bytes(UdpFlyweightTest.UDP_FRAME), 14, 32);

        ipv4.wrap(buffer, 14, 46);

        assertThat(ipv4.check()).isEqualTo(PacketError.NONE);
        assertThat(ipv4.totalLength()).isEqualTo(32);
        assertThat(ipv4.payloadLength()).isEqualTo(12);
    }

    @Test
    void shouldReportTruncatedHeader()
    {
        final UnsafeBuffer buffer = bytes(IcmpFlyweightTest.ECHO_REQUEST_FRAME);

        assertError(ipv4.wrap(buffer, 14, 12), PacketError.TRUNCATED_IPV4,
            "truncated IPv4 header: 12 bytes (expected: 20+ bytes)");
        assertError(ipv4.wrap(buffer, 14, 19), PacketError.TRUNCATED_IPV4,
            "truncated IPv4 header: 19 bytes (expected: 20+ bytes)");
        assertError(ipv4.wrap(buffer, 14, 0), PacketError.TRUNCATED_IPV4,
            "truncated IPv4 header: 0 bytes (expected: 20+ bytes)");
    }

    @Test
    void shouldReportBadVersion()
    {
        final UnsafeBuffer buffer = bytes(IcmpFlyweightTest.ECHO_REQUEST_FRAME);
        buffer.putByte(14, (byte)0x65);

        assertError(ipv4.wrap(buffer, 14, 60), PacketError.BAD_IPV4_VERSION, "bad IPv4 version: 6 (expected: 4)");
    }

    @Test
    void shouldReportBadHeaderLength()
    {
        final UnsafeBuffer buffer = bytes(IcmpFlyweightTest.ECHO_REQUEST_FRAME);

        buffer.putByte(14, (byte)0x44);
        assertError(ipv4.wrap(buffer, 14, 60), PacketError.BAD_IPV4_HEADER_LENGTH,
            "bad IPv4 header length: 16 bytes (expected: 20..60 bytes, 60 available)");

        buffer.putByte(14, (byte)0x40);
        assertError(ipv4.wrap(buffer, 14, 60), PacketError.BAD_IPV4_HEADER_LENGTH,
            "bad IPv4 header length: 0 bytes (expected: 20..60 bytes, 60 available)");

        buffer.putByte(14, (byte)0x4f);
        assertError(ipv4.wrap(buffer, 14, 40), PacketError.BAD_IPV4_HEADER_LENGTH,
            "bad IPv4 header length: 60 bytes (expected: 20..40 bytes, 40 available)");
    }

    @Test
    void shouldReportBadTotalLength()
    {
        final UnsafeBuffer buffer = bytes(IcmpFlyweightTest.ECHO_REQUEST_FRAME);

        ipv4.wrap(buffer, 14, 60).totalLength(19);
        assertError(ipv4, PacketError.BAD_IPV4_TOTAL_LENGTH,
            "bad IPv4 total length: 19 bytes (expected: 20..60 bytes, 60 available)");

        ipv4.totalLength(61);
        assertError(ipv4, PacketError.BAD_IPV4_TOTAL_LENGTH,
            "bad IPv4 total length: 61 bytes (expected: 20..60 bytes, 60 available)");

        ipv4.wrap(buffer, 14, 59).totalLength(60);
        assertError(ipv4, PacketError.BAD_IPV4_TOTAL_LENGTH,
            "bad IPv4 total length: 60 bytes (expected: 20..59 bytes, 59 available)");
    }

    @Test
    void shouldReportBadChecksum()
    {
        final UnsafeBuffer buffer = bytes(IcmpFlyweightTest.ECHO_REQUEST_FRAME);

        ipv4.wrap(buffer, 14, 60).headerChecksum(0x07ab);

        assertError(ipv4, PacketError.BAD_IPV4_CHECKSUM, "bad IPv4 header checksum: 0x07ab (expected: 0x07aa)");
        assertThat(ipv4.toString()).endsWith("[bad-ipv4-checksum]");
    }

    @Test
    void shouldCheckInDocumentedOrder()
    {
        final UnsafeBuffer buffer = bytes(IcmpFlyweightTest.ECHO_REQUEST_FRAME);
        ipv4.wrap(buffer, 14, 60).headerChecksum(0).totalLength(0xFFFF);
        buffer.putByte(14, (byte)0x6f);

        assertThat(ipv4.wrap(buffer, 14, 19).check()).isEqualTo(PacketError.TRUNCATED_IPV4);
        assertThat(ipv4.wrap(buffer, 14, 60).check()).isEqualTo(PacketError.BAD_IPV4_VERSION);
        buffer.putByte(14, (byte)0x4f);
        assertThat(ipv4.check()).isEqualTo(PacketError.BAD_IPV4_TOTAL_LENGTH);
        assertThat(ipv4.wrap(buffer, 14, 59).check()).isEqualTo(PacketError.BAD_IPV4_HEADER_LENGTH);
        buffer.putByte(14, (byte)0x45);
        assertThat(ipv4.check()).isEqualTo(PacketError.BAD_IPV4_TOTAL_LENGTH);
        ipv4.totalLength(59);
        assertThat(ipv4.check()).isEqualTo(PacketError.BAD_IPV4_CHECKSUM);
        ipv4.updateHeaderChecksum();
        assertThat(ipv4.check()).isEqualTo(PacketError.NONE);
    }

    @Test
    void shouldNameProtocolsAndNeverThrowForUnknownOnes()
    {
        assertThat(Ipv4Flyweight.protocolName(1)).isEqualTo("ICMP");
        assertThat(Ipv4Flyweight.protocolName(6)).isEqualTo("TCP");
        assertThat(Ipv4Flyweight.protocolName(17)).isEqualTo("UDP");
        assertThat(Ipv4Flyweight.protocolName(0x2f)).isEqualTo("UNKNOWN(0x2f)");
        assertThat(Ipv4Flyweight.protocolName(0)).isEqualTo("UNKNOWN(0x00)");
        assertThat(Ipv4Flyweight.protocolName(255)).isEqualTo("UNKNOWN(0xff)");
    }

    @Test
    void shouldChainOffsetsFromPreviousField()
    {
        assertThat(Ipv4Flyweight.VERSION_IHL_OFFSET).isZero();
        assertThat(Ipv4Flyweight.TOS_OFFSET).isEqualTo(1);
        assertThat(Ipv4Flyweight.TOTAL_LENGTH_OFFSET).isEqualTo(2);
        assertThat(Ipv4Flyweight.IDENTIFICATION_OFFSET).isEqualTo(4);
        assertThat(Ipv4Flyweight.FLAGS_FRAGMENT_OFFSET).isEqualTo(6);
        assertThat(Ipv4Flyweight.TTL_OFFSET).isEqualTo(8);
        assertThat(Ipv4Flyweight.PROTOCOL_OFFSET).isEqualTo(9);
        assertThat(Ipv4Flyweight.CHECKSUM_OFFSET).isEqualTo(10);
        assertThat(Ipv4Flyweight.SOURCE_OFFSET).isEqualTo(12);
        assertThat(Ipv4Flyweight.DESTINATION_OFFSET).isEqualTo(16);
        assertThat(Ipv4Flyweight.MIN_HEADER_LENGTH).isEqualTo(20);
    }

    private static void assertError(final Ipv4Flyweight ipv4, final PacketError error, final String message)
    {
        assertThat(ipv4.check()).isEqualTo(error);
        assertThatThrownBy(ipv4::validate)
            .isInstanceOfSatisfying(MalformedPacketException.class, ex -> assertThat(ex.error()).isEqualTo(error))
            .hasMessage(message);
    }

    private static byte[] slice(final UnsafeBuffer buffer, final int offset, final int length)
    {
        final byte[] bytes = new byte[length];
        buffer.getBytes(offset, bytes);
        return bytes;
    }

    private static UnsafeBuffer bytes(final String hex)
    {
        return new UnsafeBuffer(HexFormat.of().parseHex(hex.replaceAll("\\s", "")));
    }
}
