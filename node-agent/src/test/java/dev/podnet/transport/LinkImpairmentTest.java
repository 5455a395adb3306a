package dev.podnet.transport;

import dev.podnet.dataplane.LinkInfo;
import dev.podnet.dataplane.PodInfo;
import dev.podnet.netem.ImpairmentPatch;
import dev.podnet.pod.PingRequest;
import dev.podnet.pod.PingResult;
import dev.podnet.pod.PodStats;
import dev.podnet.pod.TcpPerfResult;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static dev.podnet.transport.OverlayCluster.await;
import static dev.podnet.transport.OverlayCluster.awaitCondition;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Impairments on the links between two real nodes (data planes, Aeron tunnels over loopback UDP), measured
 * by what the pods see: the ping RTT of a delayed link, the share of pings a lossy link loses, the throughput
 * of a rate-limited one (UDP and TCP), a one-way partition. Times come from the data plane's own clock (ping RTTs, the
 * receiving pod's arrival timestamps), and tolerances hold on a loaded 2-core machine.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class LinkImpairmentTest
{
    private static final long MS = 1_000_000L;
    private static OverlayCluster cluster;
    private static PodInfo a1;
    private static PodInfo b1;

    @BeforeAll
    static void startTwoNodes()
    {
        cluster = OverlayCluster.start("node-a", "node-b");
        a1 = cluster.createPod("node-a", "a-1");
        b1 = cluster.createPod("node-b", "b-1");
    }

    @AfterAll
    static void stop()
    {
        cluster.close();
    }

    @AfterEach
    void clearLinks()
    {
        await(cluster.proxy("node-a").clearLink("node-b"));
        await(cluster.proxy("node-b").clearLink("node-a"));
    }

    private static LinkInfo set(final String from, final String to, final String spec)
    {
        return await(cluster.proxy(from).setLink(to, ImpairmentPatch.parse(spec)));
    }

    @Test
    void shouldAddTheDelayOfBothDirectionsToThePingRoundTrip()
    {
        final PingRequest pings = new PingRequest(b1.ip(), 30, Duration.ofMillis(20), 56, false, Duration.ofSeconds(2), 64);
        final PingResult plain = await(cluster.proxy("node-a").ping("a-1", pings));

        set("node-a", "node-b", "delay=50ms");
        set("node-b", "node-a", "delay=50ms");
        final PingResult delayed = await(cluster.proxy("node-a").ping("a-1", pings));

        // no reply comes back sooner than the two delays; the quickest (ping's min: the path's own delay, what
        // a loaded machine adds by scheduling the threads late shows only in the others) is 100 ms slower
        assertThat(delayed.received()).isEqualTo(30);
        assertThat(delayed.replies()).allSatisfy(reply -> assertThat(reply.rttNanos()).isGreaterThanOrEqualTo(100 * MS));
        assertThat(minRtt(delayed) - minRtt(plain)).as("growth of the minimum RTT (ns); RTTs %s", delayed.replies().stream()
            .map(reply -> reply.rttNanos() / 100_000 / 10.0).toList()).isBetween(100 * MS, 110 * MS);
    }

    @Test
    void shouldLoseAboutTheGivenShareOfPings()
    {
        // a tunnel idle since the last test comes back with the first frame, holding at most its share of what follows
        // meanwhile (the rest: tunnel-hold-full, not the link's loss): one ping first brings both ways back
        assertThat(await(cluster.proxy("node-a").ping("a-1", PingRequest.of(b1.ip(), 1))).received()).isEqualTo(1);
        set("node-a", "node-b", "loss=10%");
        final PingRequest pings = new PingRequest(b1.ip(), 2000, Duration.ofMillis(1), 56, false, Duration.ofSeconds(1), 64);

        final PingResult result = await(cluster.proxy("node-a").ping("a-1", pings));

        final double lost = (result.sent() - result.received()) / (double)result.sent();
        assertThat(result.sent()).isEqualTo(2000);
        assertThat(lost).as("share of pings lost").isCloseTo(0.10, within(0.03));
        final LinkInfo link = await(cluster.proxy("node-a").links()).get(0);
        assertThat(link.stats().lost()).isEqualTo(result.sent() - result.received());
    }

    @Test
    void shouldCarryUdpAtTheLinksRate()
    {
        set("node-a", "node-b", "rate=10mbit");
        final int payload = 1000;
        final int frame = payload + 8 + 20 + 14;
        final var flood = cluster.proxy("node-a").udpFlood("a-1", b1.ip(), 9, payload, Duration.ofSeconds(4));

        // measure while the link's queue is full: from 1 s into the flood, for 2 s, by the receiver's arrival times
        awaitArrivals(b1, 1);
        sleepAbout(Duration.ofMillis(1000));
        final PodStats first = await(cluster.proxy("node-b").podStats("b-1"));
        sleepAbout(Duration.ofMillis(2000));
        final PodStats second = await(cluster.proxy("node-b").podStats("b-1"));
        await(flood);

        final double seconds = (second.discardLastNanos() - first.discardLastNanos()) / 1e9;
        final long datagrams = second.discardDatagrams() - first.discardDatagrams();
        final double lineRate = datagrams * frame * 8 / seconds;
        final double udpRate = datagrams * payload * 8 / seconds;
        assertThat(seconds).isGreaterThan(1.5);
        assertThat(lineRate).as("frames on the link, bit/s").isCloseTo(10e6, within(1e6));
        assertThat(udpRate).as("UDP payload, bit/s").isCloseTo(10e6, within(1e6));
        assertThat(await(cluster.proxy("node-a").links()).get(0).stats().queueFull()).isPositive();
    }

    @Test
    void shouldCarryTcpAtTheLinksRate()
    {
        set("node-a", "node-b", "rate=10mbit,limit=200");
        final TcpPerfResult perf = await(cluster.proxy("node-a").tcpPerf("a-1", b1.ip(), 9, 1, Duration.ofSeconds(4),
            Duration.ofMillis(250), Duration.ofSeconds(2)));

        // from 1 s in (slow start over, the link's queue full) to the end, by the sender's own clock: what was
        // acknowledged, TCP payload only (headers take the rest of the link's 10 Mbit/s, about 4 %)
        assertThat(perf.ok()).as(perf.error()).isTrue();
        final TcpPerfResult.Sample from = perf.samples().stream().filter(s -> s.atNanos() >= 1_000 * MS).findFirst().orElseThrow();
        final TcpPerfResult.Sample to = perf.samples().get(perf.samples().size() - 1);
        final double seconds = (to.atNanos() - from.atNanos()) / 1e9;
        final double tcpRate = (to.bytes() - from.bytes()) * 8 / seconds;
        assertThat(seconds).isGreaterThan(2.0);
        assertThat(tcpRate).as("TCP payload acknowledged, bit/s; samples %s", perf.samples()).isCloseTo(10e6, within(1e6));
        // the connection closes behind the link's queue: over before the next test counts what crosses the link
        awaitCondition(() -> await(cluster.proxy("node-a").sockets("a-1")).stream()
            .allMatch(socket -> socket.state().equals("LISTEN") || socket.state().equals("TIME-WAIT")), Duration.ofSeconds(10),
            "a-1's connection closed");
    }

    @Test
    void shouldPassTheOtherDirectionOfAOneWayPartition()
    {
        set("node-a", "node-b", "partition=true");
        final long atA = await(cluster.proxy("node-a").podStats("a-1")).discardDatagrams();
        final long atB = await(cluster.proxy("node-b").podStats("b-1")).discardDatagrams();

        await(cluster.proxy("node-b").udpFlood("b-1", a1.ip(), 9, 100, Duration.ofMillis(200)));
        await(cluster.proxy("node-a").udpFlood("a-1", b1.ip(), 9, 100, Duration.ofMillis(200)));

        awaitCondition(() -> await(cluster.proxy("node-a").podStats("a-1")).discardDatagrams() > atA,
            Duration.ofSeconds(5), "b -> a datagrams arrive");
        assertThat(await(cluster.proxy("node-b").podStats("b-1")).discardDatagrams()).isEqualTo(atB);
        assertThat(await(cluster.proxy("node-a").links()).get(0).stats().partitioned()).isPositive();
        assertThat(cluster.proxy("node-a").drops()).containsKey("netem-partition");
    }

    @Test
    void shouldDeliverWhatADelayedLinkHeldWhenItsImpairmentIsCleared()
    {
        set("node-a", "node-b", "delay=2s");
        final var ping = cluster.proxy("node-a").ping("a-1",
            new PingRequest(b1.ip(), 1, Duration.ZERO, 56, false, Duration.ofSeconds(3), 64));
        awaitCondition(() -> await(cluster.proxy("node-a").links()).get(0).stats().queued() == 1,
            Duration.ofSeconds(5), "the echo request held by the link");

        await(cluster.proxy("node-a").clearLink("node-b"));

        final PingResult result = await(ping);
        assertThat(result.received()).isEqualTo(1);
        assertThat(result.replies().get(0).rttNanos()).isLessThan(1_500 * MS);
    }

    private static long minRtt(final PingResult result)
    {
        return result.replies().stream().mapToLong(PingResult.Reply::rttNanos).min().orElseThrow();
    }

    private static void awaitArrivals(final PodInfo pod, final long count)
    {
        awaitCondition(() -> await(cluster.proxy("node-b").podStats(pod.name())).discardDatagrams() >= count,
            Duration.ofSeconds(5), "datagrams at " + pod.name());
    }

    /** Lets the flood run (the measurement itself uses the data plane's timestamps, not this). */
    private static void sleepAbout(final Duration duration)
    {
        java.util.concurrent.locks.LockSupport.parkNanos(duration.toNanos());
    }
}
