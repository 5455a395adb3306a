package dev.podnet.dataplane;

import dev.podnet.packet.EthernetFlyweight;
import dev.podnet.packet.IcmpFlyweight;
import dev.podnet.packet.Ipv4Cidr;
import dev.podnet.packet.Ipv4Flyweight;
import dev.podnet.packet.UdpFlyweight;
import dev.podnet.pod.DropCounters;
import dev.podnet.pod.PingRequest;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.SystemNanoClock;
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

import java.util.concurrent.TimeUnit;

/**
 * The per-frame cost of the data plane, and proof that it allocates nothing (run with {@code -prof gc}):
 * <ul>
 *   <li>{@code bridgeForward}: one known-unicast UDP frame switched by the learning bridge to its port;</li>
 *   <li>{@code echoThroughNode}: an ICMP echo request from pod A put on the bridge, delivered to pod B,
 *       answered, and the reply switched back to pod A — two bridge passes and one pod stack.</li>
 * </ul>
 * {@code mvn -pl node-agent -am -Pbench -DskipTests verify -Dbench.args="ForwardingBenchmark -prof gc"}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@State(Scope.Thread)
public class ForwardingBenchmark
{
    private static final class SinkPort implements BridgePort
    {
        private final int id;
        long frames;

        SinkPort(final int id)
        {
            this.id = id;
        }

        @Override
        public int id()
        {
            return id;
        }

        @Override
        public String name()
        {
            return "sink-" + id;
        }

        @Override
        public void deliver(final MutableDirectBuffer buffer, final int offset, final int length, final long nowNanos)
        {
            frames++;
        }
    }

    private Bridge bridge;
    private final UnsafeBuffer udpFrame = new UnsafeBuffer(new byte[14 + 20 + 8 + 64]);
    private NodeDataPlane node;
    private byte[] echoRequest;
    private long now;

    @Setup
    public void setUp() throws Exception
    {
        bridge = new Bridge(300_000_000_000L, 1024, new DropCounters());
        bridge.addPort(new SinkPort(1));
        bridge.addPort(new SinkPort(2));
        bridge.addPort(new SinkPort(3));
        final long macA = 0x0a58_0af4_0102L;
        final long macB = 0x0a58_0af4_0103L;
        writeUdp(udpFrame, macB, macA);
        final UnsafeBuffer fromB = new UnsafeBuffer(new byte[udpFrame.capacity()]);
        writeUdp(fromB, macA, macB);
        bridge.forward(2, fromB, 0, fromB.capacity(), 0); // learn B on port 2

        node = new NodeDataPlane(NodeConfig.defaults("bench", Ipv4Cidr.parse("10.244.1.0/24")), SystemNanoClock.INSTANCE);
        final DataPlaneProxy proxy = new DataPlaneProxy(node);
        final var a = proxy.createPod("pod-a");
        final var b = proxy.createPod("pod-b");
        while (!b.isDone())
        {
            node.doWork();
        }
        // resolve ARP both ways once, as a real first ping would
        final var ping = proxy.ping("pod-a", PingRequest.of(b.get().ip(), 1));
        while (!ping.isDone())
        {
            node.doWork();
        }
        echoRequest = new byte[14 + 20 + 8 + 56];
        final UnsafeBuffer echo = new UnsafeBuffer(echoRequest);
        new EthernetFlyweight().wrap(echo, 0, echoRequest.length)
            .destination(b.get().mac()).source(a.get().mac()).etherType(EthernetFlyweight.ETHER_TYPE_IPV4);
        new Ipv4Flyweight().wrap(echo, 14, 84).writeHeader(0, 84, 7, false, false, 0, 64, Ipv4Flyweight.PROTOCOL_ICMP, a.get().ip(), b.get().ip());
        new IcmpFlyweight().wrap(echo, 34, 64).writeEcho(IcmpFlyweight.TYPE_ECHO_REQUEST, 4242, 1).updateChecksum();
    }

    private static void writeUdp(final UnsafeBuffer frame, final long destination, final long source)
    {
        new EthernetFlyweight().wrap(frame, 0, frame.capacity()).destination(destination).source(source).etherType(EthernetFlyweight.ETHER_TYPE_IPV4);
        final Ipv4Flyweight ip = new Ipv4Flyweight().wrap(frame, 14, frame.capacity() - 14);
        ip.writeHeader(0, frame.capacity() - 14, 1, true, false, 0, 64, Ipv4Flyweight.PROTOCOL_UDP, 0x0af40102, 0x0af40103);
        new UdpFlyweight().wrap(frame, 34, frame.capacity() - 34).writeHeader(40000, 8081, 64).updateChecksum(0x0af40102, 0x0af40103);
    }

    @Benchmark
    public long bridgeForward()
    {
        bridge.forward(1, udpFrame, 0, udpFrame.capacity(), ++now);
        return bridge.framesForwarded();
    }

    @Benchmark
    public int echoThroughNode()
    {
        node.inject("pod-a", echoRequest);
        int work = 0;
        int done;
        while ((done = node.doWork()) > 0)
        {
            work += done;
        }
        return work;
    }
}
