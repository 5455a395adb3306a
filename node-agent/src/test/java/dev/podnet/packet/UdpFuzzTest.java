package dev.podnet.packet;

import com.code_intelligence.jazzer.junit.FuzzTest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Coverage-guided fuzzing (Jazzer) of {@link UdpFlyweight} with any bytes as a UDP header ({@link FlyweightFuzzing} says
 * what must hold). Replays its corpus ({@code UdpFuzzTestInputs}) as a regression test; fuzzes with
 * {@code JAZZER_FUZZ=1} or {@code mvn -Pfuzz} (docs/FUZZING.md).
 */
class UdpFuzzTest
{
    private final UdpFlyweight udp = new UdpFlyweight();

    @FuzzTest(maxDuration = "5s")
    void udp(final byte[] bytes)
    {
        final int source = 0x0AF4_0102;
        final int destination = 0x0AF4_0203;
        udp.wrap(FlyweightFuzzing.at(bytes), FlyweightFuzzing.OFFSET, bytes.length);
        if (FlyweightFuzzing.agrees(udp.check(source, destination), () -> udp.validate(source, destination)))
        {
            assertThat(udp.payloadOffset() + udp.payloadLength()).isLessThanOrEqualTo(FlyweightFuzzing.OFFSET + bytes.length);
            assertThat(udp.sourcePort() ^ udp.destinationPort()).isBetween(0, 0xFFFF);
        }
        assertThat(udp.toString()).isNotEmpty();
    }
}
