package dev.podnet.packet;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ArpFlyweightTest
{
    /**
     * ARP reply "10.244.1.1 is-at 0a:58:0a:f4:01:01" to 10.244.1.2, padded to the 60-byte Ethernet minimum as it
     * arrives from the wire.
     */
    static final String ARP_REPLY_FRAME_PADDED =
        "0a58 0af4 0102 0a58 0af4 0101 0806 0001" +
        "0800 0604 0002 0a58 0af4 0101 0af4 0101" +
        "0a58 0af4 0102 0af4 0102 0000 0000 0000" +
        "0000 0000 0000 0000 0000 0000";

    private final EthernetFlyweight ethernet = new EthernetFlyweight();
    private final ArpFlyweight arp = new ArpFlyweight();

    @Test
    void shouldReadGoldenArpRequest()
    {
        final UnsafeBuffer buffer = bytes(EthernetFlyweightTest.ARP_REQUEST_FRAME);
        ethernet.wrap(buffer, 0, buffer.capacity());

        arp.wrap(buffer, ethernet.payloadOffset(), ethernet.payloadLength());

        assertThat(arp.check()).isEqualTo(PacketError.NONE);
        assertThat(arp.hardwareType()).isEqualTo(ArpFlyweight.HARDWARE_TYPE_ETHERNET);
        assertThat(arp.protocolType()).isEqualTo(ArpFlyweight.PROTOCOL_TYPE_IPV4);
        assertThat(arp.hardwareLength()).isEqualTo(6);
        assertThat(arp.protocolLength()).isEqualTo(4);
        assertThat(arp.operation()).isEqualTo(ArpFlyweight.OP_REQUEST);
        assertThat(arp.senderMac()).isEqualTo(MacAddress.parse("0a:58:0a:f4:01:02"));
        assertThat(arp.senderIp()).isEqualTo(Ipv4Address.parse("10.244.1.2"));
        assertThat(arp.targetMac()).isEqualTo(MacAddress.ZERO);
        assertThat(arp.targetIp()).isEqualTo(Ipv4Address.parse("10.244.1.1"));
        assertThat(arp).hasToString("ARP who-has 10.244.1.1 tell 10.244.1.2 (0a:58:0a:f4:01:02)");
    }

    @Test
    void shouldWriteRequestIdenticalToGoldenFrame()
    {
        final byte[] golden = bytes(EthernetFlyweightTest.ARP_REQUEST_FRAME).byteArray();
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[42]);
        final long podMac = MacAddress.podMac(Ipv4Address.parse("10.244.1.2"));

        ethernet.wrap(buffer, 0, 42)
            .destination(MacAddress.BROADCAST)
            .source(podMac)
            .etherType(EthernetFlyweight.ETHER_TYPE_ARP);
        arp.wrap(buffer, ethernet.payloadOffset(), ethernet.payloadLength())
            .writeIpv4OverEthernet(
                ArpFlyweight.OP_REQUEST, podMac, Ipv4Address.parse("10.244.1.2"), MacAddress.ZERO,
                Ipv4Address.parse("10.244.1.1"));

        assertThat(buffer.byteArray()).isEqualTo(golden);
    }

    @Test
    void shouldReadPaddedReply()
    {
        final UnsafeBuffer buffer = bytes(ARP_REPLY_FRAME_PADDED);
        ethernet.wrap(buffer, 0, buffer.capacity());

        arp.wrap(buffer, ethernet.payloadOffset(), ethernet.payloadLength());

        assertThat(buffer.capacity()).isEqualTo(60);
        assertThat(arp.length()).isEqualTo(46);
        assertThat(arp.check()).isEqualTo(PacketError.NONE);
        assertThat(arp.operation()).isEqualTo(ArpFlyweight.OP_REPLY);
        assertThat(arp.senderMac()).isEqualTo(0x0A58_0AF4_0101L);
        assertThat(arp.senderIp()).isEqualTo(0x0AF4_0101);
        assertThat(arp.targetMac()).isEqualTo(0x0A58_0AF4_0102L);
        assertThat(arp.targetIp()).isEqualTo(0x0AF4_0102);
        assertThat(arp).hasToString("ARP reply 10.244.1.1 is-at 0a:58:0a:f4:01:01 to 10.244.1.2");
    }

    @Test
    void shouldRoundTripEveryFieldThroughSetters()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[40]);

        arp.wrap(buffer, 5, ArpFlyweight.LENGTH)
            .hardwareType(6)
            .protocolType(0x86DD)
            .hardwareLength(8)
            .protocolLength(16)
            .operation(0xFFFF)
            .senderMac(MacAddress.BROADCAST)
            .senderIp(0xFFFF_FFFE)
            .targetMac(0x8000_0000_0001L)
            .targetIp(0x8000_0001);

        assertThat(arp.hardwareType()).isEqualTo(6);
        assertThat(arp.protocolType()).isEqualTo(0x86DD);
        assertThat(arp.hardwareLength()).isEqualTo(8);
        assertThat(arp.protocolLength()).isEqualTo(16);
        assertThat(arp.operation()).isEqualTo(0xFFFF);
        assertThat(arp.senderMac()).isEqualTo(MacAddress.BROADCAST);
        assertThat(arp.senderIp()).isEqualTo(0xFFFF_FFFE);
        assertThat(arp.targetMac()).isEqualTo(0x8000_0000_0001L);
        assertThat(arp.targetIp()).isEqualTo(0x8000_0001);
        assertThat(buffer.getByte(4)).isZero();
        assertThat(buffer.getByte(33)).isZero();
    }

    @Test
    void shouldReportTruncatedPacket()
    {
        final UnsafeBuffer buffer = bytes(EthernetFlyweightTest.ARP_REQUEST_FRAME);

        arp.wrap(buffer, 14, 27);

        assertThat(arp.check()).isEqualTo(PacketError.TRUNCATED_ARP);
        assertThatThrownBy(arp::validate)
            .isInstanceOfSatisfying(MalformedPacketException.class,
                ex -> assertThat(ex.error()).isEqualTo(PacketError.TRUNCATED_ARP))
            .hasMessage("truncated ARP packet: 27 bytes (expected: 28+ bytes)");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "0 | 0006 | hardware type 6 (expected: 1 (Ethernet))",
        "2 | 86dd | protocol type 0x86dd (expected: 0x0800 (IPv4))",
        "4 | 0804 | hardware length 8 (expected: 6)",
        "4 | 0610 | protocol length 16 (expected: 4)",
        "6 | 0003 | operation 3 (expected: 1 (request) or 2 (reply))",
        "6 | 0000 | operation 0 (expected: 1 (request) or 2 (reply))"})
    void shouldRefuseAnythingButIpv4OverEthernetRequestOrReply(
        final int fieldOffset, final String fieldHex, final String expected)
    {
        final UnsafeBuffer buffer = bytes(EthernetFlyweightTest.ARP_REQUEST_FRAME);
        buffer.putBytes(14 + fieldOffset, HexFormat.of().parseHex(fieldHex));

        arp.wrap(buffer, 14, 28);

        assertThat(arp.check()).isEqualTo(PacketError.UNSUPPORTED_ARP);
        assertThatThrownBy(arp::validate)
            .isInstanceOfSatisfying(MalformedPacketException.class,
                ex -> assertThat(ex.error()).isEqualTo(PacketError.UNSUPPORTED_ARP))
            .hasMessage("unsupported ARP packet: " + expected);
        assertThat(arp.toString()).contains("unsupported-arp");
    }

    @Test
    void shouldChainOffsetsFromPreviousField()
    {
        assertThat(ArpFlyweight.HARDWARE_TYPE_OFFSET).isZero();
        assertThat(ArpFlyweight.PROTOCOL_TYPE_OFFSET).isEqualTo(2);
        assertThat(ArpFlyweight.HARDWARE_LENGTH_OFFSET).isEqualTo(4);
        assertThat(ArpFlyweight.PROTOCOL_LENGTH_OFFSET).isEqualTo(5);
        assertThat(ArpFlyweight.OPERATION_OFFSET).isEqualTo(6);
        assertThat(ArpFlyweight.SENDER_HARDWARE_OFFSET).isEqualTo(8);
        assertThat(ArpFlyweight.SENDER_PROTOCOL_OFFSET).isEqualTo(14);
        assertThat(ArpFlyweight.TARGET_HARDWARE_OFFSET).isEqualTo(18);
        assertThat(ArpFlyweight.TARGET_PROTOCOL_OFFSET).isEqualTo(24);
        assertThat(ArpFlyweight.LENGTH).isEqualTo(28);
    }

    private static UnsafeBuffer bytes(final String hex)
    {
        return new UnsafeBuffer(HexFormat.of().parseHex(hex.replaceAll("\\s", "")));
    }
}
