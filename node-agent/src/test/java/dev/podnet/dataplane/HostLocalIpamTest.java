package dev.podnet.dataplane;

import dev.podnet.packet.Ipv4Address;
import dev.podnet.packet.Ipv4Cidr;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HostLocalIpamTest
{
    @Test
    void shouldNeverGiveNetworkGatewayOrBroadcast()
    {
        final HostLocalIpam ipam = new HostLocalIpam(Ipv4Cidr.parse("10.244.3.0/29"));

        assertThat(ipam.capacity()).isEqualTo(5);
        for (int i = 0; i < 5; i++)
        {
            final String ip = Ipv4Address.format(ipam.allocate());
            assertThat(ip).isNotIn("10.244.3.0", "10.244.3.1", "10.244.3.7");
        }
        assertThatThrownBy(ipam::allocate).hasMessage("no free pod IP in 10.244.3.0/29: all 5 addresses are in use");
    }

    @Test
    void shouldMoveForwardPastTheLastAddressGivenBeforeReusingAFreedOne()
    {
        final HostLocalIpam ipam = new HostLocalIpam(Ipv4Cidr.parse("10.244.3.0/29"));
        final int first = ipam.allocate();
        ipam.release(first);

        assertThat(Ipv4Address.format(ipam.allocate())).isEqualTo("10.244.3.3");
        assertThat(Ipv4Address.format(ipam.allocate())).isEqualTo("10.244.3.4");
        assertThat(Ipv4Address.format(ipam.allocate())).isEqualTo("10.244.3.5");
        assertThat(Ipv4Address.format(ipam.allocate())).isEqualTo("10.244.3.6");
        assertThat(Ipv4Address.format(ipam.allocate())).as("wrapped around to the freed one").isEqualTo("10.244.3.2");
    }

    @Test
    void shouldRefuseToReleaseAnAddressItDidNotGive()
    {
        final HostLocalIpam ipam = new HostLocalIpam(Ipv4Cidr.parse("10.244.3.0/24"));

        assertThatThrownBy(() -> ipam.release(Ipv4Address.parse("10.244.3.9")))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("10.244.3.9 was not allocated");
    }

    @Test
    void shouldSkipPastTheAddressesAPreviousLifeUsed()
    {
        final HostLocalIpam ipam = new HostLocalIpam(Ipv4Cidr.parse("10.244.3.0/24"));

        ipam.skipPast(Ipv4Address.parse("10.244.3.7"));
        ipam.skipPast(Ipv4Address.parse("10.244.3.5"));

        assertThat(Ipv4Address.format(ipam.allocate())).isEqualTo("10.244.3.8");
    }
}
