package dev.podnet.packet;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MacAddressTest
{
    @Test
    void shouldFormatLowerCaseWithColons()
    {
        assertThat(MacAddress.format(0x0A58_0AF4_0102L)).isEqualTo("0a:58:0a:f4:01:02");
        assertThat(MacAddress.format(MacAddress.BROADCAST)).isEqualTo("ff:ff:ff:ff:ff:ff");
        assertThat(MacAddress.format(0)).isEqualTo("00:00:00:00:00:00");
    }

    @Test
    void shouldParseColonOrDashSeparatedInEitherCase()
    {
        assertThat(MacAddress.parse("0a:58:0a:f4:01:02")).isEqualTo(0x0A58_0AF4_0102L);
        assertThat(MacAddress.parse("0A-58-0A-F4-01-02")).isEqualTo(0x0A58_0AF4_0102L);
        assertThat(MacAddress.parse("ff:ff:ff:ff:ff:ff")).isEqualTo(MacAddress.BROADCAST);
    }

    @Test
    void shouldRoundTripRandomMacs()
    {
        final Random random = new Random(826);
        for (int i = 0; i < 10_000; i++)
        {
            final long mac = random.nextLong() & 0xFFFF_FFFF_FFFFL;
            assertThat(MacAddress.parse(MacAddress.format(mac))).isEqualTo(mac);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "0a:58:0a:f4:01", "0a:58:0a:f4:01:02:03", "0a:58:0a:f4:01:0g", "0a-58:0a:f4:01:02",
        "0a:58:0a:f4:01:2", "0a585:0af40:102", "0a.58.0a.f4.01.02", " a:58:0a:f4:01:02", "0a:58:0a:f4:01:02 "})
    void shouldRefuseMalformedText(final String text)
    {
        assertThatThrownBy(() -> MacAddress.parse(text))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessage("invalid MAC address: \"" + text + "\" (expected: six hex octets like 0a:58:0a:f4:01:02)");
    }

    @Test
    void shouldTellMulticastByGroupBitOfFirstOctet()
    {
        assertThat(MacAddress.isMulticast(MacAddress.BROADCAST)).isTrue();
        assertThat(MacAddress.isMulticast(MacAddress.parse("01:00:5e:00:00:01"))).isTrue();
        assertThat(MacAddress.isMulticast(MacAddress.parse("33:33:00:00:00:01"))).isTrue();
        assertThat(MacAddress.isMulticast(MacAddress.parse("0a:58:0a:f4:01:02"))).isFalse();
        assertThat(MacAddress.isMulticast(MacAddress.parse("00:00:00:00:00:01"))).isFalse();
        assertThat(MacAddress.isMulticast(MacAddress.parse("02:ff:ff:ff:ff:ff"))).isFalse();
    }

    @Test
    void shouldDerivePodMacFromIpLikeTheBridgePlugin()
    {
        assertThat(MacAddress.format(MacAddress.podMac(Ipv4Address.parse("10.244.1.2")))).isEqualTo("0a:58:0a:f4:01:02");
        assertThat(MacAddress.format(MacAddress.podMac(Ipv4Address.parse("255.255.255.255"))))
            .isEqualTo("0a:58:ff:ff:ff:ff");
        assertThat(MacAddress.isMulticast(MacAddress.podMac(0xFFFF_FFFF))).isFalse();
    }

    @Test
    void shouldReadAndWriteSixBytesBigEndian()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[9]);

        MacAddress.putMac(buffer, 2, 0x0A58_0AF4_0102L);

        assertThat(buffer.byteArray()).containsExactly(0, 0, 0x0a, 0x58, 0x0a, 0xf4 - 256, 0x01, 0x02, 0);
        assertThat(MacAddress.getMac(buffer, 2)).isEqualTo(0x0A58_0AF4_0102L);

        MacAddress.putMac(buffer, 3, MacAddress.BROADCAST);
        assertThat(MacAddress.getMac(buffer, 3)).isEqualTo(MacAddress.BROADCAST);
        assertThat(buffer.getByte(2)).isEqualTo((byte)0x0a);
        assertThat(buffer.getByte(0)).isZero();
    }
}
