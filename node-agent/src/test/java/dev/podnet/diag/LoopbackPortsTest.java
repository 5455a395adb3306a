package dev.podnet.diag;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LoopbackPortsTest
{
    @Test
    void aBlockLiesBelowTheEphemeralRange()
    {
        final SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 1000; i++)
        {
            final int base = LoopbackPorts.pickBase(50, new int[] {32768, 60999}, random);
            assertThat(base).isGreaterThanOrEqualTo(10_000);
            assertThat(base + 50 - 1).isLessThan(32768);
        }
    }

    @Test
    void aBlockGoesAboveTheRangeWhenThereIsNoRoomBelow()
    {
        final SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 1000; i++)
        {
            final int base = LoopbackPorts.pickBase(50, new int[] {10_020, 60999}, random);
            assertThat(base).isGreaterThan(60999);
            assertThat(base + 50 - 1).isLessThanOrEqualTo(65535);
        }
        assertThatThrownBy(() -> LoopbackPorts.pickBase(50, new int[] {1024, 65500}, random))
            .hasMessageContaining("ephemeral range 1024-65500");
    }

    @Test
    void theBlockIsFreeNowOnBothProtocols()
    {
        final int tcp = LoopbackPorts.consecutiveFree(20, false);
        final int udp = LoopbackPorts.consecutiveFree(20, true);
        final int[] ephemeral = LoopbackPorts.ephemeralRange();
        for (int port = tcp; port < tcp + 20; port++)
        {
            assertThat(LoopbackPorts.tcpFree(port)).as("tcp %d", port).isTrue();
            assertThat(port < ephemeral[0] || port > ephemeral[1]).as("tcp %d outside the ephemeral range", port).isTrue();
        }
        for (int port = udp; port < udp + 20; port++)
        {
            assertThat(LoopbackPorts.udpFree(port)).as("udp %d", port).isTrue();
        }
    }
}
