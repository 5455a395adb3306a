package dev.podnet.packet;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EthernetFlyweightTest
{
    /**
     * ARP request "who-has 10.244.1.1 tell 10.244.1.2" as tcpdump -xx shows it, broadcast from pod MAC 0a:58:0a:f4:01:02.
     */
    static final String ARP_REQUEST_FRAME =
        "ffff ffff ffff 0a58 0af4 0102 0806 0001" +
        "0800 0604 0001 0a58 0af4 0102 0af4 0102" +
        "0000 0000 0000 0af4 0101";

    private final EthernetFlyweight ethernet = new EthernetFlyweight();

    @Test
    void shouldReadHeaderOfGoldenArpRequestFrame()
    {
        final UnsafeBuffer buffer = bytes(ARP_REQUEST_FRAME);

        ethernet.wrap(buffer, 0, buffer.capacity());

        assertThat(buffer.capacity()).isEqualTo(42);
        assertThat(ethernet.check()).isEqualTo(PacketError.NONE);
        assertThat(ethernet.destination()).isEqualTo(MacAddress.BROADCAST);
        assertThat(ethernet.source()).isEqualTo(0x0A58_0AF4_0102L);
        assertThat(ethernet.etherType()).isEqualTo(EthernetFlyweight.ETHER_TYPE_ARP);
        assertThat(ethernet.payloadOffset()).isEqualTo(14);
        assertThat(ethernet.payloadLength()).isEqualTo(28);
        assertThat(ethernet.buffer()).isSameAs(buffer);
        assertThat(ethernet.offset()).isZero();
        assertThat(ethernet.length()).isEqualTo(42);
    }

    @Test
    void shouldWriteHeaderIdenticalToGoldenFrame()
    {
        final UnsafeBuffer golden = bytes(ARP_REQUEST_FRAME);
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[42]);
        buffer.putBytes(14, golden, 14, 28);

        ethernet.wrap(buffer, 0, 42)
            .destination(MacAddress.BROADCAST)
            .source(MacAddress.parse("0a:58:0a:f4:01:02"))
            .etherType(EthernetFlyweight.ETHER_TYPE_ARP);

        assertThat(buffer.byteArray()).isEqualTo(golden.byteArray());
    }

    @Test
    void shouldRoundTripFieldsAtAnOffset()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[64]);

        ethernet.wrap(buffer, 7, 50)
            .destination(0x0A58_0AF4_0203L)
            .source(0x0A58_0AF4_0102L)
            .etherType(0x86DD);

        assertThat(ethernet.destination()).isEqualTo(0x0A58_0AF4_0203L);
        assertThat(ethernet.source()).isEqualTo(0x0A58_0AF4_0102L);
        assertThat(ethernet.etherType()).isEqualTo(0x86DD);
        assertThat(ethernet.payloadOffset()).isEqualTo(21);
        assertThat(ethernet.payloadLength()).isEqualTo(36);
        assertThat(buffer.getByte(6)).isZero();
        assertThat(buffer.getByte(21)).isZero();
    }

    @Test
    void shouldReportTruncatedFrame()
    {
        final UnsafeBuffer buffer = bytes(ARP_REQUEST_FRAME);

        ethernet.wrap(buffer, 0, 13);

        assertThat(ethernet.check()).isEqualTo(PacketError.TRUNCATED_ETHERNET);
        assertThatThrownBy(ethernet::validate)
            .isInstanceOfSatisfying(MalformedPacketException.class,
                ex -> assertThat(ex.error()).isEqualTo(PacketError.TRUNCATED_ETHERNET))
            .hasMessage("truncated Ethernet header: 13 bytes (expected: 14+ bytes)");

        ethernet.wrap(buffer, 28, 14);
        assertThat(ethernet.check()).isEqualTo(PacketError.NONE);
        ethernet.validate();
    }

    @Test
    void shouldNameEtherTypesAndNeverThrowForUnknownOnes()
    {
        assertThat(EthernetFlyweight.etherTypeName(0x0800)).isEqualTo("IPv4");
        assertThat(EthernetFlyweight.etherTypeName(0x0806)).isEqualTo("ARP");
        assertThat(EthernetFlyweight.etherTypeName(0x86DD)).isEqualTo("IPv6");
        assertThat(EthernetFlyweight.etherTypeName(0x1234)).isEqualTo("UNKNOWN(0x1234)");
        assertThat(EthernetFlyweight.etherTypeName(0x88cc)).isEqualTo("UNKNOWN(0x88cc)");
        assertThat(EthernetFlyweight.etherTypeName(0x0001)).isEqualTo("UNKNOWN(0x0001)");
    }

    @Test
    void shouldDescribeFrameOnOneLine()
    {
        final UnsafeBuffer buffer = bytes(ARP_REQUEST_FRAME);

        assertThat(ethernet.wrap(buffer, 0, 42)).hasToString(
            "Ethernet 0a:58:0a:f4:01:02 > ff:ff:ff:ff:ff:ff, ethertype ARP (0x0806), length 42");
        assertThat(ethernet.wrap(buffer, 0, 3)).hasToString("Ethernet truncated, length 3");
        assertThat(new EthernetFlyweight()).hasToString("Ethernet (unwrapped)");
    }

    private static UnsafeBuffer bytes(final String hex)
    {
        return new UnsafeBuffer(HexFormat.of().parseHex(hex.replaceAll("\\s", "")));
    }
}
