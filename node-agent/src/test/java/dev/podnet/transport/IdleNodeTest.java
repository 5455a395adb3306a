package dev.podnet.transport;

import dev.podnet.dataplane.EfficientIdleStrategy;
import dev.podnet.dataplane.PodInfo;
import dev.podnet.pod.PingRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.TimeUnit;

import static dev.podnet.transport.OverlayCluster.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two idle nodes tunnelled to each other (efficient idle mode, the default): each data-plane thread
 * wakes for what arrives (the peer's Aeron heartbeats, ten a second) and every deep wait, not a thousand
 * times a second; and a ping after the quiet still gets through both ways.
 */
@Timeout(120)
class IdleNodeTest
{
    /** A deep wait's wake-ups, the peer's heartbeats and status messages, and room for a loaded machine's extras. */
    private static final long MAX_CYCLES_PER_SECOND = 2 * TimeUnit.SECONDS.toNanos(1) / EfficientIdleStrategy.DEFAULT_DEEP_WAIT_NANOS + 100;

    private static OverlayCluster cluster;
    private static PodInfo b1;
    private static PodInfo a1;

    @BeforeAll
    static void start()
    {
        cluster = OverlayCluster.start("idle-a", "idle-b");
        a1 = cluster.createPod("idle-a", "a-1");
        b1 = cluster.createPod("idle-b", "b-1");
        assertThat(await(cluster.proxy("idle-a").ping("a-1", PingRequest.of(b1.ip(), 1))).received()).isEqualTo(1);
    }

    @AfterAll
    static void stop()
    {
        if (cluster != null)
        {
            cluster.close();
        }
    }

    @Test
    void shouldWakeForItsInputsAndDeepWaitsOnlyWhenIdle() throws InterruptedException
    {
        TimeUnit.SECONDS.sleep(1); // past the tunnel's active window and the back-off's tenth of a second
        final long a = cluster.proxy("idle-a").dutyCycles();
        final long b = cluster.proxy("idle-b").dutyCycles();
        final long start = System.nanoTime();

        TimeUnit.SECONDS.sleep(3);

        final double seconds = (System.nanoTime() - start) / 1e9;
        final double aPerSecond = (cluster.proxy("idle-a").dutyCycles() - a) / seconds;
        final double bPerSecond = (cluster.proxy("idle-b").dutyCycles() - b) / seconds;
        assertThat(aPerSecond).as("idle-a's duty cycles a second").isLessThan(MAX_CYCLES_PER_SECOND);
        assertThat(bPerSecond).as("idle-b's duty cycles a second").isLessThan(MAX_CYCLES_PER_SECOND);
        assertThat(aPerSecond + bPerSecond).as("they still run").isPositive();
    }

    @Test
    void shouldPingBothWaysAfterAQuietSpell() throws InterruptedException
    {
        TimeUnit.SECONDS.sleep(1);

        assertThat(await(cluster.proxy("idle-a").ping("a-1", PingRequest.of(b1.ip(), 3))).received()).isEqualTo(3);
        TimeUnit.SECONDS.sleep(1);
        assertThat(await(cluster.proxy("idle-b").ping("b-1", PingRequest.of(a1.ip(), 3))).received()).isEqualTo(3);
    }
}
