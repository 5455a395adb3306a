package dev.podnet.packet;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class UdpFlyweightTest
{
    private static final int SOURCE_IP = 0x0AF4_0102;      // 10.244.1.2
    private static final int DESTINATION_IP = 0x0AF4_0203; // 10.244.2.3

    /**
     * UDP "ping" from 10.244.1.2:40000 to 10.244.2.3:7 (echo), DF, TTL 64, IPv4 checksum 0x21e0.
     * <p>
     * UDP checksum by hand, 16-bit words:
     * <pre>
     *   pseudo-header  0af4 + 0102 + 0af4 + 0203 + 0011 + 000c
     *   header         9c40 + 0007 + 000c + 0000 (checksum field taken as zero)
     *   data           7069 + 6e67 ("ping")
     *   sum          = 1942d, carry folded: 942d + 1 = 942e, complemented: 6bd1
     * </pre>
     */
    static final String UDP_FRAME =
        "0a58 0af4 0101 0a58 0af4 0102 0800" +
        "4500 0020 0001 4000 4011 21e0 0af4 0102 0af4 0203" +
        "9c40 0007 000c 6bd1 7069 6e67";

    private final UdpFlyweight udp = new UdpFlyweight();

    @Test
    void shouldReadGoldenDatagramWithHandComputedChecksum()
    {
        final UnsafeBuffer buffer = bytes(UDP_FRAME);

        udp.wrap(buffer, 34, 12);

        assertThat(udp.check(SOURCE_IP, DESTINATION_IP)).isEqualTo(PacketError.NONE);
        assertThat(udp.sourcePort()).isEqualTo(40000);
        assertThat(udp.destinationPort()).isEqualTo(7);
        assertThat(udp.udpLength()).isEqualTo(12);
        assertThat(udp.checksum()).isEqualTo(0x6bd1);
        assertThat(udp.computeChecksum(SOURCE_IP, DESTINATION_IP)).isEqualTo(0x6bd1);
        assertThat(udp.isChecksumValid(SOURCE_IP, DESTINATION_IP)).isTrue();
        assertThat(udp.payloadOffset()).isEqualTo(42);
        assertThat(udp.payloadLength()).isEqualTo(4);
        assertThat(udp).hasToString("UDP 40000 > 7, length 12");
    }

    @Test
    void shouldWriteFullFrameIdenticalToGolden()
    {
        final byte[] payload = "ping".getBytes(StandardCharsets.US_ASCII);
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[46]);
        final EthernetFlyweight ethernet = new EthernetFlyweight();
        final Ipv4Flyweight ipv4 = new Ipv4Flyweight();

        ethernet.wrap(buffer, 0, 46)
            .destination(MacAddress.podMac(0x0AF4_0101))
            .source(MacAddress.podMac(SOURCE_IP))
            .etherType(EthernetFlyweight.ETHER_TYPE_IPV4);
        ipv4.wrap(buffer, ethernet.payloadOffset(), ethernet.payloadLength()).writeHeader(
            0, 20 + 8 + payload.length, 1, true, false, 0, 64, Ipv4Flyweight.PROTOCOL_UDP, SOURCE_IP, DESTINATION_IP);
        udp.wrap(buffer, ipv4.payloadOffset(), ipv4.payloadLength()).writeHeader(40000, 7, payload.length);
        buffer.putBytes(udp.payloadOffset(), payload);
        udp.updateChecksum(SOURCE_IP, DESTINATION_IP);

        assertThat(HexFormat.of().formatHex(buffer.byteArray())).isEqualTo(UDP_FRAME.replace(" ", ""));
    }

    @Test
    void shouldChecksumOddLengthDatagram()
    {
        // pseudo-header 0af4+0102+0af4+0203+0011+000d, header 9c40+0007+000d, data 6865+6c6c+6f00 ("hello" padded)
        // = 1f930, carry folded: f930 + 1 = f931, complemented: 06ce
        final UnsafeBuffer buffer = bytes("9c40 0007 000d 0000 6865 6c6c 6f");

        udp.wrap(buffer, 0, 13);

        assertThat(udp.computeChecksum(SOURCE_IP, DESTINATION_IP)).isEqualTo(0x06ce);
        udp.updateChecksum(SOURCE_IP, DESTINATION_IP);
        assertThat(udp.check(SOURCE_IP, DESTINATION_IP)).isEqualTo(PacketError.NONE);
    }

    @Test
    void shouldMatchNaiveChecksumOfPseudoHeaderAndDatagram()
    {
        final Random random = new Random(768);
        for (int i = 0; i < 5_000; i++)
        {
            final int payloadLength = random.nextInt(200);
            final int sourceIp = random.nextInt();
            final int destinationIp = random.nextInt();
            final byte[] data = new byte[1 + 8 + payloadLength + random.nextInt(5)];
            random.nextBytes(data);
            final UnsafeBuffer buffer = new UnsafeBuffer(data);

            udp.wrap(buffer, 1, data.length - 1).writeHeader(random.nextInt(65536), random.nextInt(65536), payloadLength);
            final int checksum = udp.computeChecksum(sourceIp, destinationIp);

            final int expected = naiveUdpChecksum(data, 1, 8 + payloadLength, sourceIp, destinationIp);
            assertThat(checksum).isEqualTo(0 == expected ? 0xFFFF : expected);
            udp.updateChecksum(sourceIp, destinationIp);
            assertThat(udp.check(sourceIp, destinationIp)).isEqualTo(PacketError.NONE);
            assertThat(udp.check(sourceIp ^ 0x0100, destinationIp)).isEqualTo(PacketError.BAD_UDP_CHECKSUM);
        }
    }

    @Test
    void shouldSendComputedZeroAsAllOnesAndAcceptIt()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[10]);
        udp.wrap(buffer, 0, 10).writeHeader(40000, 7, 2);
        // choose the data word so that the sum is 0xffff and the complement 0
        buffer.putShort(8, (short)udp.computeChecksum(SOURCE_IP, DESTINATION_IP), java.nio.ByteOrder.BIG_ENDIAN);

        final int checksum = udp.computeChecksum(SOURCE_IP, DESTINATION_IP);
        udp.checksum(checksum);

        assertThat(checksum).isEqualTo(0xFFFF);
        assertThat(udp.isChecksumValid(SOURCE_IP, DESTINATION_IP)).isTrue();
        assertThat(udp.check(SOURCE_IP, DESTINATION_IP)).isEqualTo(PacketError.NONE);
    }

    @Test
    void shouldTreatZeroChecksumAsNoChecksum()
    {
        final UnsafeBuffer buffer = bytes(UDP_FRAME);
        udp.wrap(buffer, 34, 12).checksum(0);
        buffer.putByte(45, (byte)'G');

        assertThat(udp.isChecksumValid(SOURCE_IP, DESTINATION_IP)).isTrue();
        assertThat(udp.check(SOURCE_IP, DESTINATION_IP)).isEqualTo(PacketError.NONE);
    }

    @Test
    void shouldRoundTripEveryFieldThroughSetters()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[12]);

        udp.wrap(buffer, 2, 8).sourcePort(65535).destinationPort(32768).udpLength(65534).checksum(0x8001);

        assertThat(udp.sourcePort()).isEqualTo(65535);
        assertThat(udp.destinationPort()).isEqualTo(32768);
        assertThat(udp.udpLength()).isEqualTo(65534);
        assertThat(udp.checksum()).isEqualTo(0x8001);
        assertThat(udp.payloadLength()).isEqualTo(65526);
        assertThat(udp.payloadOffset()).isEqualTo(10);
        assertThat(buffer.getShort(0)).isZero();
        assertThat(buffer.getShort(10)).isZero();
    }

    @Test
    void shouldReportTruncatedHeader()
    {
        final UnsafeBuffer buffer = bytes(UDP_FRAME);

        udp.wrap(buffer, 34, 7);

        assertError(PacketError.TRUNCATED_UDP, "truncated UDP header: 7 bytes (expected: 8+ bytes)");
    }

    @Test
    void shouldReportLengthFieldShorterThanHeaderOrLongerThanAvailable()
    {
        final UnsafeBuffer buffer = bytes(UDP_FRAME);

        udp.wrap(buffer, 34, 12).udpLength(7);
        assertError(PacketError.BAD_UDP_LENGTH, "bad UDP length: 7 bytes (expected: 8..12 bytes, 12 available)");

        udp.udpLength(13);
        assertError(PacketError.BAD_UDP_LENGTH, "bad UDP length: 13 bytes (expected: 8..12 bytes, 12 available)");

        udp.udpLength(12);
        assertThat(udp.check(SOURCE_IP, DESTINATION_IP)).isEqualTo(PacketError.NONE);
        udp.wrap(buffer, 34, 11);
        assertError(PacketError.BAD_UDP_LENGTH, "bad UDP length: 12 bytes (expected: 8..11 bytes, 11 available)");
    }

    @Test
    void shouldReportBadChecksum()
    {
        final UnsafeBuffer buffer = bytes(UDP_FRAME);

        udp.wrap(buffer, 34, 12).checksum(0x6bd2);

        assertError(PacketError.BAD_UDP_CHECKSUM, "bad UDP checksum: 0x6bd2 (expected: 0x6bd1 or 0)");
    }

    @Test
    void shouldChainOffsetsFromPreviousField()
    {
        assertThat(UdpFlyweight.SOURCE_PORT_OFFSET).isZero();
        assertThat(UdpFlyweight.DESTINATION_PORT_OFFSET).isEqualTo(2);
        assertThat(UdpFlyweight.LENGTH_OFFSET).isEqualTo(4);
        assertThat(UdpFlyweight.CHECKSUM_OFFSET).isEqualTo(6);
        assertThat(UdpFlyweight.HEADER_LENGTH).isEqualTo(8);
    }

    private void assertError(final PacketError error, final String message)
    {
        assertThat(udp.check(SOURCE_IP, DESTINATION_IP)).isEqualTo(error);
        assertThatThrownBy(() -> udp.validate(SOURCE_IP, DESTINATION_IP))
            .isInstanceOfSatisfying(MalformedPacketException.class, ex -> assertThat(ex.error()).isEqualTo(error))
            .hasMessage(message);
    }

    /**
     * A second, independent implementation: build the pseudo-header and datagram in one array, checksum field
     * zeroed, and sum it 16 bits at a time.
     */
    private static int naiveUdpChecksum(
        final byte[] data, final int offset, final int udpLength, final int sourceIp, final int destinationIp)
    {
        final byte[] all = new byte[12 + udpLength];
        final UnsafeBuffer buffer = new UnsafeBuffer(all);
        buffer.putInt(0, sourceIp, java.nio.ByteOrder.BIG_ENDIAN);
        buffer.putInt(4, destinationIp, java.nio.ByteOrder.BIG_ENDIAN);
        buffer.putByte(9, (byte)17);
        buffer.putShort(10, (short)udpLength, java.nio.ByteOrder.BIG_ENDIAN);
        System.arraycopy(data, offset, all, 12, udpLength);
        all[12 + 6] = 0;
        all[12 + 7] = 0;

        return ChecksumTest.naiveChecksum(all, 0, all.length, 0);
    }

    private static UnsafeBuffer bytes(final String hex)
    {
        return new UnsafeBuffer(HexFormat.of().parseHex(hex.replaceAll("\\s", "")));
    }
}
