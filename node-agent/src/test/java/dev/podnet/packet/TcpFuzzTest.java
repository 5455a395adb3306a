package dev.podnet.packet;

import com.code_intelligence.jazzer.junit.FuzzTest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Coverage-guided fuzzing (Jazzer) of {@link TcpFlyweight} with any bytes as a TCP segment, its options parsed
 * ({@link FlyweightFuzzing} says what must hold). Replays its corpus ({@code TcpFuzzTestInputs}) as a regression
 * test; fuzzes with {@code JAZZER_FUZZ=1} or {@code mvn -Pfuzz} (docs/FUZZING.md).
 */
class TcpFuzzTest
{
    private final TcpFlyweight tcp = new TcpFlyweight();

    @FuzzTest(maxDuration = "5s")
    void tcp(final byte[] bytes)
    {
        final int source = 0x0AF4_0102;
        final int destination = 0x0AF4_0203;
        tcp.wrap(FlyweightFuzzing.at(bytes), FlyweightFuzzing.OFFSET, bytes.length);
        final int parsed = tcp.parseOptions(); // also before any check: it must stay inside the bytes on its own
        assertThat(parsed).isBetween(0, TcpFlyweight.MAX_OPTIONS_LENGTH);
        if (FlyweightFuzzing.agrees(tcp.check(source, destination), () -> tcp.validate(source, destination)))
        {
            assertThat(tcp.payloadOffset() + tcp.payloadLength()).isEqualTo(FlyweightFuzzing.OFFSET + bytes.length);
            assertThat(tcp.sequenceLength()).isBetween(0, bytes.length);
            assertThat(tcp.windowScale()).isBetween(-1, TcpFlyweight.MAX_WINDOW_SCALE);
            assertThat(tcp.sackBlockCount()).isBetween(0, TcpFlyweight.MAX_SACK_BLOCKS);
        }
        assertThat(tcp.toString()).isNotEmpty();
    }
}
