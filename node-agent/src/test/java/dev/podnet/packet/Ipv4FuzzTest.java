package dev.podnet.packet;

import com.code_intelligence.jazzer.junit.FuzzTest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Coverage-guided fuzzing (Jazzer) of {@link Ipv4Flyweight} with any bytes as an IPv4 header ({@link FlyweightFuzzing} says
 * what must hold). Replays its corpus ({@code Ipv4FuzzTestInputs}) as a regression test; fuzzes with
 * {@code JAZZER_FUZZ=1} or {@code mvn -Pfuzz} (docs/FUZZING.md).
 */
class Ipv4FuzzTest
{
    private final Ipv4Flyweight ipv4 = new Ipv4Flyweight();

    @FuzzTest(maxDuration = "5s")
    void ipv4(final byte[] bytes)
    {
        ipv4.wrap(FlyweightFuzzing.at(bytes), FlyweightFuzzing.OFFSET, bytes.length);
        if (FlyweightFuzzing.agrees(ipv4.check(), ipv4::validate))
        {
            assertThat(ipv4.payloadOffset() + ipv4.payloadLength()).isLessThanOrEqualTo(FlyweightFuzzing.OFFSET + bytes.length);
            assertThat(ipv4.headerLength()).isBetween(20, 60);
            assertThat(ipv4.isHeaderChecksumValid()).isTrue();
            assertThat(ipv4.source() ^ ipv4.destination() ^ ipv4.ttl() ^ ipv4.protocol() ^ ipv4.fragmentOffset()).isNotNull();
        }
        assertThat(ipv4.toString()).isNotEmpty();
    }
}
