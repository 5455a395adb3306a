package dev.podnet.tcp;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.podnet.packet.PacketError;
import dev.podnet.packet.TcpFlyweight;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Coverage-guided fuzzing (Jazzer) of the TCP engine: any bytes become a segment (checksum made good, so it gets
 * past the header checks) for a pod's stack holding an established connection and a listener, aimed by its
 * first byte at the connection (with sequence and acknowledgment numbers near the real ones, or as given), the
 * listener, or a closed port. Whatever arrives, the stack never throws, and afterwards the connection is either
 * still open and takes the peer's next genuine data, or ended with a reason. Replays {@code TcpStackFuzzTestInputs}
 * as a regression test; fuzzes with {@code JAZZER_FUZZ=1} or {@code mvn -Pfuzz} (docs/FUZZING.md).
 */
class TcpStackFuzzTest
{
    private static final int SERVER = 0x0AF4_0203;
    private static final int CLIENT = 0x0AF4_0102;
    private static final int CLIENT_PORT = 40000;
    private static final int CLIENT_ISN = 1000;

    private final UnsafeBuffer out = new UnsafeBuffer(new byte[70_000]);
    private final TcpFlyweight sent = new TcpFlyweight();
    private final TcpFlyweight in = new TcpFlyweight();
    private int lastSeq;
    private long now = 1_000_000_000L;

    @FuzzTest(maxDuration = "5s")
    void segment(final byte[] bytes)
    {
        final TcpStack stack = new TcpStack(SERVER, 1500, TcpSettings.defaults(), output(), 1, 2, now);
        final Peer server = new Peer();
        stack.listen(80, (ip, port, at) -> server);
        deliver(stack, header(CLIENT_PORT, 80, CLIENT_ISN, 0, TcpFlyweight.SYN, 65535), 20);
        final int serverIsn = lastSeq;
        deliver(stack, header(CLIENT_PORT, 80, CLIENT_ISN + 1, serverIsn + 1, TcpFlyweight.ACK, 65535), 20);
        assertThat(server.connection).isNotNull();
        final TcpConnection connection = server.connection;

        if (bytes.length >= TcpFlyweight.MIN_HEADER_LENGTH)
        {
            final UnsafeBuffer segment = new UnsafeBuffer(bytes.clone());
            final int aim = bytes[0] & 3;
            final TcpFlyweight tcp = new TcpFlyweight().wrap(segment, 0, bytes.length);
            tcp.sourcePort(aim == 1 ? CLIENT_PORT + 1 : CLIENT_PORT).destinationPort(aim == 2 ? 81 : 80);
            if ((bytes[1] & 1) == 0)
            {
                tcp.sequence(CLIENT_ISN + 1 + (bytes[2] % 64)).acknowledgment(serverIsn + 1 + (bytes[3] % 64));
            }
            final int headerLength = tcp.headerLength();
            if (headerLength >= TcpFlyweight.MIN_HEADER_LENGTH && headerLength <= bytes.length)
            {
                tcp.updateChecksum(CLIENT, SERVER);
                final PacketError error = stack.onSegment(CLIENT, SERVER, segment, 0, bytes.length, now);
                assertThat(error).isEqualTo(PacketError.NONE);
            }
        }
        for (int i = 0; i < 50; i++)
        {
            now += 50_000_000L;
            stack.onTimer(now);
            stack.pump(now);
        }

        if (connection.state() == TcpState.ESTABLISHED && server.closed == null)
        {
            // the peer's next genuine bytes, right at RCV.NXT, still go through (and with them whatever the fuzzer's
            // segment left queued out of order right behind or overlapping them: it is contiguous now)
            final long before = connection.bytesReceived();
            final MutableDirectBuffer data = header(CLIENT_PORT, 80, CLIENT_ISN + 1 + (int)before, serverIsn + 1,
                TcpFlyweight.ACK | TcpFlyweight.PSH, 65535);
            data.putStringWithoutLengthAscii(20, "still there");
            deliver(stack, data, 31);
            assertThat(connection.bytesReceived()).isGreaterThanOrEqualTo(before + 11);
        }
        else
        {
            assertThat(connection.closeReason() != null || connection.state() != TcpState.CLOSED).isTrue();
        }
        stack.close();
        assertThat(stack.connectionCount()).isZero();
    }

    private SegmentOutput output()
    {
        return new SegmentOutput()
        {
            @Override
            public MutableDirectBuffer segmentBuffer()
            {
                return out;
            }

            @Override
            public int segmentOffset()
            {
                return 0;
            }

            @Override
            public void sendSegment(final int remoteIp, final int length, final long nowNanos)
            {
                sent.wrap(out, 0, length);
                assertThat(sent.check(SERVER, remoteIp)).isEqualTo(PacketError.NONE);
                lastSeq = sent.sequence();
            }

            @Override
            public boolean canSendData(final int remoteIp)
            {
                return true;
            }
        };
    }

    private static MutableDirectBuffer header(
        final int sourcePort, final int destinationPort, final int seq, final int ack, final int flags, final int window)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[64]);
        new TcpFlyweight().wrap(buffer, 0, 64).writeHeader(sourcePort, destinationPort, seq, ack, 20, flags, window);
        return buffer;
    }

    private void deliver(final TcpStack stack, final MutableDirectBuffer segment, final int length)
    {
        in.wrap(segment, 0, length).updateChecksum(CLIENT, SERVER);
        assertThat(stack.onSegment(CLIENT, SERVER, segment, 0, length, now)).isEqualTo(PacketError.NONE);
    }
}
