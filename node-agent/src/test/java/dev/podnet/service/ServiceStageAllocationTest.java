package dev.podnet.service;

import dev.podnet.conntrack.ConntrackTable;
import dev.podnet.conntrack.ConntrackTimeouts;
import dev.podnet.packet.Ipv4Address;
import dev.podnet.packet.Ipv4Flyweight;
import dev.podnet.packet.UdpFlyweight;
import dev.podnet.testing.AllocationMeter;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Translating packets both ways allocates nothing, new connections included (their entries come from the table's arrays). */
class ServiceStageAllocationTest
{
    private static final int CLIENT = Ipv4Address.parse("10.244.1.2");
    private static final int CLUSTER_IP = Ipv4Address.parse("10.96.0.50");
    private static final int ENDPOINT = Ipv4Address.parse("10.244.2.3");

    private final UnsafeBuffer packet = new UnsafeBuffer(new byte[64]);
    private final Ipv4Flyweight ipv4 = new Ipv4Flyweight();
    private final UdpFlyweight udp = new UdpFlyweight();

    /** A UDP datagram with a correct checksum, 8 bytes of payload. */
    private Ipv4Flyweight datagram(final int source, final int sourcePort, final int destination, final int destinationPort)
    {
        ipv4.wrap(packet, 0, 36).writeHeader(0, 36, 1, false, false, 0, 64, Ipv4Flyweight.PROTOCOL_UDP, source, destination);
        udp.wrap(packet, 20, 16).writeHeader(sourcePort, destinationPort, 8);
        packet.putLong(28, 0x686f73746e616d65L);
        udp.updateChecksum(source, destination);
        return ipv4.wrap(packet, 0, 36);
    }

    @Test
    void shouldTranslateWithoutAllocating()
    {
        final ServiceStage stage = new ServiceStage(new ConntrackTable(4096, ConntrackTimeouts.DEFAULTS),
            ServiceTable.of(ServiceTable.DEFAULT_SERVICE_CIDR, List.of(new ServiceTable.Frontend("default/web:80", CLUSTER_IP, 17, 80, 0,
                new int[] {ENDPOINT, ENDPOINT + 1}, new int[] {8081, 8081}, 10_800_000_000_000L)), 1, 0),
            Ipv4Address.parse("10.244.1.1"), Ipv4Address.parse("10.244.1.0"), 1024);
        final long[] now = {1};
        final long[] verdicts = new long[1];

        final long allocated = AllocationMeter.quietestRound(() ->
        {
            for (int round = 0; round < 20; round++)
            {
                for (int port = 32768; port < 34768; port++)
                {
                    now[0] += 1000;
                    verdicts[0] += stage.fromPod(datagram(CLIENT, port, CLUSTER_IP, 80), now[0]);
                    final int endpoint = ipv4.destination();
                    verdicts[0] += stage.fromTunnel(datagram(endpoint, 8081, CLIENT, port), now[0]);
                    verdicts[0] += ipv4.source() == CLUSTER_IP ? 0 : 1000;
                }
                now[0] += 31_000_000_000L; // every connection expires; the sweep and lookups reap them
                for (int i = 0; i < 100; i++)
                {
                    stage.onTimer(now[0]);
                }
            }
        }, 2, 4);

        assertThat(verdicts[0]).as("every packet passed and every reply came from the ClusterIP").isZero();
        assertThat(allocated).isLessThan(1024);
    }
}
