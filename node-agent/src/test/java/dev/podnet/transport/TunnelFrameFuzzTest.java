package dev.podnet.transport;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.podnet.proto.tunnel.TunnelFrame;
import org.agrona.concurrent.UnsafeBuffer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Coverage-guided fuzzing (Jazzer) of the tunnel's hot-path decoder with whatever bytes a stranger sends
 * to the tunnel port: it never throws, a frame it accepts lies inside the message, and what it accepts the
 * generated Protobuf parser reads the same. Runs its corpus ({@code TunnelFrameFuzzTestInputs}) as a
 * regression test; {@code JAZZER_FUZZ=1} fuzzes (docs/FUZZING.md).
 */
class TunnelFrameFuzzTest
{
    private static final int MAX_FRAME = TunnelConfig.defaults(8472).maxFrameLength();
    private final TunnelFrameCodec.Decoder decoder = new TunnelFrameCodec.Decoder(MAX_FRAME);

    @FuzzTest(maxDuration = "10s")
    void decoderNeverThrowsAndAgreesWithProtobuf(final byte[] message) throws Exception
    {
        // the message at the end of a buffer of exactly its size: a read past it fails the bounds check
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[message.length + 7]);
        buffer.putBytes(7, message);
        final TunnelError error = decoder.decode(buffer, 7, message.length);
        if (error != TunnelError.NONE)
        {
            return;
        }
        assertThat(decoder.frameLength()).isBetween(1, MAX_FRAME);
        assertThat(decoder.frameOffset()).isBetween(7, 7 + message.length - decoder.frameLength());
        final TunnelFrame parsed = TunnelFrame.parseFrom(message);
        assertThat(parsed.getNetworkId()).isEqualTo(decoder.networkId());
        assertThat(parsed.getSourceNode()).isEqualTo(decoder.sourceNode());
        final byte[] frame = new byte[decoder.frameLength()];
        buffer.getBytes(decoder.frameOffset(), frame);
        assertThat(parsed.getFrame().toByteArray()).isEqualTo(frame);
    }
}
