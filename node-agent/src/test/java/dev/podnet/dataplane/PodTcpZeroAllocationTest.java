package dev.podnet.dataplane;

import dev.podnet.pod.TcpPerfResult;
import dev.podnet.testing.AllocationMeter;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A bulk TCP transfer between two pods, through the node's bridge, allocates nothing per segment: once the
 * buffers have grown and the code is compiled, thousands of duty cycles carrying data and ACKs allocate no byte
 * (sender and receiver stacks, the pods' IP layer, the bridge, timers included).
 */
class PodTcpZeroAllocationTest
{
    @Test
    void shouldNotAllocatePerSegmentInABulkTransfer()
    {
        final ManualNode node = ManualNode.withCidr("10.244.1.0/24").busyStep(Duration.ofNanos(50_000));
        node.createPod("pod-a");
        final PodInfo b = node.createPod("pod-b");
        final CompletableFuture<TcpPerfResult> perf = node.proxy.tcpPerf("pod-a", b.ip(), 9, 1, Duration.ofSeconds(600),
            Duration.ofSeconds(600), Duration.ofSeconds(5));
        final long[] segments = new long[1];
        final Runnable cycles = () ->
        {
            for (int i = 0; i < 200; i++)
            {
                node.dataPlane.doWork();
                node.clock.advance(50_000);
            }
        };

        final long allocated = AllocationMeter.quietestRound(cycles, 10, 4);

        final long acked = node.await(node.proxy.sockets("pod-a")).stream()
            .filter(socket -> socket.remotePort() == 9).mapToLong(dev.podnet.tcp.SocketInfo::bytesAcked).sum();
        segments[0] = acked / 1448;
        assertThat(perf).isNotDone();
        assertThat(segments[0]).as("segments acknowledged").isGreaterThan(10_000);
        assertThat(allocated).as("bytes allocated in the quietest round of 200 duty cycles").isLessThan(1024);
    }
}
