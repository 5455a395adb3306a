package dev.podnet.packet;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThat;

class PacketErrorTest
{
    @Test
    void shouldLabelErrorsInKebabCase()
    {
        assertThat(PacketError.NONE.label()).isEqualTo("none");
        assertThat(PacketError.TRUNCATED_IPV4.label()).isEqualTo("truncated-ipv4");
        assertThat(PacketError.BAD_IPV4_CHECKSUM.label()).isEqualTo("bad-ipv4-checksum");
        assertThat(PacketError.BAD_UDP_LENGTH.label()).isEqualTo("bad-udp-length");
        assertThat(PacketError.UNSUPPORTED_ARP.label()).isEqualTo("unsupported-arp");
    }

    @ParameterizedTest
    @EnumSource(PacketError.class)
    void shouldUseOnlyLowerCaseLettersDigitsAndDashesInLabels(final PacketError error)
    {
        assertThat(error.label()).matches("[a-z0-9]+(-[a-z0-9]+)*");
    }

    @Test
    void shouldCarryErrorAndMessageInException()
    {
        final MalformedPacketException ex = new MalformedPacketException(
            PacketError.TRUNCATED_IPV4, "truncated IPv4 header: 12 bytes (expected: 20+ bytes)");

        assertThat(ex.error()).isEqualTo(PacketError.TRUNCATED_IPV4);
        assertThat(ex).hasMessage("truncated IPv4 header: 12 bytes (expected: 20+ bytes)");
    }
}
