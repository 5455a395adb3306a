package dev.podnet.dataplane;

import dev.podnet.packet.Ipv4Address;
import dev.podnet.testing.AllocationMeter;
import dev.podnet.testing.RealPodTesting;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real pod's frames cost the data plane no allocation: the kernel in the pod's namespace flood-pings
 * the gateway, and the duty cycle, run here on the test thread, reads each request from the TAP device
 * into the frame queue, switches it, lets the router answer, and writes the reply back to the TAP.
 */
class TapForwardingAllocationTest
{
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void shouldForwardARealPodsFramesWithoutAllocating() throws Exception
    {
        RealPodTesting.require("ping");
        RealPodTesting.deleteNetns("pn-tap-alloc");
        final ManualNode node = ManualNode.withCidr("10.244.8.0/24");
        final CompletableFuture<PodInfo> attached =
            CompletableFuture.supplyAsync(() -> node.proxy.realPods().attach("pn-tap-alloc", "pn-tap-alloc", null));
        runUntil(node, attached);
        attached.get();
        final String gateway = Ipv4Address.format(node.dataPlane.gatewayIp());
        final Process flood = new ProcessBuilder("ip", "netns", "exec", "pn-tap-alloc", "ping", "-f", "-c", "1000000", gateway)
            .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try
        {
            final long allocated = AllocationMeter.quietestRound(() ->
            {
                final long start = node.dataPlane.framesForwarded();
                while (node.dataPlane.framesForwarded() - start < 200)
                {
                    if (node.dataPlane.doWork() == 0)
                    {
                        Thread.onSpinWait();
                    }
                }
            }, 20, 10);
            assertThat(allocated).as("bytes allocated while forwarding 200 frames from and to a TAP device").isZero();
        }
        finally
        {
            flood.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            final CompletableFuture<Void> deleted = node.proxy.deletePod("pn-tap-alloc");
            runUntil(node, deleted);
            RealPodTesting.deleteNetns("pn-tap-alloc");
        }
    }

    /** Runs duty cycles until {@code future} is done: the system calls of attaching take real time, not simulated. */
    private static void runUntil(final ManualNode node, final CompletableFuture<?> future)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!future.isDone())
        {
            assertThat(System.nanoTime()).as("done within 30 s").isLessThan(deadline);
            if (node.dataPlane.doWork() == 0)
            {
                java.util.concurrent.locks.LockSupport.parkNanos(100_000L);
            }
        }
    }
}
