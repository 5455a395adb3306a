package dev.podnet.packet;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class IcmpFlyweightTest
{
    /**
     * Echo request as Windows ping sends it (identifier 1, sequence 1, 32 bytes "abcdefghijklmnopqrstuvwabcdefghi",
     * ICMP checksum 0x4d5a as seen in countless captures), from pod 10.244.1.2 to pod 10.244.2.3 through the
     * gateway MAC 0a:58:0a:f4:01:01, TTL 128, id 0x1a2b, IPv4 checksum 0x07aa.
     */
    static final String ECHO_REQUEST_FRAME =
        "0a58 0af4 0101 0a58 0af4 0102 0800" +
        "4500 003c 1a2b 0000 8001 07aa 0af4 0102 0af4 0203" +
        "0800 4d5a 0001 0001" +
        "6162 6364 6566 6768 696a 6b6c 6d6e 6f70 7172 7374 7576 7761 6263 6465 6667 6869";

    private static final String WINDOWS_PING_DATA = "abcdefghijklmnopqrstuvwabcdefghi";

    private final IcmpFlyweight icmp = new IcmpFlyweight();

    @Test
    void shouldReadGoldenEchoRequest()
    {
        final UnsafeBuffer buffer = bytes(ECHO_REQUEST_FRAME);

        icmp.wrap(buffer, 34, 40);

        assertThat(icmp.check()).isEqualTo(PacketError.NONE);
        assertThat(icmp.type()).isEqualTo(IcmpFlyweight.TYPE_ECHO_REQUEST);
        assertThat(icmp.code()).isZero();
        assertThat(icmp.checksum()).isEqualTo(0x4d5a);
        assertThat(icmp.identifier()).isEqualTo(1);
        assertThat(icmp.sequence()).isEqualTo(1);
        assertThat(icmp.payloadOffset()).isEqualTo(42);
        assertThat(icmp.payloadLength()).isEqualTo(32);
        assertThat(buffer.getStringWithoutLengthAscii(icmp.payloadOffset(), 32)).isEqualTo(WINDOWS_PING_DATA);
        assertThat(icmp).hasToString("ICMP echo-request, id 1, seq 1, length 40");
    }

    @Test
    void shouldWriteEchoIdenticalToGoldenMessage()
    {
        final UnsafeBuffer golden = bytes(ECHO_REQUEST_FRAME);
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[40]);

        icmp.wrap(buffer, 0, 40).writeEcho(IcmpFlyweight.TYPE_ECHO_REQUEST, 1, 1);
        buffer.putBytes(icmp.payloadOffset(), WINDOWS_PING_DATA.getBytes(StandardCharsets.US_ASCII));
        icmp.updateChecksum();

        final byte[] expected = new byte[40];
        golden.getBytes(34, expected);
        assertThat(buffer.byteArray()).isEqualTo(expected);
    }

    @Test
    void shouldTurnRequestIntoReplyWithValidChecksum()
    {
        final UnsafeBuffer buffer = bytes(ECHO_REQUEST_FRAME);
        icmp.wrap(buffer, 34, 40);

        icmp.writeEcho(IcmpFlyweight.TYPE_ECHO_REPLY, icmp.identifier(), icmp.sequence()).updateChecksum();

        // only the type changed, by 0x0800 in the first word: 0x4d5a + 0x0800
        assertThat(icmp.checksum()).isEqualTo(0x555a);
        assertThat(icmp.check()).isEqualTo(PacketError.NONE);
        assertThat(icmp).hasToString("ICMP echo-reply, id 1, seq 1, length 40");
    }

    @Test
    void shouldChecksumOddLengthMessage()
    {
        final Random random = new Random(792);
        for (int length = 8; length < 80; length++)
        {
            final byte[] data = new byte[length + 3];
            random.nextBytes(data);
            final UnsafeBuffer buffer = new UnsafeBuffer(data);

            icmp.wrap(buffer, 3, length).writeEcho(IcmpFlyweight.TYPE_ECHO_REQUEST, length, 7).updateChecksum();

            assertThat(icmp.isChecksumValid()).isTrue();
            assertThat(icmp.check()).isEqualTo(PacketError.NONE);
            final int checksum = icmp.checksum();
            icmp.checksum(0);
            assertThat(checksum).isEqualTo(ChecksumTest.naiveChecksum(data, 3, length, 0));
        }
    }

    @Test
    void shouldWriteFragmentationNeededWithNextHopMtu()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[36]);
        buffer.setMemory(0, 36, (byte)0x5A);

        icmp.wrap(buffer, 0, 36)
            .writeError(IcmpFlyweight.TYPE_DESTINATION_UNREACHABLE, IcmpFlyweight.CODE_FRAGMENTATION_NEEDED, 1400);

        assertThat(HexFormat.of().formatHex(buffer.byteArray(), 0, 8)).isEqualTo("0304000000000578");
        assertThat(icmp.nextHopMtu()).isEqualTo(1400);
        icmp.updateChecksum();
        assertThat(icmp.check()).isEqualTo(PacketError.NONE);
        assertThat(icmp).hasToString("ICMP frag-needed, mtu 1400, length 36");
    }

    @Test
    void shouldZeroUnusedWordOfOtherErrors()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[8]);
        buffer.setMemory(0, 8, (byte)0xFF);

        icmp.wrap(buffer, 0, 8).writeError(IcmpFlyweight.TYPE_TIME_EXCEEDED, IcmpFlyweight.CODE_TTL_EXCEEDED, 1400);

        assertThat(HexFormat.of().formatHex(buffer.byteArray())).isEqualTo("0b00000000000000");

        icmp.writeError(IcmpFlyweight.TYPE_DESTINATION_UNREACHABLE, IcmpFlyweight.CODE_PORT_UNREACHABLE, 0);
        assertThat(HexFormat.of().formatHex(buffer.byteArray())).isEqualTo("0303000000000000");
    }

    @Test
    void shouldQuoteIpHeaderPlusEightBytesOfOffendingDatagram()
    {
        assertThat(IcmpFlyweight.errorQuoteLength(20, 1500)).isEqualTo(28);
        assertThat(IcmpFlyweight.errorQuoteLength(60, 1500)).isEqualTo(68);
        assertThat(IcmpFlyweight.errorQuoteLength(20, 24)).isEqualTo(24);
        assertThat(IcmpFlyweight.errorQuoteLength(20, 28)).isEqualTo(28);
    }

    @Test
    void shouldRoundTripEveryFieldThroughSetters()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[12]);

        icmp.wrap(buffer, 2, 8).type(255).code(254).checksum(0xFFFE).identifier(0xFFFD).sequence(0x8001);

        assertThat(icmp.type()).isEqualTo(255);
        assertThat(icmp.code()).isEqualTo(254);
        assertThat(icmp.checksum()).isEqualTo(0xFFFE);
        assertThat(icmp.identifier()).isEqualTo(0xFFFD);
        assertThat(icmp.sequence()).isEqualTo(0x8001);
        assertThat(icmp.nextHopMtu()).isEqualTo(0x8001);
        icmp.nextHopMtu(9000);
        assertThat(icmp.sequence()).isEqualTo(9000);
        assertThat(buffer.getShort(0)).isZero();
        assertThat(buffer.getShort(10)).isZero();
    }

    @ParameterizedTest
    @CsvSource({
        "0, 0, echo-reply",
        "8, 0, echo-request",
        "3, 0, net-unreachable",
        "3, 1, host-unreachable",
        "3, 2, protocol-unreachable",
        "3, 3, port-unreachable",
        "3, 4, frag-needed",
        "11, 0, time-exceeded",
        "11, 1, reassembly-time-exceeded",
        "3, 13, UNKNOWN(3/13)",
        "11, 2, UNKNOWN(11/2)",
        "42, 0, UNKNOWN(42/0)",
        "255, 255, UNKNOWN(255/255)"})
    void shouldNameTypesAndCodesAndNeverThrowForUnknownOnes(final int type, final int code, final String name)
    {
        assertThat(IcmpFlyweight.typeName(type, code)).isEqualTo(name);
    }

    @Test
    void shouldReportTruncatedMessage()
    {
        final UnsafeBuffer buffer = bytes(ECHO_REQUEST_FRAME);

        icmp.wrap(buffer, 34, 7);

        assertThat(icmp.check()).isEqualTo(PacketError.TRUNCATED_ICMP);
        assertThatThrownBy(icmp::validate)
            .isInstanceOfSatisfying(MalformedPacketException.class,
                ex -> assertThat(ex.error()).isEqualTo(PacketError.TRUNCATED_ICMP))
            .hasMessage("truncated ICMP header: 7 bytes (expected: 8+ bytes)");
    }

    @Test
    void shouldReportBadChecksum()
    {
        final UnsafeBuffer buffer = bytes(ECHO_REQUEST_FRAME);
        buffer.putByte(73, (byte)'j');

        icmp.wrap(buffer, 34, 40);

        assertThat(icmp.check()).isEqualTo(PacketError.BAD_ICMP_CHECKSUM);
        assertThatThrownBy(icmp::validate)
            .isInstanceOfSatisfying(MalformedPacketException.class,
                ex -> assertThat(ex.error()).isEqualTo(PacketError.BAD_ICMP_CHECKSUM))
            .hasMessage("bad ICMP checksum: 0x4d5a (expected: 0x4d59)");
        assertThat(icmp.toString()).endsWith("[bad-icmp-checksum]");
    }

    @Test
    void shouldChainOffsetsFromPreviousField()
    {
        assertThat(IcmpFlyweight.TYPE_OFFSET).isZero();
        assertThat(IcmpFlyweight.CODE_OFFSET).isEqualTo(1);
        assertThat(IcmpFlyweight.CHECKSUM_OFFSET).isEqualTo(2);
        assertThat(IcmpFlyweight.IDENTIFIER_OFFSET).isEqualTo(4);
        assertThat(IcmpFlyweight.SEQUENCE_OFFSET).isEqualTo(6);
        assertThat(IcmpFlyweight.NEXT_HOP_MTU_OFFSET).isEqualTo(6);
        assertThat(IcmpFlyweight.HEADER_LENGTH).isEqualTo(8);
    }

    private static UnsafeBuffer bytes(final String hex)
    {
        return new UnsafeBuffer(HexFormat.of().parseHex(hex.replaceAll("\\s", "")));
    }
}
