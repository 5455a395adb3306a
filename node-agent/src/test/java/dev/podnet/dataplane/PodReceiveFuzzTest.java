package dev.podnet.dataplane;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.podnet.packet.MacAddress;
import dev.podnet.pod.PingRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Coverage-guided fuzzing (Jazzer) of the pod stack's receive path: whatever frame pod-a sends (its own
 * source MAC and IPv4 address, so that anti-spoofing lets it in; to pod-b, the gateway or everyone), the
 * bridge, the router and pod-b's stack (ARP, IPv4, reassembly, ICMP, UDP, netexec) handle it without
 * throwing, on a node driven by the test thread ({@link ManualNode}). Every 500 inputs, pod-a still pings
 * pod-b. Regression run of the corpus by default, fuzzing with {@code JAZZER_FUZZ=1} (docs/FUZZING.md).
 */
class PodReceiveFuzzTest
{
    private static ManualNode node;
    private static PodInfo a;
    private static PodInfo b;
    private static long gatewayMac;
    private static int inputs;

    @BeforeAll
    static void start()
    {
        node = ManualNode.withCidr("10.244.1.0/24");
        a = node.createPod("pod-a");
        b = node.createPod("pod-b");
        gatewayMac = MacAddress.podMac(node.dataPlane.config().podCidr().address(1));
    }

    @AfterAll
    static void stillWorks()
    {
        if (node != null)
        {
            assertThat(node.await(node.proxy.ping("pod-a", PingRequest.of(b.ip(), 1))).received()).isEqualTo(1);
        }
    }

    /** First byte: whom the frame is for; then the frame from its EtherType on (destination and source MACs are set). */
    @FuzzTest(maxDuration = "10s")
    void aPodsFrameNeverBreaksTheNode(final byte[] input)
    {
        if (input.length < 1)
        {
            return;
        }
        final byte[] frame = new byte[12 + input.length - 1];
        final long destination = switch (input[0] & 3)
        {
            case 0 -> b.mac();
            case 1 -> gatewayMac;
            case 2 -> MacAddress.BROADCAST;
            default -> 0x0A58_0AF4_01FEL; // nobody: flooded
        };
        putMac(frame, 0, destination);
        putMac(frame, 6, a.mac());
        System.arraycopy(input, 1, frame, 12, input.length - 1);
        if (frame.length >= 14 + 20 && frame[12] == 0x08 && frame[13] == 0x00)
        {
            // IPv4: the source address is pod-a's, as anti-spoofing wants
            frame[26] = (byte)(a.ip() >>> 24);
            frame[27] = (byte)(a.ip() >>> 16);
            frame[28] = (byte)(a.ip() >>> 8);
            frame[29] = (byte)a.ip();
        }
        node.runUntil(() -> node.dataPlane.inject("pod-a", frame), Duration.ofSeconds(1));
        for (int i = 0; i < 8; i++)
        {
            node.dataPlane.doWork();
        }
        node.clock.advance(ManualNode.STEP_NANOS);
        if (++inputs % 500 == 0)
        {
            assertThat(node.await(node.proxy.ping("pod-a", PingRequest.of(b.ip(), 1))).received()).isEqualTo(1);
        }
    }

    private static void putMac(final byte[] frame, final int offset, final long mac)
    {
        for (int i = 0; i < 6; i++)
        {
            frame[offset + i] = (byte)(mac >>> (8 * (5 - i)));
        }
    }
}
