package dev.podnet.packet;

import com.code_intelligence.jazzer.junit.FuzzTest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Coverage-guided fuzzing (Jazzer) of {@link ArpFlyweight} with any bytes as an ARP packet ({@link FlyweightFuzzing} says
 * what must hold). Replays its corpus ({@code ArpFuzzTestInputs}) as a regression test; fuzzes with
 * {@code JAZZER_FUZZ=1} or {@code mvn -Pfuzz} (docs/FUZZING.md).
 */
class ArpFuzzTest
{
    private final ArpFlyweight arp = new ArpFlyweight();

    @FuzzTest(maxDuration = "5s")
    void arp(final byte[] bytes)
    {
        arp.wrap(FlyweightFuzzing.at(bytes), FlyweightFuzzing.OFFSET, bytes.length);
        if (FlyweightFuzzing.agrees(arp.check(), arp::validate))
        {
            assertThat(arp.senderMac() | arp.targetMac()).isBetween(0L, MacAddress.BROADCAST);
            assertThat(arp.senderIp() ^ arp.targetIp() ^ arp.operation()).isNotNull();
        }
        assertThat(arp.toString()).isNotEmpty();
    }
}
