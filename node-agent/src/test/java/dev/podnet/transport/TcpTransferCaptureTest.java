package dev.podnet.transport;

import dev.podnet.dataplane.PodInfo;
import dev.podnet.diag.PcapCapture;
import dev.podnet.diag.PcapWriter;
import dev.podnet.packet.Ipv4Address;
import dev.podnet.pod.TcpPerfResult;
import dev.podnet.testing.Tshark;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static dev.podnet.transport.OverlayCluster.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The evidence that pod TCP is real TCP: 10 MB from a pod on one node to the discard service of a pod on another,
 * through the Aeron tunnel, captured at the sending pod and read by Wireshark's {@code tshark}. On a clean path it
 * is one TCP stream carrying exactly the bytes sent, every checksum good and no {@code tcp.analysis} remark; with
 * frames lost in the tunnel on purpose ({@link LossyOverlay}) every byte still arrives, and tshark sees the
 * retransmissions.
 */
@Timeout(300)
class TcpTransferCaptureTest
{
    private static final int TEN_MB = 10_000_000;
    private static final int RING = 64 << 20; // the whole capture fits: not a frame lost however busy the machine

    @BeforeAll
    static void requireTshark()
    {
        Tshark.require();
    }

    @Test
    void shouldCaptureTenMegabytesBetweenNodesAsOneCleanTcpStream(@TempDir final Path dir) throws IOException
    {
        final Path file = dir.resolve("clean.pcap");
        // the clean path in time as well: a stall of the busy test machine longer than Linux's 200 ms minimum RTO would
        // look like a loss and show as a (spurious) retransmission; RFC 6298's 1 s minimum rides such stalls out
        try (OverlayCluster cluster = OverlayCluster.start(overlay -> overlay,
            pods -> pods.withTcp(pods.tcp().withRtoMin(Duration.ofSeconds(1))), "node-a", "node-b"))
        {
            final PodInfo a1 = cluster.createPod("node-a", "a-1");
            final PodInfo b1 = cluster.createPod("node-b", "b-1");

            final Capture capture = Capture.start(cluster, file);
            final TcpPerfResult result = transfer(cluster, b1);
            capture.stop();

            assertThat(result.ok()).as(result.error()).isTrue();
            assertThat(result.bytes()).isEqualTo(TEN_MB);
            assertThat(capture.pcap.overruns()).isZero();
            assertThat(result.retransmits()).as("retransmissions on a clean path: %s", Tshark.run(file, "-Y",
                "tcp.analysis.flags", "-o", "tcp.relative_sequence_numbers:FALSE")).isZero();

            final String a = Ipv4Address.format(a1.ip());
            final String b = Ipv4Address.format(b1.ip());
            assertThat(Tshark.fields(file, "tcp", "tcp.stream").stream().distinct().toList())
                .as("one TCP conversation").containsExactly("0");
            assertThat(sum(Tshark.fields(file, "tcp && ip.src == " + a, "tcp.len"))).as("payload bytes a-1 sent")
                .isEqualTo(TEN_MB);
            assertThat(Tshark.fields(file, "tcp.analysis.flags && !tcp.analysis.window_update", "frame.number",
                "_ws.expert.message")).as("no retransmission, duplicate ACK, lost or out-of-order segment").isEmpty();
            assertThat(Tshark.fields(file, "_ws.malformed || _ws.expert.severity >= 0x600000", "frame.number")).isEmpty();
            assertThat(Tshark.fields(file, "tcp && tcp.checksum.status != 1", "frame.number")).as("bad checksums").isEmpty();
            assertThat(Tshark.fields(file, "tcp.flags.syn == 1", "ip.src", "tcp.flags.ack", "tcp.options.mss_val",
                "tcp.options.wscale.shift", "tcp.options.sack_perm", "tcp.options.timestamp.tsecr"))
                .as("the handshake").hasSize(2)
                .first().asString().startsWith(a + ",0,1373,7,0402,0");
            assertThat(Tshark.fields(file, "tcp.flags.fin == 1", "ip.src")).containsExactlyInAnyOrder(a, b);
            final List<String> conversation = Tshark.run(file, "-q", "-z", "conv,tcp");
            assertThat(String.join("\n", conversation)).contains(a + ":").contains(b + ":9");
        }
    }

    @Test
    void shouldRetransmitWhatTheTunnelLostAndStillDeliverEveryByte(@TempDir final Path dir) throws IOException
    {
        final Path file = dir.resolve("lossy.pcap");
        final List<LossyOverlay> tunnels = new ArrayList<>();
        try (OverlayCluster cluster = OverlayCluster.start(overlay ->
        {
            final LossyOverlay lossy = new LossyOverlay(overlay, ordinal -> ordinal % 250 == 0);
            tunnels.add(lossy);
            return lossy;
        }, "node-a", "node-b"))
        {
            cluster.createPod("node-a", "a-1");
            final PodInfo b1 = cluster.createPod("node-b", "b-1");
            final LossyOverlay fromA = tunnels.get(0);
            fromA.active = true;

            final Capture capture = Capture.start(cluster, file);
            final TcpPerfResult result = transfer(cluster, b1);
            capture.stop();
            fromA.active = false;

            assertThat(result.ok()).as(result.error()).isTrue();
            assertThat(result.bytes()).as("every byte acknowledged").isEqualTo(TEN_MB);
            assertThat(fromA.lost()).as("frames the tunnel lost").isGreaterThan(10);
            assertThat(result.retransmits()).isGreaterThanOrEqualTo(fromA.lost());
            assertThat(capture.pcap.overruns()).isZero();
            final List<String> retransmissions = Tshark.fields(file,
                "tcp.analysis.retransmission || tcp.analysis.fast_retransmission", "frame.number");
            assertThat(retransmissions).as("tshark sees them sent again").hasSizeGreaterThanOrEqualTo((int)fromA.lost());
            assertThat(Tshark.fields(file, "tcp", "tcp.stream").stream().distinct().toList()).containsExactly("0");
            assertThat(Tshark.fields(file, "tcp && tcp.checksum.status != 1", "frame.number")).isEmpty();
        }
    }

    /** 10 MB from a-1 to b-1's discard service, one connection, closed in order. */
    private static TcpPerfResult transfer(final OverlayCluster cluster, final PodInfo b1)
    {
        return await(cluster.proxy("node-a").tcpPerf("a-1", b1.ip(), 9, 1, Duration.ofSeconds(120), TEN_MB,
            Duration.ofSeconds(1), Duration.ofSeconds(10)));
    }

    private static long sum(final List<String> lengths)
    {
        return lengths.stream().mapToLong(Long::parseLong).sum();
    }

    /** a-1's frames into a pcap file. */
    private record Capture(OverlayCluster cluster, PcapCapture pcap)
    {
        static Capture start(final OverlayCluster cluster, final Path file) throws IOException
        {
            final PcapCapture pcap = new PcapCapture(PcapWriter.open(file), "a-1", RING);
            await(cluster.proxy("node-a").addTap(pcap));
            return new Capture(cluster, pcap);
        }

        void stop()
        {
            // the last ACK of the close leaves in the duty cycle that completed the transfer: let a few more pass
            OverlayCluster.awaitCondition(() -> await(cluster.proxy("node-a").podStats("a-1")) != null, Duration.ofSeconds(5),
                "a duty cycle after the transfer");
            await(cluster.proxy("node-a").removeTap(pcap));
            pcap.close();
        }
    }
}
