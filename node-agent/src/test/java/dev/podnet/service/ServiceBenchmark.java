package dev.podnet.service;

import dev.podnet.conntrack.ConntrackTable;
import dev.podnet.conntrack.ConntrackTimeouts;
import dev.podnet.dns.DnsHeaderFlyweight;
import dev.podnet.dns.DnsName;
import dev.podnet.dns.DnsResponder;
import dev.podnet.dns.DnsZone;
import dev.podnet.packet.Ipv4Address;
import dev.podnet.packet.Ipv4Flyweight;
import dev.podnet.packet.UdpFlyweight;
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

import java.nio.ByteOrder;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The per-packet cost of Services and cluster DNS (run with {@code -prof gc} for the allocation):
 * <ul>
 *   <li>{@code translateTrackedPacket}: a packet of a tracked connection to a ClusterIP, looked up in
 *       connection tracking and rewritten (addresses, ports, checksums);</li>
 *   <li>{@code translateNewConnection}: a new connection's first packet: endpoint chosen, tracked, translated,
 *       and its entry removed again (so that the table stays the same size);</li>
 *   <li>{@code answerDnsQuery}: the cluster DNS responder answers an A query for a Service.</li>
 * </ul>
 * {@code mvn -pl node-agent -am -Pbench -DskipTests verify -Dbench.args="ServiceBenchmark -prof gc"}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@State(Scope.Thread)
public class ServiceBenchmark
{
    private static final int CLIENT = Ipv4Address.parse("10.244.1.2");
    private static final int CLUSTER_IP = Ipv4Address.parse("10.96.0.50");

    private final UnsafeBuffer packet = new UnsafeBuffer(new byte[64]);
    private final UnsafeBuffer original = new UnsafeBuffer(new byte[64]);
    private final Ipv4Flyweight ipv4 = new Ipv4Flyweight();
    private ServiceStage stage;
    private ConntrackTable conntrack;
    private DnsResponder responder;
    private DnsZone zone;
    private UnsafeBuffer query;
    private final UnsafeBuffer answer = new UnsafeBuffer(new byte[4096]);
    private long now = 1;
    private int nextPort = 40000;

    @Setup
    public void setUp()
    {
        conntrack = new ConntrackTable(65_536, ConntrackTimeouts.DEFAULTS);
        final int[] endpoints = new int[10];
        final int[] ports = new int[10];
        for (int i = 0; i < endpoints.length; i++)
        {
            endpoints[i] = Ipv4Address.parse("10.244.2." + (i + 2));
            ports[i] = 8081;
        }
        stage = new ServiceStage(conntrack, ServiceTable.of(ServiceTable.DEFAULT_SERVICE_CIDR,
            List.of(new ServiceTable.Frontend("default/web:80", CLUSTER_IP, 17, 80, 0, endpoints, ports, 0)), 1, 0),
            Ipv4Address.parse("10.244.1.1"), Ipv4Address.parse("10.244.1.0"), 1024);
        ipv4.wrap(original, 0, 36).writeHeader(0, 36, 1, false, false, 0, 64, Ipv4Flyweight.PROTOCOL_UDP, CLIENT, CLUSTER_IP);
        new UdpFlyweight().wrap(original, 20, 16).writeHeader(33333, 80, 8).updateChecksum(CLIENT, CLUSTER_IP);
        packet.putBytes(0, original, 0, 36);
        stage.fromPod(ipv4.wrap(packet, 0, 36), now); // the tracked connection

        final DnsZone.Builder builder = DnsZone.builder("cluster.local", Ipv4Address.parse("10.96.0.10")).namespace("default");
        for (int i = 0; i < 1000; i++)
        {
            builder.service("default", "svc-" + i, CLUSTER_IP + i, List.of(new DnsZone.Builder.Port("http", "TCP", 80)));
        }
        zone = builder.build(1);
        responder = new DnsResponder();
        final byte[] name = DnsName.toWire("svc-500.default.svc.cluster.local");
        query = new UnsafeBuffer(new byte[12 + name.length + 4]);
        DnsHeaderFlyweight.write(query, 0, 7, DnsHeaderFlyweight.FLAG_RD, 1, 0, 0, 0);
        query.putBytes(12, name);
        query.putShort(12 + name.length, (short)1, ByteOrder.BIG_ENDIAN);
        query.putShort(14 + name.length, (short)1, ByteOrder.BIG_ENDIAN);
    }

    @Benchmark
    public int translateTrackedPacket()
    {
        packet.putBytes(0, original, 0, 36);
        return stage.fromPod(ipv4.wrap(packet, 0, 36), ++now) + ipv4.destination();
    }

    @Benchmark
    public int translateNewConnection()
    {
        packet.putBytes(0, original, 0, 36);
        final int port = nextPort = nextPort == 60000 ? 40000 : nextPort + 1;
        packet.putShort(20, (short)port, ByteOrder.BIG_ENDIAN);
        final int verdict = stage.fromPod(ipv4.wrap(packet, 0, 36), ++now);
        conntrack.delete((int)(conntrack.lookup(17, CLIENT, port, CLUSTER_IP, 80, now) >>> 1));
        return verdict + ipv4.destination();
    }

    @Benchmark
    public int answerDnsQuery()
    {
        return responder.respond(zone, query, 0, query.capacity(), answer, 0, answer.capacity(), false);
    }
}
