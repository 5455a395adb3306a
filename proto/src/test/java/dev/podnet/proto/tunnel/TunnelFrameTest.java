package dev.podnet.proto.tunnel;

import com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class TunnelFrameTest
{
    @Test
    void shouldCostThirteenBytesOfEnvelopeForAFullSizeFrame() throws Exception
    {
        final byte[] inner = new byte[1464];
        final TunnelFrame frame = TunnelFrame.newBuilder()
            .setNetworkId(0xCAFE)
            .setSourceNode(0x0AF40300)
            .setFrame(ByteString.copyFrom(inner))
            .build();

        final byte[] wire = frame.toByteArray();

        assertThat(wire.length - inner.length).isEqualTo(13);
        assertThat(TunnelFrame.parseFrom(wire)).isEqualTo(frame);
    }
}
