package dev.podnet.packet;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class Ipv4AddressTest
{
    @Test
    void shouldFormatInNetworkOrder()
    {
        assertThat(Ipv4Address.format(0x0AF4_0102)).isEqualTo("10.244.1.2");
        assertThat(Ipv4Address.format(0)).isEqualTo("0.0.0.0");
        assertThat(Ipv4Address.format(0xFFFF_FFFF)).isEqualTo("255.255.255.255");
        assertThat(Ipv4Address.format(0xC0A8_00C7)).isEqualTo("192.168.0.199");
    }

    @Test
    void shouldAppendToBuilder()
    {
        final StringBuilder builder = new StringBuilder("ip=");

        assertThat(Ipv4Address.appendTo(builder, 0x0AF4_0203)).isSameAs(builder);
        assertThat(builder).hasToString("ip=10.244.2.3");
    }

    @Test
    void shouldParseDottedQuad()
    {
        assertThat(Ipv4Address.parse("10.244.1.2")).isEqualTo(0x0AF4_0102);
        assertThat(Ipv4Address.parse("0.0.0.0")).isZero();
        assertThat(Ipv4Address.parse("255.255.255.255")).isEqualTo(0xFFFF_FFFF);
    }

    @Test
    void shouldRoundTripRandomAddresses()
    {
        final Random random = new Random(791);
        for (int i = 0; i < 10_000; i++)
        {
            final int ip = random.nextInt();
            assertThat(Ipv4Address.parse(Ipv4Address.format(ip))).isEqualTo(ip);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "", "10", "10.244.1", "10.244.1.2.3", "10.244.1.", ".10.244.1", "10..1.2", "256.0.0.1", "10.244.1.2 ",
        " 10.244.1.2", "10.244.1.-2", "10.244.1.+2", "010.244.1.2", "10.244.01.2", "1000.1.1.1", "a.b.c.d",
        "10:244:1:2", "10.244.1.2/24"})
    void shouldRefuseMalformedText(final String text)
    {
        assertThatThrownBy(() -> Ipv4Address.parse(text))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessage("invalid IPv4 address: \"" + text + "\" (expected: a.b.c.d with decimal octets 0..255)");
    }

    @Test
    void shouldRefuseNull()
    {
        assertThatThrownBy(() -> Ipv4Address.parse(null))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("null");
    }
}
