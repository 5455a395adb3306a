package dev.podnet.diag;

import dev.podnet.dataplane.ManualNode;
import dev.podnet.dataplane.PodInfo;
import dev.podnet.packet.Ipv4Address;
import dev.podnet.pod.PingRequest;
import dev.podnet.testing.Tshark;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The external check that podnet's bytes are real: capture a ping between two pods into a pcap file
 * and let Wireshark's {@code tshark} decode it, checksums verified.
 * <p>
 * Needs {@code tshark} (Debian package {@code tshark}; {@code .ci/run} installs it). In CI
 * ({@code CI} set) a missing tshark fails the test; on a developer machine it skips with that message.
 */
class PingCaptureTsharkTest
{
    @TempDir
    Path dir;

    @BeforeAll
    static void requireTshark()
    {
        Tshark.require();
    }

    @Test
    void shouldCaptureAPingThatTsharkDecodesWithGoodChecksums() throws Exception
    {
        final ManualNode node = ManualNode.withCidr("10.244.1.0/24");
        final PodInfo a = node.createPod("pod-a");
        final PodInfo b = node.createPod("pod-b");
        final Path file = dir.resolve("ping.pcap");
        final PcapCapture capture = new PcapCapture(PcapWriter.open(file), null);
        node.await(node.proxy.tap(capture));

        node.await(node.proxy.ping("pod-a", PingRequest.of(b.ip(), 3)));

        node.await(node.proxy.tap(null));
        capture.close();
        assertThat(capture.overruns()).isZero();

        final List<String> icmp = Tshark.fields(file, "icmp",
            "ip.src", "ip.dst", "icmp.type", "icmp.code", "icmp.ident", "icmp.seq", "ip.checksum.status", "icmp.checksum.status", "ip.ttl");
        final String ipA = Ipv4Address.format(a.ip());
        final String ipB = Ipv4Address.format(b.ip());
        final List<String> expected = new ArrayList<>();
        final String ident = icmp.get(0).split(",")[4];
        for (int seq = 1; seq <= 3; seq++)
        {
            expected.add(String.join(",", ipA, ipB, "8", "0", ident, Integer.toString(seq), "1", "1", "64"));
            expected.add(String.join(",", ipB, ipA, "0", "0", ident, Integer.toString(seq), "1", "1", "64"));
        }
        assertThat(icmp).containsExactlyElementsOf(expected);

        final List<String> arp = Tshark.fields(file, "arp", "arp.opcode", "arp.src.proto_ipv4", "arp.dst.proto_ipv4", "arp.src.hw_mac");
        assertThat(arp).containsExactly(
            "1," + ipA + "," + ipB + ",0a:58:0a:f4:01:02",
            "2," + ipB + "," + ipA + ",0a:58:0a:f4:01:03");
        // no malformed packet and no expert info of severity warning (0x600000) or error
        assertThat(Tshark.fields(file, "_ws.malformed || _ws.expert.severity >= 0x600000", "frame.number")).isEmpty();
    }


}
