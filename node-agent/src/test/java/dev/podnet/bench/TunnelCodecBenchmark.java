package dev.podnet.bench;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.podnet.proto.tunnel.TunnelFrame;
import dev.podnet.transport.TunnelError;
import dev.podnet.transport.TunnelFrameCodec;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Cost of putting one 1427-byte Ethernet frame into a tunnel message and reading it back: the hand-written
 * {@link TunnelFrameCodec} against the generated classes (builder, {@code toByteArray()}, {@code parseFrom()}).
 * Run with {@code mvn -pl node-agent -Pbench verify -Dbench.args="TunnelCodec -prof gc"}; the gc profiler should
 * report no allocation for the hand-written codec and kilobytes per operation for the generated classes.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {
    "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED",
    "--add-opens", "java.base/java.nio=ALL-UNNAMED"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
@State(Scope.Thread)
public class TunnelCodecBenchmark
{
    private static final int FRAME_LENGTH = 1427;
    private static final int NETWORK_ID = 0x706F_6400;
    private static final int SOURCE_NODE = 0x0AF4_0300;

    private final UnsafeBuffer frame = new UnsafeBuffer(BufferUtil.allocateDirectAligned(2048, 64));
    private final UnsafeBuffer message = new UnsafeBuffer(BufferUtil.allocateDirectAligned(2048, 64));
    private final TunnelFrameCodec.Decoder decoder = new TunnelFrameCodec.Decoder(FRAME_LENGTH);
    private final byte[] frameBytes = new byte[FRAME_LENGTH];
    private int sequence;

    @Setup
    public void setup()
    {
        ThreadLocalRandom.current().nextBytes(frameBytes);
        frame.putBytes(0, frameBytes);

        final int length = TunnelFrameCodec.encode(
            message, 0, message.capacity(), NETWORK_ID, SOURCE_NODE, frame, 0, FRAME_LENGTH);
        if (TunnelError.NONE != decoder.decode(message, 0, length))
        {
            throw new IllegalStateException("benchmark message does not decode: " + decoder.decode(message, 0, length));
        }
    }

    @Benchmark
    public int handWrittenEncodeAndDecodeOf1427ByteFrame()
    {
        final int length = TunnelFrameCodec.encode(
            message, 0, message.capacity(), NETWORK_ID, sequence++, frame, 0, FRAME_LENGTH);
        final TunnelError error = decoder.decode(message, 0, length);

        return error.ordinal() + decoder.sourceNode() + decoder.frameOffset() + decoder.frameLength();
    }

    @Benchmark
    public int generatedBuilderToByteArrayParseFromOf1427ByteFrame() throws InvalidProtocolBufferException
    {
        final byte[] encoded = TunnelFrame.newBuilder()
            .setNetworkId(NETWORK_ID)
            .setSourceNode(sequence++)
            .setFrame(ByteString.copyFrom(frameBytes))
            .build()
            .toByteArray();
        final TunnelFrame parsed = TunnelFrame.parseFrom(encoded);

        return parsed.getSourceNode() + parsed.getFrame().size();
    }
}
