package dev.podnet.bench;

import dev.podnet.packet.Checksum;
import dev.podnet.packet.EthernetFlyweight;
import dev.podnet.packet.Ipv4Flyweight;
import dev.podnet.packet.MacAddress;
import dev.podnet.packet.PacketError;
import dev.podnet.packet.UdpFlyweight;
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
 * Cost of the per-frame packet work: checksums, checking a received header, writing a full UDP frame, and the
 * router's TTL decrement. Run with {@code mvn -pl node-agent -Pbench verify -Dbench.args="PacketCodec -prof gc"};
 * the gc profiler should report no allocation.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {
    "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED",
    "--add-opens", "java.base/java.nio=ALL-UNNAMED"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
@State(Scope.Thread)
public class PacketCodecBenchmark
{
    private static final int PAYLOAD_LENGTH = 1400;
    private static final int SOURCE_IP = 0x0AF4_0102;
    private static final int DESTINATION_IP = 0x0AF4_0203;
    private static final int FRAME_LENGTH =
        EthernetFlyweight.HEADER_LENGTH + Ipv4Flyweight.MIN_HEADER_LENGTH + UdpFlyweight.HEADER_LENGTH + PAYLOAD_LENGTH;

    private final UnsafeBuffer frame = new UnsafeBuffer(BufferUtil.allocateDirectAligned(2048, 64));
    private final UnsafeBuffer header = new UnsafeBuffer(BufferUtil.allocateDirectAligned(64, 64));
    private final EthernetFlyweight ethernet = new EthernetFlyweight();
    private final Ipv4Flyweight ipv4 = new Ipv4Flyweight();
    private final Ipv4Flyweight receivedHeader = new Ipv4Flyweight();
    private final UdpFlyweight udp = new UdpFlyweight();
    private int identification;

    @Setup
    public void setup()
    {
        final byte[] payload = new byte[PAYLOAD_LENGTH];
        ThreadLocalRandom.current().nextBytes(payload);
        writeFrame();
        frame.putBytes(udp.payloadOffset(), payload);
        udp.updateChecksum(SOURCE_IP, DESTINATION_IP);

        receivedHeader.wrap(header, 0, Ipv4Flyweight.MIN_HEADER_LENGTH).writeHeader(
            0, Ipv4Flyweight.MIN_HEADER_LENGTH, 1, true, false, 0, 64, Ipv4Flyweight.PROTOCOL_UDP,
            SOURCE_IP, DESTINATION_IP);

        if (PacketError.NONE != receivedHeader.check())
        {
            throw new IllegalStateException("benchmark header does not check: " + receivedHeader.check());
        }
    }

    @Benchmark
    public int checksumOf20ByteHeader()
    {
        return Checksum.compute(header, 0, Ipv4Flyweight.MIN_HEADER_LENGTH);
    }

    @Benchmark
    public int checksumOf1400BytePayload()
    {
        return Checksum.compute(frame, udp.payloadOffset(), PAYLOAD_LENGTH);
    }

    @Benchmark
    public PacketError checkValidIpv4Header()
    {
        return receivedHeader.check();
    }

    @Benchmark
    public int writeEthernetIpv4UdpFrameOf1400BytePayload()
    {
        writeFrame();
        udp.updateChecksum(SOURCE_IP, DESTINATION_IP);

        return udp.checksum();
    }

    @Benchmark
    public int decrementTtl()
    {
        receivedHeader.decrementTtl();

        return receivedHeader.headerChecksum();
    }

    private void writeFrame()
    {
        ethernet.wrap(frame, 0, FRAME_LENGTH)
            .destination(MacAddress.podMac(0x0AF4_0101))
            .source(MacAddress.podMac(SOURCE_IP))
            .etherType(EthernetFlyweight.ETHER_TYPE_IPV4);
        ipv4.wrap(frame, ethernet.payloadOffset(), ethernet.payloadLength()).writeHeader(
            0, Ipv4Flyweight.MIN_HEADER_LENGTH + UdpFlyweight.HEADER_LENGTH + PAYLOAD_LENGTH, identification++,
            true, false, 0, 64, Ipv4Flyweight.PROTOCOL_UDP, SOURCE_IP, DESTINATION_IP);
        udp.wrap(frame, ipv4.payloadOffset(), ipv4.payloadLength())
            .writeHeader(40000, 7, PAYLOAD_LENGTH);
    }
}
