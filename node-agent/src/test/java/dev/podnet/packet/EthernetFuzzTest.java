package dev.podnet.packet;

import com.code_intelligence.jazzer.junit.FuzzTest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Coverage-guided fuzzing (Jazzer) of {@link EthernetFlyweight} with any bytes as an Ethernet II header ({@link FlyweightFuzzing} says
 * what must hold). Replays its corpus ({@code EthernetFuzzTestInputs}) as a regression test; fuzzes with
 * {@code JAZZER_FUZZ=1} or {@code mvn -Pfuzz} (docs/FUZZING.md).
 */
class EthernetFuzzTest
{
    private final EthernetFlyweight ethernet = new EthernetFlyweight();

    @FuzzTest(maxDuration = "5s")
    void ethernet(final byte[] bytes)
    {
        ethernet.wrap(FlyweightFuzzing.at(bytes), FlyweightFuzzing.OFFSET, bytes.length);
        if (FlyweightFuzzing.agrees(ethernet.check(), ethernet::validate))
        {
            assertThat(ethernet.payloadOffset() + ethernet.payloadLength()).isEqualTo(FlyweightFuzzing.OFFSET + bytes.length);
            assertThat(EthernetFlyweight.etherTypeName(ethernet.etherType())).isNotEmpty();
            assertThat(ethernet.source() | ethernet.destination()).isBetween(0L, MacAddress.BROADCAST);
        }
        assertThat(ethernet.toString()).isNotEmpty();
    }
}
