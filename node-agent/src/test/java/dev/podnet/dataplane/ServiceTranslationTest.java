package dev.podnet.dataplane;

import dev.podnet.conntrack.ConntrackEntry;
import dev.podnet.packet.Ipv4Address;
import dev.podnet.pod.DropReason;
import dev.podnet.pod.PingRequest;
import dev.podnet.pod.PingResult;
import dev.podnet.pod.UdpExchange;
import dev.podnet.service.ServiceTable;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import static dev.podnet.dataplane.ManualNode.ip;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * kube-proxy on one node: a pod reaches a Service's ClusterIP, one of its pods answers, and the reply
 * comes back from the ClusterIP — switched by the bridge, yet translated (br_netfilter).
 */
class ServiceTranslationTest
{
    private static final int UDP = 17;
    private static final int CLUSTER_IP = ip("10.96.0.50");
    private static final Duration TIMEOUT = Duration.ofSeconds(2);

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

    private void install(final long affinityNanos, final PodInfo... endpoints)
    {
        final int[] ips = new int[endpoints.length];
        final int[] ports = new int[endpoints.length];
        for (int i = 0; i < endpoints.length; i++)
        {
            ips[i] = endpoints[i].ip();
            ports[i] = 8081;
        }
        node.await(node.proxy.installServices(ServiceTable.of(ServiceTable.DEFAULT_SERVICE_CIDR, List.of(
            new ServiceTable.Frontend("default/web:http", CLUSTER_IP, UDP, 80, 0, ips, ports, affinityNanos)), 1, 0)));
    }

    private UdpExchange call(final String pod, final int port, final String payload)
    {
        return node.await(node.proxy.udp(pod, CLUSTER_IP, port, payload.getBytes(StandardCharsets.UTF_8), TIMEOUT));
    }

    @Test
    void shouldTranslateToAnEndpointAndAnswerFromTheClusterIpKeepingTheClientsAddress()
    {
        install(0, b, c);

        final UdpExchange hostname = call("pod-a", 80, "hostname");
        final UdpExchange clientIp = call("pod-a", 80, "clientip");

        assertThat(hostname.ok()).isTrue();
        assertThat(hostname.replyText()).isIn("pod-b", "pod-c");
        assertThat(Ipv4Address.format(hostname.fromIp()) + ":" + hostname.fromPort()).as("the reply comes from the Service")
            .isEqualTo("10.96.0.50:80");
        assertThat(clientIp.replyText()).as("no SNAT: the endpoint sees the client pod's own address")
            .startsWith("10.244.1.2:");
        assertThat(node.dataPlane.drops().snapshot()).as("only the bridge flooding a MAC it had not learnt yet")
            .containsOnlyKeys(DropReason.NOT_FOR_HOST.label());
    }

    @Test
    void shouldSpreadNewConnectionsOverEveryEndpoint()
    {
        install(0, b, c);
        final Set<String> seen = new HashSet<>();

        for (int i = 0; i < 40 && seen.size() < 2; i++)
        {
            seen.add(call("pod-a", 80, "hostname").replyText());
        }

        assertThat(seen).containsExactlyInAnyOrder("pod-b", "pod-c");
    }

    @Test
    void shouldStickToOneEndpointWithClientIpAffinity()
    {
        install(Duration.ofSeconds(10_800).toNanos(), b, c);
        final String first = call("pod-a", 80, "hostname").replyText();

        for (int i = 0; i < 30; i++)
        {
            assertThat(call("pod-a", 80, "hostname").replyText()).isEqualTo(first);
        }
    }

    @Test
    void shouldMasqueradeAPodReachingItselfThroughItsServiceToTheNodesBridgeAddress()
    {
        install(0, a);

        final UdpExchange clientIp = call("pod-a", 80, "clientip");

        assertThat(clientIp.ok()).isTrue();
        assertThat(clientIp.fromIp()).isEqualTo(CLUSTER_IP);
        assertThat(clientIp.replyText()).as("kube-proxy's KUBE-MARK-MASQ + MASQUERADE: the address of cni0, the gateway")
            .startsWith("10.244.1.1:");
    }

    @Test
    void shouldRejectWithPortUnreachableWhenTheServiceHasNoEndpoints()
    {
        install(0);

        final UdpExchange rejected = call("pod-a", 80, "hostname");

        assertThat(rejected.error()).isEqualTo("port-unreachable");
        assertThat(node.dataPlane.drops().get(DropReason.SERVICE_NO_ENDPOINTS)).isEqualTo(1);
    }

    @Test
    void shouldNotAnswerAPingToAClusterIpNorAPortTheServiceDoesNotExpose()
    {
        install(0, b);

        final PingResult ping = node.await(node.proxy.ping("pod-a", PingRequest.of(CLUSTER_IP, 2)));
        final UdpExchange otherPort = call("pod-a", 81, "hostname");
        final UdpExchange unallocated = node.await(node.proxy.udp("pod-a", ip("10.96.9.9"), 80, new byte[] {'x'}, TIMEOUT));

        assertThat(ping.received()).isZero();
        assertThat(ping.errors()).extracting(PingResult.Error::type).containsOnly("timeout");
        assertThat(otherPort.error()).isEqualTo("timeout");
        assertThat(unallocated.error()).isEqualTo("timeout");
        assertThat(node.dataPlane.drops().get(DropReason.SERVICE_NO_MATCH)).isEqualTo(4);
    }

    @Test
    void shouldTranslateTheIcmpErrorOfAnEndpointBackToTheClusterIp()
    {
        node.await(node.proxy.installServices(ServiceTable.of(ServiceTable.DEFAULT_SERVICE_CIDR, List.of(
            new ServiceTable.Frontend("default/web:none", CLUSTER_IP, UDP, 80, 0, new int[] {b.ip()}, new int[] {9999}, 0)), 1, 0)));

        final UdpExchange refused = call("pod-a", 80, "hostname");

        assertThat(refused.error()).isEqualTo("port-unreachable");
        assertThat(refused.fromIp()).as("the endpoint answered: the error comes from the ClusterIP").isEqualTo(CLUSTER_IP);
    }

    @Test
    void shouldTranslateEveryFragmentOfALargeDatagramBothWays()
    {
        install(0, b);
        final String text = "x".repeat(5000);

        final UdpExchange echo = call("pod-a", 80, "echo " + text);

        assertThat(echo.ok()).isTrue();
        assertThat(echo.replyText()).isEqualTo(text);
        assertThat(echo.fromIp()).isEqualTo(CLUSTER_IP);
    }

    @Test
    void shouldFlushAUdpFlowToAnEndpointThatIsNoLongerOneSoTheSameSocketReachesTheNewOne()
    {
        install(0, b);
        final int port = 5000;
        final CompletableFuture<String> first = new CompletableFuture<>();
        final CompletableFuture<String> second = new CompletableFuture<>();
        node.await(node.proxy.onDataPlane(dp ->
        {
            dp.pod("pod-a").bindUdp(port, (pod, from, fromPort, local, payload, offset, length, now) ->
            {
                final String text = payload.getStringWithoutLengthUtf8(offset, length);
                (first.isDone() ? second : first).complete(text);
            });
            return null;
        }));
        final byte[] hostname = "hostname".getBytes(StandardCharsets.UTF_8);
        send(port, hostname);
        assertThat(node.await(first)).isEqualTo("pod-b");

        install(0, c);
        send(port, hostname);

        assertThat(node.await(second)).as("the same client port, a new connection to the endpoint there is now").isEqualTo("pod-c");
        assertThat(node.await(node.proxy.connections())).extracting(ConntrackEntry::replySource).containsExactly(c.ip());
    }

    private void send(final int port, final byte[] payload)
    {
        node.await(node.proxy.onDataPlane(dp ->
        {
            dp.pod("pod-a").sendUdp(port, CLUSTER_IP, 80, new UnsafeBuffer(payload), 0, payload.length, node.now());
            return null;
        }));
    }

    @Test
    void shouldServeANodePortOnTheNodesAddressMasqueradedAsExternalTrafficPolicyClusterDoes()
    {
        node.await(node.proxy.installServices(ServiceTable.of(ServiceTable.DEFAULT_SERVICE_CIDR, List.of(
            new ServiceTable.Frontend("default/web:http", CLUSTER_IP, UDP, 80, 30080, new int[] {b.ip()}, new int[] {8081}, 0)), 1, 0)));
        final int nodeAddress = ip("10.244.1.1");

        final UdpExchange clientIp = node.await(node.proxy.udp("pod-a", nodeAddress, 30080, "clientip".getBytes(StandardCharsets.UTF_8),
            TIMEOUT));
        final UdpExchange otherPort = node.await(node.proxy.udp("pod-a", nodeAddress, 30081, "x".getBytes(StandardCharsets.UTF_8),
            TIMEOUT));

        assertThat(clientIp.ok()).as(clientIp.error()).isTrue();
        assertThat(Ipv4Address.format(clientIp.fromIp()) + ":" + clientIp.fromPort()).isEqualTo("10.244.1.1:30080");
        assertThat(clientIp.replyText()).as("masqueraded to the node's address").startsWith("10.244.1.1:");
        assertThat(otherPort.error()).as("no node port there: the node itself refuses").isEqualTo("port-unreachable");
    }

    @Test
    void shouldListTheTranslatedConnectionAsConntrackDoes()
    {
        install(0, b);

        call("pod-a", 80, "hostname");

        assertThat(node.await(node.proxy.connections())).singleElement().satisfies(entry ->
        {
            assertThat(entry.service()).isEqualTo("default/web:http");
            assertThat(entry.destinationNat()).isTrue();
            assertThat(entry.seenReply()).isTrue();
            assertThat(entry.line()).startsWith("udp 17 30 src=10.244.1.2 dst=10.96.0.50 sport=").contains(" dport=80 src=10.244.1.3 " +
                "dst=10.244.1.2 sport=8081 ");
        });
    }
}
