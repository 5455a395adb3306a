package dev.podnet.dataplane;

import dev.podnet.packet.Ipv4Address;
import dev.podnet.packet.MacAddress;
import dev.podnet.pod.ArpEntry;
import dev.podnet.pod.PingRequest;
import dev.podnet.pod.PingResult;
import dev.podnet.pod.UdpExchange;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import static dev.podnet.dataplane.ManualNode.ip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

/**
 * One node, three pods, real frames on the bridge: what issue "Foundation" promises a user.
 */
class SingleNodeTest
{
    private ManualNode node;
    private PodInfo a;
    private PodInfo b;
    private PodInfo c;

    @BeforeEach
    void setUp()
    {
        node = ManualNode.withCidr("10.244.1.0/24");
        a = node.createPod("pod-a");
        b = node.createPod("pod-b");
        c = node.createPod("pod-c");
    }

    @Test
    void shouldGivePodsAddressesAfterTheGatewayAndMacsFromTheirAddresses()
    {
        assertThat(List.of(a, b, c)).extracting(p -> Ipv4Address.format(p.ip()), p -> MacAddress.format(p.mac()))
            .containsExactly(
                tuple("10.244.1.2", "0a:58:0a:f4:01:02"),
                tuple("10.244.1.3", "0a:58:0a:f4:01:03"),
                tuple("10.244.1.4", "0a:58:0a:f4:01:04"));
        assertThat(a.node()).isEqualTo("node-a");
    }

    @Test
    void shouldPingBetweenPodsInBothDirections()
    {
        final PingResult ab = node.await(node.proxy.ping("pod-a", PingRequest.of(b.ip(), 3)));
        final PingResult ba = node.await(node.proxy.ping("pod-b", PingRequest.of(a.ip(), 3)));

        assertThat(ab.sent()).isEqualTo(3);
        assertThat(ab.received()).isEqualTo(3);
        assertThat(ab.errors()).isEmpty();
        assertThat(ab.replies()).extracting(PingResult.Reply::seq).containsExactly(1, 2, 3);
        assertThat(ab.replies()).allSatisfy(reply ->
        {
            assertThat(reply.from()).isEqualTo(b.ip());
            assertThat(reply.ttl()).as("same node: bridged, TTL unchanged").isEqualTo(64);
            assertThat(reply.bytes()).isEqualTo(PingRequest.DEFAULT_SIZE);
        });
        assertThat(ba.received()).isEqualTo(3);
        assertThat(ba.replies()).allSatisfy(reply -> assertThat(reply.from()).isEqualTo(a.ip()));
    }

    @Test
    void shouldFillArpCachesAndTheBridgeFdbFromAPing()
    {
        node.await(node.proxy.ping("pod-a", PingRequest.of(b.ip(), 1)));

        assertThat(node.await(node.proxy.arp("pod-a"))).extracting(ArpEntry::ip, ArpEntry::mac, ArpEntry::state)
            .containsExactly(tuple(b.ip(), b.mac(), "REACHABLE"));
        assertThat(node.await(node.proxy.arp("pod-b"))).as("learnt from a's request")
            .extracting(ArpEntry::ip, ArpEntry::mac, ArpEntry::state)
            .containsExactly(tuple(a.ip(), a.mac(), "REACHABLE"));
        assertThat(node.await(node.proxy.arp("pod-c"))).as("c saw the broadcast but was not asked").isEmpty();

        assertThat(node.await(node.proxy.fdb())).extracting(FdbEntry::mac, FdbEntry::port, FdbEntry::permanent)
            .containsExactlyInAnyOrder(
                tuple(node.dataPlane.gatewayMac(), "gateway", true),
                tuple(a.mac(), "pod-a", false),
                tuple(b.mac(), "pod-b", false));
    }

    @Test
    void shouldMakeArpEntriesStaleAfterTheReachableTimeAndForgetThemLater()
    {
        node.await(node.proxy.ping("pod-a", PingRequest.of(b.ip(), 1)));

        node.advance(Duration.ofSeconds(31));
        assertThat(node.await(node.proxy.arp("pod-a"))).extracting(ArpEntry::state).containsExactly("STALE");

        node.advance(Duration.ofSeconds(61));
        assertThat(node.await(node.proxy.arp("pod-a"))).isEmpty();
    }

    @Test
    void shouldAgeOutFdbEntriesButKeepTheGateway()
    {
        node.await(node.proxy.ping("pod-a", PingRequest.of(b.ip(), 1)));

        node.advance(Duration.ofSeconds(302));

        assertThat(node.await(node.proxy.fdb())).extracting(FdbEntry::port).containsExactly("gateway");
    }

    @Test
    void shouldReturnTheCallersAddressFromNetexecClientip()
    {
        final UdpExchange clientIp = node.await(node.proxy.udp("pod-a", b.ip(), 8081, bytes("clientip"), Duration.ofSeconds(2)));
        final UdpExchange hostname = node.await(node.proxy.udp("pod-c", b.ip(), 8081, bytes("hostname\n"), Duration.ofSeconds(2)));
        final UdpExchange echo = node.await(node.proxy.udp("pod-c", a.ip(), 8081, bytes("echo hello pods"), Duration.ofSeconds(2)));

        assertThat(clientIp.ok()).isTrue();
        assertThat(clientIp.fromIp()).isEqualTo(b.ip());
        assertThat(clientIp.fromPort()).isEqualTo(8081);
        assertThat(clientIp.replyText()).matches("10\\.244\\.1\\.2:(3[2-9]|[4-5][0-9]|60)[0-9]{3}");
        assertThat(hostname.replyText()).isEqualTo("pod-b");
        assertThat(echo.replyText()).isEqualTo("hello pods");
    }

    @Test
    void shouldEndInHostUnreachableWhenArpGivesUp()
    {
        final int unused = ip("10.244.1.200");
        final long start = node.now();

        final PingResult result = node.await(
            node.proxy.ping("pod-a", PingRequest.of(unused, 1).withTimeout(Duration.ofSeconds(10))));

        assertThat(result.received()).isZero();
        assertThat(result.errors()).extracting(PingResult.Error::seq, PingResult.Error::type, PingResult.Error::from)
            .containsExactly(tuple(1, "host-unreachable", a.ip()));
        final long elapsed = node.now() - start;
        assertThat(elapsed).as("3 ARP requests, 1 s apart, then give up")
            .isBetween(Duration.ofMillis(2_900).toNanos(), Duration.ofMillis(3_100).toNanos());
        assertThat(node.proxy.drops()).containsEntry("arp-failed", 1L);
    }

    @Test
    void shouldEndUdpCallsToAnUnusedAddressInHostUnreachable()
    {
        final UdpExchange result = node.await(
            node.proxy.udp("pod-a", ip("10.244.1.99"), 8081, bytes("hostname"), Duration.ofSeconds(10)));

        assertThat(result.error()).isEqualTo("host-unreachable");
    }

    @Test
    void shouldAnswerAClosedUdpPortWithPortUnreachable()
    {
        final UdpExchange result = node.await(node.proxy.udp("pod-a", b.ip(), 9999, bytes("anyone?"), Duration.ofSeconds(2)));

        assertThat(result.error()).isEqualTo("port-unreachable");
        assertThat(result.fromIp()).isEqualTo(b.ip());
        assertThat(node.proxy.drops()).containsEntry("no-socket", 1L);
    }

    @Test
    void shouldTimeOutAUdpCallNobodyAnswers()
    {
        final PodInfo gone = node.createPod("pod-gone");
        node.await(node.proxy.ping("pod-a", PingRequest.of(gone.ip(), 1)));
        node.await(node.proxy.deletePod("pod-gone"));

        final UdpExchange result = node.await(node.proxy.udp("pod-a", gone.ip(), 8081, bytes("hostname"), Duration.ofMillis(500)));

        assertThat(result.error()).as("a's ARP cache still points at the deleted pod's MAC: nobody answers").isEqualTo("timeout");
    }

    @Test
    void shouldPingTheGateway()
    {
        final PingResult result = node.await(node.proxy.ping("pod-a", PingRequest.of(ip("10.244.1.1"), 2)));

        assertThat(result.received()).isEqualTo(2);
        assertThat(result.replies()).extracting(PingResult.Reply::from).containsOnly(ip("10.244.1.1"));
    }

    @Test
    void shouldAnswerAnAddressOutsideEveryRouteWithNetUnreachableFromTheGateway()
    {
        final PingResult result = node.await(node.proxy.ping("pod-a", PingRequest.of(ip("10.245.0.7"), 1)));

        assertThat(result.errors()).extracting(PingResult.Error::type, PingResult.Error::from)
            .containsExactly(tuple("net-unreachable", ip("10.244.1.1")));
        assertThat(node.proxy.drops()).containsEntry("no-route", 1L);
    }

    @Test
    void shouldAnswerTtlOneThroughTheGatewayWithTimeExceeded()
    {
        final PingResult result = node.await(node.proxy.ping("pod-a", PingRequest.of(ip("10.245.0.7"), 1).withTtl(1)));

        assertThat(result.errors()).extracting(PingResult.Error::type, PingResult.Error::from)
            .containsExactly(tuple("time-exceeded", ip("10.244.1.1")));
    }

    @Test
    void shouldRefuseADontFragmentPingLargerThanTheMtuLocally()
    {
        final int mtu = node.dataPlane.config().pod().mtu();

        final PingResult fits = node.await(node.proxy.ping("pod-a", PingRequest.of(b.ip(), 1).withSize(mtu - 28, true)));
        final PingResult tooBig = node.await(node.proxy.ping("pod-a", PingRequest.of(b.ip(), 1).withSize(mtu - 27, true)));

        assertThat(fits.received()).isEqualTo(1);
        assertThat(fits.replies().get(0).bytes()).isEqualTo(mtu - 28);
        assertThat(tooBig.errors()).extracting(PingResult.Error::type, PingResult.Error::mtu)
            .containsExactly(tuple("frag-needed", mtu));
    }

    @Test
    void shouldGiveARecreatedPodADifferentAddressAndReachItThere()
    {
        final PodInfo first = node.createPod("pod-d");
        node.await(node.proxy.deletePod("pod-d"));
        final PodInfo second = node.createPod("pod-d");

        assertThat(second.ip()).isNotEqualTo(first.ip());
        assertThat(node.await(node.proxy.ping("pod-a", PingRequest.of(second.ip(), 1))).received()).isEqualTo(1);
    }

    @Test
    void shouldRemoveADeletedPodsPortFdbEntriesAndAddress()
    {
        node.await(node.proxy.ping("pod-a", PingRequest.of(c.ip(), 1)));
        assertThat(node.await(node.proxy.fdb())).extracting(FdbEntry::port).contains("pod-c");

        node.await(node.proxy.deletePod("pod-c"));

        assertThat(node.await(node.proxy.fdb())).extracting(FdbEntry::port).doesNotContain("pod-c");
        assertThat(node.await(node.proxy.pods())).extracting(PodInfo::name).containsExactly("pod-a", "pod-b");
        assertThatThrownBy(() -> node.await(node.proxy.ping("pod-c", PingRequest.of(a.ip(), 1))))
            .isInstanceOf(DataPlaneException.class)
            .hasMessageContaining("no pod 'pod-c'");
    }

    @Test
    void shouldRefuseBadPodNamesDuplicatesAndUnknownPodsWithTheirKind()
    {
        assertThatThrownBy(() -> node.createPod("Pod_A"))
            .isInstanceOfSatisfying(DataPlaneException.class, ex -> assertThat(ex.kind()).isEqualTo(DataPlaneException.Kind.INVALID))
            .hasMessageContaining("DNS-1123");
        assertThatThrownBy(() -> node.createPod("pod-a"))
            .isInstanceOfSatisfying(DataPlaneException.class, ex -> assertThat(ex.kind()).isEqualTo(DataPlaneException.Kind.CONFLICT));
        assertThatThrownBy(() -> node.await(node.proxy.deletePod("nope")))
            .isInstanceOfSatisfying(DataPlaneException.class, ex -> assertThat(ex.kind()).isEqualTo(DataPlaneException.Kind.NOT_FOUND));
    }

    @Test
    void shouldSayWhenTheNodeCidrIsExhausted()
    {
        final ManualNode small = ManualNode.withCidr("10.244.9.0/28");
        for (int i = 0; i < 13; i++)
        {
            small.createPod("p" + i);
        }

        assertThatThrownBy(() -> small.createPod("one-too-many"))
            .isInstanceOfSatisfying(DataPlaneException.class, ex -> assertThat(ex.kind()).isEqualTo(DataPlaneException.Kind.UNAVAILABLE))
            .hasMessage("no free pod IP in 10.244.9.0/28: all 13 addresses are in use");
    }

    private static byte[] bytes(final String text)
    {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
