package dev.podnet.diag;

import dev.podnet.dataplane.ManualNode;
import dev.podnet.dataplane.PodInfo;
import dev.podnet.dns.DnsZone;
import dev.podnet.dns.StubResolver;
import dev.podnet.packet.Ipv4Address;
import dev.podnet.pod.UdpExchange;
import dev.podnet.testing.Tshark;
import dev.podnet.service.ServiceTable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Wireshark's verdict on cluster DNS and Service translation: a pod resolves a Service by name and
 * calls it; {@code tshark} decodes the DNS exchange, sees the ClusterIP on the client's side of the
 * bridge and the endpoint's address behind the node's translation, and finds every checksum good after
 * NAT rewrote addresses and ports.
 * <p>
 * Needs {@code tshark}; in CI ({@code CI} set) a missing tshark fails the test, elsewhere it skips.
 */
class ServiceCaptureTsharkTest
{
    private static final String CLUSTER_IP = "10.96.0.50";

    @TempDir
    Path dir;

    @BeforeAll
    static void requireTshark()
    {
        Tshark.require();
    }

    @Test
    void shouldCaptureADnsLookupAndATranslatedCallThatTsharkDecodesWithGoodChecksums() throws Exception
    {
        final ManualNode node = ManualNode.withCidr("10.244.1.0/24");
        final PodInfo client = node.createPod("client");
        final PodInfo web = node.createPod("web-1");
        final int clusterIp = Ipv4Address.parse(CLUSTER_IP);
        node.await(node.proxy.installServices(ServiceTable.of(ServiceTable.DEFAULT_SERVICE_CIDR, List.of(
            new ServiceTable.Frontend("default/web:http", clusterIp, 17, 80, 0, new int[] {web.ip()}, new int[] {8081}, 0)), 1, 0)));
        final DnsZone.Builder zone = DnsZone.builder("cluster.local", Ipv4Address.parse("10.96.0.10")).namespace("default");
        zone.service("default", "web", clusterIp, List.of(new DnsZone.Builder.Port("http", "UDP", 80)));
        node.await(node.proxy.installDnsZone(zone.build(7)));
        final Path bridgeFile = dir.resolve("bridge.pcap");
        final Path clientFile = dir.resolve("client.pcap");
        final PcapCapture bridge = new PcapCapture(PcapWriter.open(bridgeFile), null);
        final PcapCapture veth = new PcapCapture(PcapWriter.open(clientFile), "client");
        node.await(node.proxy.addTap(bridge));
        node.await(node.proxy.addTap(veth));

        final StubResolver.Result resolved = node.await(node.proxy.resolve("client", "web", DnsZone.TYPE_A), Duration.ofSeconds(30));
        final UdpExchange call = node.await(node.proxy.udp("client", resolved.addresses()[0], 80,
            "hostname".getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(2)));

        node.await(node.proxy.removeTap(bridge));
        node.await(node.proxy.removeTap(veth));
        bridge.close();
        veth.close();
        assertThat(call.replyText()).isEqualTo("web-1");
        final String clientIp = Ipv4Address.format(client.ip());
        final String webIp = Ipv4Address.format(web.ip());

        assertThat(Tshark.fields(bridgeFile, "dns", "dns.flags.response", "dns.qry.name", "dns.flags.authoritative", "dns.flags.rcode", "dns.a",
            "ip.src", "ip.dst", "udp.checksum.status"))
            .containsExactly(
                "0,web.default.svc.cluster.local,,,," + clientIp + ",10.96.0.10,1",
                "1,web.default.svc.cluster.local,1,0," + CLUSTER_IP + ",10.96.0.10," + clientIp + ",1");
        final String port = Tshark.fields(bridgeFile, "udp.dstport == 80", "udp.srcport").get(0);
        assertThat(Tshark.fields(bridgeFile, "udp.port == 80 || udp.port == 8081", "ip.src", "ip.dst", "udp.srcport", "udp.dstport",
            "ip.checksum.status", "udp.checksum.status"))
            .as("on the bridge: the client's packet to the ClusterIP, the node's translation to the endpoint, its reply")
            .containsExactly(
                String.join(",", clientIp, CLUSTER_IP, port, "80", "1", "1"),
                String.join(",", clientIp, webIp, port, "8081", "1", "1"),
                String.join(",", webIp, clientIp, "8081", port, "1", "1"));
        assertThat(Tshark.fields(clientFile, "udp.port == 80", "ip.src", "ip.dst", "udp.srcport", "udp.dstport", "udp.checksum.status"))
            .as("at the client: the reply comes from the ClusterIP (translated on the bridge)")
            .containsExactly(
                String.join(",", clientIp, CLUSTER_IP, port, "80", "1"),
                String.join(",", CLUSTER_IP, clientIp, "80", port, "1"));
        assertThat(Tshark.fields(bridgeFile, "_ws.malformed || _ws.expert.severity >= 0x600000", "frame.number")).isEmpty();
        assertThat(Tshark.fields(clientFile, "_ws.malformed || _ws.expert.severity >= 0x600000", "frame.number")).isEmpty();
    }


}
