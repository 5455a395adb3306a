package dev.podnet.packet;

import com.code_intelligence.jazzer.junit.FuzzTest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Coverage-guided fuzzing (Jazzer) of {@link IcmpFlyweight} with any bytes as an ICMP message ({@link FlyweightFuzzing} says
 * what must hold). Replays its corpus ({@code IcmpFuzzTestInputs}) as a regression test; fuzzes with
 * {@code JAZZER_FUZZ=1} or {@code mvn -Pfuzz} (docs/FUZZING.md).
 */
class IcmpFuzzTest
{
    private final IcmpFlyweight icmp = new IcmpFlyweight();

    @FuzzTest(maxDuration = "5s")
    void icmp(final byte[] bytes)
    {
        icmp.wrap(FlyweightFuzzing.at(bytes), FlyweightFuzzing.OFFSET, bytes.length);
        if (FlyweightFuzzing.agrees(icmp.check(), icmp::validate))
        {
            assertThat(icmp.isChecksumValid()).isTrue();
            assertThat(icmp.payloadOffset() + icmp.payloadLength()).isEqualTo(FlyweightFuzzing.OFFSET + bytes.length);
            assertThat(icmp.type() ^ icmp.code() ^ icmp.identifier() ^ icmp.sequence() ^ icmp.nextHopMtu()).isNotNull();
        }
        assertThat(icmp.toString()).isNotEmpty();
    }
}
