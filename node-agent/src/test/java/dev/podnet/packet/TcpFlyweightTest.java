package dev.podnet.packet;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TcpFlyweightTest
{
    private static final int SOURCE_IP = 0x0AF4_0102;      // 10.244.1.2
    private static final int DESTINATION_IP = 0x0AF4_0203; // 10.244.2.3

    /**
     * A SYN the Linux kernel sent (curl 7.88 to {@code python3 -m http.server}), captured on loopback; its
     * addresses rewritten to 10.244.1.2 &gt; 10.244.2.3 and both checksums recomputed, which tshark verifies.
     * Options in Linux's order: MSS 65495, SACK-permitted, timestamps (TSval 0x5d6f48a6, TSecr 0), NOP,
     * window scale 10.
     */
    static final String SYN_FRAME =
        "0a58 0af4 0101 0a58 0af4 0102 0800" +
        "4500 003c 7e1b 4000 4006 a3b4 0af4 0102 0af4 0203" +
        "8e8a 4959 827b 109c 0000 0000 a002 ffd7 2404 0000" +
        "0204 ffd7 0402 080a 5d6f 48a6 0000 0000 0103 030a";

    /**
     * The same connection's first data segment: PSH-ACK with timestamps and curl's 79-byte GET request.
     */
    static final String DATA_FRAME =
        "0a58 0af4 0101 0a58 0af4 0102 0800" +
        "4500 0083 7e1d 4000 4006 a36b 0af4 0102 0af4 0203" +
        "8e8a 4959 827b 109d 2694 ecdf 8018 0040 7144 0000" +
        "0101 080a 5d6f 48a6 fd2d f9ed" +
        "4745 5420 2f20 4854 5450 2f31 2e31 0d0a 486f 7374 3a20 3132 372e 302e 302e 313a" +
        "3138 3737 370d 0a55 7365 722d 4167 656e 743a 2063 7572 6c2f 372e 3838 2e31 0d0a" +
        "4163 6365 7074 3a20 2a2f 2a0d 0a0d 0a";

    private static final int L4 = 34;

    private final TcpFlyweight tcp = new TcpFlyweight();

    @Test
    void shouldReadGoldenSynFromLinuxWithItsOptions()
    {
        final UnsafeBuffer buffer = bytes(SYN_FRAME);

        tcp.wrap(buffer, L4, buffer.capacity() - L4);

        assertThat(tcp.check(SOURCE_IP, DESTINATION_IP)).isEqualTo(PacketError.NONE);
        assertThat(tcp.sourcePort()).isEqualTo(36490);
        assertThat(tcp.destinationPort()).isEqualTo(18777);
        assertThat(Integer.toUnsignedLong(tcp.sequence())).isEqualTo(2189103260L);
        assertThat(tcp.acknowledgment()).isZero();
        assertThat(tcp.headerLength()).isEqualTo(40);
        assertThat(tcp.flags()).isEqualTo(TcpFlyweight.SYN);
        assertThat(tcp.hasFlags(TcpFlyweight.SYN)).isTrue();
        assertThat(tcp.hasFlags(TcpFlyweight.SYN | TcpFlyweight.ACK)).isFalse();
        assertThat(tcp.window()).isEqualTo(65495);
        assertThat(tcp.checksum()).isEqualTo(0x2404);
        assertThat(tcp.payloadLength()).isZero();
        assertThat(tcp.sequenceLength()).as("a SYN takes one sequence number").isEqualTo(1);

        assertThat(tcp.parseOptions()).isEqualTo(20);
        assertThat(tcp.mss()).isEqualTo(65495);
        assertThat(tcp.sackPermitted()).isTrue();
        assertThat(tcp.hasTimestamps()).isTrue();
        assertThat(tcp.timestampValue()).isEqualTo(0x5d6f48a6);
        assertThat(tcp.timestampEchoReply()).isZero();
        assertThat(tcp.windowScale()).isEqualTo(10);
        assertThat(tcp.sackBlockCount()).isZero();
        assertThat(tcp).hasToString("TCP 36490 > 18777: Flags [S], seq 2189103260, win 65495, length 0");
    }

    @Test
    void shouldReadGoldenDataSegmentFromLinux()
    {
        final UnsafeBuffer buffer = bytes(DATA_FRAME);

        tcp.wrap(buffer, L4, buffer.capacity() - L4);

        assertThat(tcp.check(SOURCE_IP, DESTINATION_IP)).isEqualTo(PacketError.NONE);
        assertThat(tcp.flags()).isEqualTo(TcpFlyweight.PSH | TcpFlyweight.ACK);
        assertThat(Integer.toUnsignedLong(tcp.acknowledgment())).isEqualTo(647294175L);
        assertThat(tcp.window()).isEqualTo(64);
        assertThat(tcp.headerLength()).isEqualTo(32);
        assertThat(tcp.payloadLength()).isEqualTo(79);
        assertThat(tcp.sequenceLength()).isEqualTo(79);
        assertThat(buffer.getStringWithoutLengthAscii(tcp.payloadOffset(), 14)).isEqualTo("GET / HTTP/1.1");
        tcp.parseOptions();
        assertThat(tcp.mss()).isEqualTo(TcpFlyweight.NO_MSS);
        assertThat(tcp.windowScale()).isEqualTo(TcpFlyweight.NO_WINDOW_SCALE);
        assertThat(tcp.sackPermitted()).isFalse();
        assertThat(tcp.hasTimestamps()).isTrue();
        assertThat(tcp.timestampValue()).isEqualTo(0x5d6f48a6);
        assertThat(tcp.timestampEchoReply()).isEqualTo(0xfd2df9ed);
        assertThat(tcp).hasToString("TCP 36490 > 18777: Flags [P.], seq 2189103261, ack 647294175, win 64, length 79");
    }

    @Test
    void shouldWriteSynIdenticalToLinuxs()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[74]);
        final Ipv4Flyweight ipv4 = new Ipv4Flyweight();
        new EthernetFlyweight().wrap(buffer, 0, 74)
            .destination(MacAddress.podMac(0x0AF4_0101))
            .source(MacAddress.podMac(SOURCE_IP))
            .etherType(EthernetFlyweight.ETHER_TYPE_IPV4);
        ipv4.wrap(buffer, 14, 60).writeHeader(0, 60, 0x7e1b, true, false, 0, 64, Ipv4Flyweight.PROTOCOL_TCP, SOURCE_IP, DESTINATION_IP);

        tcp.wrap(buffer, L4, 40).writeHeader(36490, 18777, (int)2189103260L, 0, 40, TcpFlyweight.SYN, 65495);
        final int options = tcp.writeSynOptions(65495, 10, true, true, 0x5d6f48a6, 0);
        tcp.updateChecksum(SOURCE_IP, DESTINATION_IP);

        assertThat(options).isEqualTo(20);
        assertThat(HexFormat.of().formatHex(buffer.byteArray())).isEqualTo(SYN_FRAME.replace(" ", ""));
    }

    @Test
    void shouldWriteDataSegmentIdenticalToLinuxs()
    {
        final UnsafeBuffer golden = bytes(DATA_FRAME);
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[golden.capacity()]);
        buffer.putBytes(0, golden, 0, L4); // Ethernet and IPv4 as captured
        final int length = golden.capacity() - L4;
        final byte[] request = "GET / HTTP/1.1\r\nHost: 127.0.0.1:18777\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n"
            .getBytes(StandardCharsets.US_ASCII);

        tcp.wrap(buffer, L4, length).writeHeader(
            36490, 18777, (int)2189103261L, (int)647294175L, 32, TcpFlyweight.PSH | TcpFlyweight.ACK, 64);
        assertThat(tcp.writeOptions(true, 0x5d6f48a6, 0xfd2df9ed, 0, null, null)).isEqualTo(12);
        buffer.putBytes(tcp.payloadOffset(), request);
        tcp.updateChecksum(SOURCE_IP, DESTINATION_IP);

        assertThat(HexFormat.of().formatHex(buffer.byteArray())).isEqualTo(DATA_FRAME.replace(" ", ""));
    }

    @Test
    void shouldRoundTripSackBlocksBehindTimestamps()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[60]);
        final int[] left = {1000, 3000, 5000, 7000};
        final int[] right = {2000, 4000, 6000, 8000};

        tcp.wrap(buffer, 0, 60);
        final int withTimestamps = tcp.writeOptions(true, 7, 9, 4, left, right);
        tcp.writeHeader(1, 2, 3, 4, 20 + withTimestamps, TcpFlyweight.ACK, 100);
        tcp.wrap(buffer, 0, 20 + withTimestamps);
        tcp.parseOptions();

        assertThat(withTimestamps).as("12 for timestamps, 4 + 3 x 8 for three blocks").isEqualTo(40)
            .isEqualTo(TcpFlyweight.optionsLength(true, 4));
        assertThat(tcp.hasTimestamps()).isTrue();
        assertThat(tcp.timestampValue()).isEqualTo(7);
        assertThat(tcp.timestampEchoReply()).isEqualTo(9);
        assertThat(tcp.sackBlockCount()).as("a fourth block does not fit beside timestamps").isEqualTo(3);
        assertThat(tcp.sackLeft(0)).isEqualTo(1000);
        assertThat(tcp.sackRight(2)).isEqualTo(6000);

        tcp.wrap(buffer, 0, 60);
        final int withoutTimestamps = tcp.writeOptions(false, 0, 0, 4, left, right);
        tcp.headerLength(20 + withoutTimestamps);
        tcp.wrap(buffer, 0, 20 + withoutTimestamps);
        tcp.parseOptions();

        assertThat(withoutTimestamps).isEqualTo(36);
        assertThat(tcp.hasTimestamps()).isFalse();
        assertThat(tcp.sackBlockCount()).isEqualTo(4);
        assertThat(tcp.sackLeft(3)).isEqualTo(7000);
        assertThat(tcp.sackRight(3)).isEqualTo(8000);
    }

    @Test
    void shouldWriteSynOptionsInLinuxLayoutsWithoutTimestampsOrSack()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[60]);

        tcp.wrap(buffer, 0, 60);
        assertThat(tcp.writeSynOptions(1373, 7, true, false, 0, 0)).isEqualTo(12);
        assertThat(HexFormat.of().formatHex(buffer.byteArray(), 20, 32)).isEqualTo("0204055d" + "01010402" + "01030307");

        assertThat(tcp.writeSynOptions(1373, TcpFlyweight.NO_WINDOW_SCALE, false, true, 1, 0)).isEqualTo(16);
        assertThat(HexFormat.of().formatHex(buffer.byteArray(), 20, 36)).isEqualTo("0204055d" + "0101080a0000000100000000");

        assertThat(tcp.writeSynOptions(536, TcpFlyweight.NO_WINDOW_SCALE, false, false, 0, 0)).isEqualTo(4);
    }

    @Test
    void shouldSkipUnknownOptionsAndStopAtSillyOrPartialOnes()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[60]);
        tcp.wrap(buffer, 0, 60).writeHeader(1, 2, 3, 4, 40, TcpFlyweight.SYN, 100);
        // unknown kind 30 (MPTCP) of length 6, then MSS 1460, then a zero-length option, then window scale
        buffer.putBytes(20, HexFormat.of().parseHex("1e06aabbccdd" + "020405b4" + "0700" + "01030307" + "0000"));

        tcp.parseOptions();

        assertThat(tcp.mss()).isEqualTo(1460);
        assertThat(tcp.windowScale()).as("parsing stopped at the silly option, as Linux's does").isEqualTo(-1);

        // an option whose length runs past the header
        buffer.putBytes(20, HexFormat.of().parseHex("020405b4" + "01" + "080a00"));
        tcp.headerLength(28);
        tcp.wrap(buffer, 0, 60).parseOptions();

        assertThat(tcp.mss()).isEqualTo(1460);
        assertThat(tcp.hasTimestamps()).isFalse();
    }

    @Test
    void shouldIgnoreOptionsOfTheWrongLengthAndCapTheWindowScale()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[40]);
        tcp.wrap(buffer, 0, 40).writeHeader(1, 2, 3, 4, 40, TcpFlyweight.SYN, 100);
        // MSS of length 3, SACK-permitted of length 3, window scale 15, EOL
        buffer.putBytes(20, HexFormat.of().parseHex("020305" + "040300" + "03030f" + "00" + "0204ffff00000000"));

        tcp.parseOptions();

        assertThat(tcp.mss()).isEqualTo(TcpFlyweight.NO_MSS);
        assertThat(tcp.sackPermitted()).isFalse();
        assertThat(tcp.windowScale()).as("RFC 7323 2.3: used as 14").isEqualTo(14);
    }

    @Test
    void shouldForgetParsedOptionsWhenWrapped()
    {
        final UnsafeBuffer syn = bytes(SYN_FRAME);
        tcp.wrap(syn, L4, syn.capacity() - L4).parseOptions();

        tcp.wrap(syn, L4, syn.capacity() - L4);

        assertThat(tcp.mss()).isEqualTo(TcpFlyweight.NO_MSS);
        assertThat(tcp.hasTimestamps()).isFalse();
    }

    @Test
    void shouldRejectTruncatedSegment()
    {
        final UnsafeBuffer buffer = bytes(SYN_FRAME);

        tcp.wrap(buffer, L4, 19);

        assertThat(tcp.check(SOURCE_IP, DESTINATION_IP)).isEqualTo(PacketError.TRUNCATED_TCP);
        assertThatThrownBy(() -> tcp.validate(SOURCE_IP, DESTINATION_IP))
            .isInstanceOf(MalformedPacketException.class)
            .hasMessage("truncated TCP header: 19 bytes (expected: 20+ bytes)");
        assertThat(tcp).hasToString("TCP truncated-tcp, length 19");
    }

    @Test
    void shouldRejectDataOffsetBelowFiveWordsOrBeyondTheSegment()
    {
        final UnsafeBuffer buffer = bytes(SYN_FRAME);
        tcp.wrap(buffer, L4, 40).headerLength(16);

        assertThat(tcp.check(SOURCE_IP, DESTINATION_IP)).isEqualTo(PacketError.BAD_TCP_HEADER_LENGTH);

        tcp.wrap(buffer, L4, 36).headerLength(40);
        assertThat(tcp.check(SOURCE_IP, DESTINATION_IP)).isEqualTo(PacketError.BAD_TCP_HEADER_LENGTH);
        assertThatThrownBy(() -> tcp.validate(SOURCE_IP, DESTINATION_IP))
            .isInstanceOf(MalformedPacketException.class)
            .hasMessage("bad TCP header length: 40 bytes (expected: 20..36 bytes, 36 available)");
        assertThat(tcp.toString()).endsWith("[bad-tcp-header-length]");
    }

    @Test
    void shouldRejectBadChecksumAndAWrongPseudoHeader()
    {
        final UnsafeBuffer buffer = bytes(DATA_FRAME);
        tcp.wrap(buffer, L4, buffer.capacity() - L4);

        assertThat(tcp.check(SOURCE_IP, DESTINATION_IP + 1)).as("the pseudo-header is covered").isEqualTo(PacketError.BAD_TCP_CHECKSUM);
        assertThat(tcp.check(SOURCE_IP, DESTINATION_IP)).isEqualTo(PacketError.NONE);

        buffer.putByte(buffer.capacity() - 1, (byte)0x0b); // the high byte of the last word: the sum grows by 0x0100
        assertThat(tcp.check(SOURCE_IP, DESTINATION_IP)).isEqualTo(PacketError.BAD_TCP_CHECKSUM);
        assertThatThrownBy(() -> tcp.validate(SOURCE_IP, DESTINATION_IP))
            .isInstanceOf(MalformedPacketException.class)
            .hasMessage("bad TCP checksum: 0x7144 (expected: 0x7044)");
    }

    @Test
    void shouldChecksumOddLengthSegments()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[21]);
        tcp.wrap(buffer, 0, 21).writeHeader(80, 40000, 1, 2, 20, TcpFlyweight.ACK | TcpFlyweight.PSH, 512);
        buffer.putByte(20, (byte)'x');

        tcp.updateChecksum(SOURCE_IP, DESTINATION_IP);

        assertThat(tcp.check(SOURCE_IP, DESTINATION_IP)).isEqualTo(PacketError.NONE);
        assertThat(tcp.computeChecksum(SOURCE_IP, DESTINATION_IP)).isEqualTo(tcp.checksum());
    }

    @Test
    void shouldCountSynAndFinInTheSequenceSpace()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[25]);
        tcp.wrap(buffer, 0, 25).writeHeader(1, 2, 3, 4, 20, TcpFlyweight.FIN | TcpFlyweight.ACK, 0);

        assertThat(tcp.sequenceLength()).isEqualTo(6);
        assertThat(TcpFlyweight.flagsText(TcpFlyweight.FIN | TcpFlyweight.ACK)).isEqualTo("F.");
        assertThat(TcpFlyweight.flagsText(TcpFlyweight.RST)).isEqualTo("R");
        assertThat(TcpFlyweight.flagsText(0)).isEqualTo("none");
    }

    static UnsafeBuffer bytes(final String hex)
    {
        return new UnsafeBuffer(HexFormat.of().parseHex(hex.replaceAll("\\s", "")));
    }
}
