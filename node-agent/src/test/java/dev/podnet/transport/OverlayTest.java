package dev.podnet.transport;

import dev.podnet.dataplane.PodInfo;
import dev.podnet.dataplane.Route;
import dev.podnet.packet.Ipv4Address;
import dev.podnet.packet.Ipv4Cidr;
import dev.podnet.pod.PingRequest;
import dev.podnet.pod.PingResult;
import dev.podnet.pod.TracerouteResult;
import dev.podnet.pod.UdpExchange;
import dev.podnet.pod.UdpFloodResult;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static dev.podnet.transport.OverlayCluster.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

/**
 * Three node agents in one JVM, tunnelled over Aeron UDP on loopback: pods on different nodes reach
 * each other by IP, with their source address intact, through two routed hops.
 */
@Timeout(120)
class OverlayTest
{
    private static OverlayCluster cluster;
    private static PodInfo a1;
    private static PodInfo a2;
    private static PodInfo b1;
    private static PodInfo c1;

    @BeforeAll
    static void startCluster()
    {
        cluster = OverlayCluster.start("node-a", "node-b", "node-c");
        a1 = cluster.createPod("node-a", "a-1");
        a2 = cluster.createPod("node-a", "a-2");
        b1 = cluster.createPod("node-b", "b-1");
        c1 = cluster.createPod("node-c", "c-1");
    }

    @AfterAll
    static void stopCluster()
    {
        if (cluster != null)
        {
            cluster.close();
        }
    }

    @Test
    void shouldPingAcrossNodesBothWaysThroughTwoRoutedHops()
    {
        final PingResult ac = await(cluster.proxy("node-a").ping("a-1", PingRequest.of(c1.ip(), 3)));
        final PingResult ca = await(cluster.proxy("node-c").ping("c-1", PingRequest.of(a1.ip(), 3)));

        assertThat(ac.received()).isEqualTo(3);
        assertThat(ac.replies()).allSatisfy(reply ->
        {
            assertThat(reply.from()).isEqualTo(c1.ip());
            assertThat(reply.ttl()).as("64 - node-c's router - node-a's router").isEqualTo(62);
        });
        assertThat(ca.received()).isEqualTo(3);
        assertThat(ca.replies()).allSatisfy(reply -> assertThat(reply.ttl()).isEqualTo(62));
    }

    @Test
    void shouldKeepTrafficBetweenPodsOfOneNodeOnTheBridge()
    {
        final PingResult result = await(cluster.proxy("node-a").ping("a-1", PingRequest.of(a2.ip(), 1)));

        assertThat(result.replies()).extracting(PingResult.Reply::ttl).containsExactly(64);
    }

    @Test
    void shouldTraceTheGatewayThenTheRemoteTunnelAddressThenThePod()
    {
        final TracerouteResult trace = await(cluster.proxy("node-a").traceroute("a-1", c1.ip(), 8, Duration.ofSeconds(2)));

        assertThat(trace.reached()).isTrue();
        assertThat(trace.hops()).extracting(TracerouteResult.Hop::ttl, h -> Ipv4Address.format(h.address()), TracerouteResult.Hop::kind)
            .containsExactly(
                tuple(1, "10.244.1.1", "time-exceeded"),
                tuple(2, "10.244.3.0", "time-exceeded"),
                tuple(3, Ipv4Address.format(c1.ip()), "reply"));
    }

    @Test
    void shouldShowTheCallersOwnAddressAcrossNodes()
    {
        final UdpExchange reply = await(cluster.proxy("node-b").udp("b-1", c1.ip(), 8081, bytes("clientip"), Duration.ofSeconds(2)));
        final UdpExchange hostname = await(cluster.proxy("node-b").udp("b-1", a1.ip(), 8081, bytes("hostname"), Duration.ofSeconds(2)));

        assertThat(reply.replyText()).startsWith(Ipv4Address.format(b1.ip()) + ":");
        assertThat(reply.fromIp()).isEqualTo(c1.ip());
        assertThat(hostname.replyText()).isEqualTo("a-1");
    }

    @Test
    void shouldCarryAFullSizeDontFragmentPingAndRefuseOneByteMore()
    {
        final int mtu = cluster.member("node-a").tunnel.innerMtu();
        assertThat(mtu).as("1500 - 20 - 8 - 32 - 13 - 14").isEqualTo(1413);

        final PingResult fits = await(cluster.proxy("node-a").ping("a-1", PingRequest.of(c1.ip(), 2).withSize(mtu - 28, true)));
        final PingResult tooBig = await(cluster.proxy("node-a").ping("a-1", PingRequest.of(c1.ip(), 1).withSize(mtu - 27, true)));

        assertThat(fits.received()).isEqualTo(2);
        assertThat(fits.replies()).extracting(PingResult.Reply::bytes).containsOnly(mtu - 28);
        assertThat(tooBig.errors()).extracting(PingResult.Error::type, PingResult.Error::mtu).containsExactly(tuple("frag-needed", mtu));
    }

    @Test
    void shouldEchoAn8000ByteDatagramAcrossNodesInFragments()
    {
        final String text = "0123456789abcdef".repeat(500);

        final UdpExchange reply = await(cluster.proxy("node-a").udp("a-1", c1.ip(), 8081, bytes("echo " + text), Duration.ofSeconds(5)));

        assertThat(reply.error()).isNull();
        assertThat(reply.replyText()).isEqualTo(text);
    }

    @Test
    void shouldPingWithA4000BytePayloadAcrossNodesInFragments()
    {
        final PingResult result = await(cluster.proxy("node-c").ping("c-1", PingRequest.of(a2.ip(), 2).withSize(4000, false)));

        assertThat(result.received()).isEqualTo(2);
        assertThat(result.replies()).extracting(PingResult.Reply::bytes).containsOnly(4000);
    }

    @Test
    void shouldAnswerAnAddressNoPodHoldsInAnotherNodesLeaseWithHostUnreachableAtOnce()
    {
        final PingResult result = await(cluster.proxy("node-a").ping("a-1", PingRequest.of(Ipv4Address.parse("10.244.3.200"), 1)));

        assertThat(result.errors()).extracting(PingResult.Error::type, e -> Ipv4Address.format(e.from()))
            .containsExactly(tuple("host-unreachable", "10.244.1.1"));
    }

    @Test
    void shouldAnswerAnAddressInNoLeaseWithNetUnreachable()
    {
        final PingResult result = await(cluster.proxy("node-a").ping("a-1", PingRequest.of(Ipv4Address.parse("10.244.99.5"), 1)));

        assertThat(result.errors()).extracting(PingResult.Error::type, e -> Ipv4Address.format(e.from()))
            .containsExactly(tuple("net-unreachable", "10.244.1.1"));
    }

    @Test
    void shouldPingTheRemoteNodesGatewayAndTunnelAddress()
    {
        final PingResult gateway = await(cluster.proxy("node-a").ping("a-1", PingRequest.of(Ipv4Address.parse("10.244.2.1"), 1)));
        final PingResult tunnel = await(cluster.proxy("node-a").ping("a-1", PingRequest.of(Ipv4Address.parse("10.244.2.0"), 1)));

        assertThat(gateway.replies()).extracting(r -> Ipv4Address.format(r.from()), PingResult.Reply::ttl)
            .containsExactly(tuple("10.244.2.1", 63));
        assertThat(tunnel.replies()).extracting(r -> Ipv4Address.format(r.from())).containsExactly("10.244.2.0");
    }

    @Test
    void shouldWithdrawAndRestoreARoute()
    {
        final Ipv4Cidr cidrB = cluster.member("node-b").cidr;
        final int portB = cluster.member("node-b").tunnelPort;
        assertThat(await(cluster.proxy("node-c").removeRoute(cidrB))).isTrue();

        final PingResult withdrawn = await(cluster.proxy("node-c").ping("c-1", PingRequest.of(b1.ip(), 1)));
        assertThat(withdrawn.errors()).extracting(PingResult.Error::type).containsExactly("net-unreachable");

        await(cluster.proxy("node-c").addRoute("node-b", cidrB, "127.0.0.1", portB));
        cluster.awaitTunnelsConnected();
        final PingResult restored = await(cluster.proxy("node-c").ping("c-1", PingRequest.of(b1.ip(), 1)));
        assertThat(restored.received()).isEqualTo(1);
    }

    @Test
    void shouldCountAFloodOfDatagramsAtTheReceiversDiscardService()
    {
        final long before = await(cluster.proxy("node-b").podStats("b-1")).discardDatagrams();

        final UdpFloodResult flood = await(cluster.proxy("node-a").udpFlood("a-2", b1.ip(), 9, 1000, Duration.ofMillis(300)));

        assertThat(flood.datagrams()).isPositive();
        OverlayCluster.awaitCondition(() -> await(cluster.proxy("node-b").podStats("b-1")).discardDatagrams() > before,
            Duration.ofSeconds(5), "datagrams counted at b-1");
        final long arrived = await(cluster.proxy("node-b").podStats("b-1")).discardDatagrams() - before;
        assertThat(arrived).isBetween(1L, flood.datagrams());
    }

    @Test
    void shouldListRoutesWithTheirTunnelState()
    {
        // connected, or idle when nothing was sent to the node for the idle time: both healthy
        assertThat(await(cluster.proxy("node-a").routes()))
            .extracting(r -> r.cidr().toString(), Route::node, Route::tunnelHealthy)
            .containsExactly(
                tuple("10.244.2.0/24", "node-b", true),
                tuple("10.244.3.0/24", "node-c", true));
    }

    private static byte[] bytes(final String text)
    {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
