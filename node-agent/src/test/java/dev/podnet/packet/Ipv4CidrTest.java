package dev.podnet.packet;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class Ipv4CidrTest
{
    @Test
    void shouldParseNodePodRange()
    {
        final Ipv4Cidr cidr = Ipv4Cidr.parse("10.244.1.0/24");

        assertThat(cidr.network()).isEqualTo(0x0AF4_0100);
        assertThat(cidr.prefixLength()).isEqualTo(24);
        assertThat(cidr.mask()).isEqualTo(0xFFFF_FF00);
        assertThat(cidr.broadcast()).isEqualTo(0x0AF4_01FF);
        assertThat(cidr.size()).isEqualTo(256L);
        assertThat(cidr.address(1)).isEqualTo(0x0AF4_0101);
        assertThat(cidr).hasToString("10.244.1.0/24");
        assertThat(cidr).isEqualTo(new Ipv4Cidr(0x0AF4_0100, 24));
    }

    @Test
    void shouldContainOnlyAddressesInsideTheNetwork()
    {
        final Ipv4Cidr cidr = Ipv4Cidr.parse("10.244.1.0/24");

        assertThat(cidr.contains(Ipv4Address.parse("10.244.1.0"))).isTrue();
        assertThat(cidr.contains(Ipv4Address.parse("10.244.1.2"))).isTrue();
        assertThat(cidr.contains(Ipv4Address.parse("10.244.1.255"))).isTrue();
        assertThat(cidr.contains(Ipv4Address.parse("10.244.2.1"))).isFalse();
        assertThat(cidr.contains(Ipv4Address.parse("10.244.0.255"))).isFalse();
    }

    @Test
    void shouldHandleExtremePrefixLengths()
    {
        final Ipv4Cidr all = Ipv4Cidr.parse("0.0.0.0/0");
        final Ipv4Cidr host = Ipv4Cidr.parse("10.244.1.2/32");
        final Ipv4Cidr high = Ipv4Cidr.parse("240.0.0.0/4");

        assertThat(all.mask()).isZero();
        assertThat(all.size()).isEqualTo(1L << 32);
        assertThat(all.contains(0xFFFF_FFFF)).isTrue();
        assertThat(all.broadcast()).isEqualTo(0xFFFF_FFFF);
        assertThat(host.mask()).isEqualTo(0xFFFF_FFFF);
        assertThat(host.size()).isEqualTo(1L);
        assertThat(host.contains(0x0AF4_0102)).isTrue();
        assertThat(host.contains(0x0AF4_0103)).isFalse();
        assertThat(host.broadcast()).isEqualTo(0x0AF4_0102);
        assertThat(high.contains(0xFFFF_FFFF)).isTrue();
        assertThat(high.contains(0xE000_0000)).isFalse();
    }

    @Test
    void shouldRefuseHostBitsAndNameTheNetwork()
    {
        assertThatThrownBy(() -> Ipv4Cidr.parse("10.244.1.5/24"))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessage("10.244.1.5/24 has host bits set (network is 10.244.1.0/24)");
        assertThatThrownBy(() -> new Ipv4Cidr(0x0AF4_0105, 24))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessage("10.244.1.5/24 has host bits set (network is 10.244.1.0/24)");
    }

    @Test
    void shouldRefusePrefixLengthOutsideZeroToThirtyTwo()
    {
        assertThatThrownBy(() -> new Ipv4Cidr(0, 33))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("33")
            .hasMessageContaining("0..32");
        assertThatThrownBy(() -> new Ipv4Cidr(0, -1))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("-1");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "10.244.1.0", "10.244.1.0/", "10.244.1.0/33", "10.244.1.0/-1", "10.244.1.0/024",
        "10.244.1/24", "/24", "10.244.1.0/2a", "10.244.1.0/24/1", "10.244.1.0 /24"})
    void shouldRefuseMalformedText(final String text)
    {
        assertThatThrownBy(() -> Ipv4Cidr.parse(text))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining(text.isEmpty() ? "CIDR" : text);
    }

    @Test
    void shouldFindNetworkContainingAnAddress()
    {
        assertThat(Ipv4Cidr.containing(0x0AF4_0105, 24)).isEqualTo(Ipv4Cidr.parse("10.244.1.0/24"));
        assertThat(Ipv4Cidr.containing(0x0AF4_0105, 16)).hasToString("10.244.0.0/16");
    }

    @Test
    void shouldRefuseHostIndexOutsideNetwork()
    {
        final Ipv4Cidr cidr = Ipv4Cidr.parse("10.244.1.0/24");

        assertThat(cidr.address(255)).isEqualTo(0x0AF4_01FF);
        assertThatThrownBy(() -> cidr.address(256)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("256").hasMessageContaining("10.244.1.0/24");
        assertThatThrownBy(() -> cidr.address(-1)).isInstanceOf(IllegalArgumentException.class);
    }
}
