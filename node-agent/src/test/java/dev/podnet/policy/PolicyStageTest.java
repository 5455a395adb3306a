package dev.podnet.policy;

import dev.podnet.conntrack.ConntrackTable;
import dev.podnet.conntrack.ConntrackTimeouts;
import dev.podnet.controlplane.EndpointInfo;
import dev.podnet.controlplane.services.NamespaceInfo;
import dev.podnet.packet.Ipv4Address;
import dev.podnet.packet.Ipv4Flyweight;
import dev.podnet.packet.UdpFlyweight;
import dev.podnet.service.ServiceStage;
import dev.podnet.service.ServiceTable;
import dev.podnet.sync.PolicyCompiler;
import dev.podnet.testing.AllocationMeter;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The policy stage with the node's connection-tracking table: replies pass, new connections are judged,
 * a Service connection is judged after DNAT by its endpoint, connections allowed before a policy change
 * keep going, and none of it allocates per packet.
 */
class PolicyStageTest
{
    private static final int CLIENT = Ipv4Address.parse("10.244.1.2");
    private static final int OTHER = Ipv4Address.parse("10.244.1.3");
    private static final int SERVER = Ipv4Address.parse("10.244.2.2");
    private static final int CLUSTER_IP = Ipv4Address.parse("10.96.0.50");
    private static final int NODE = Ipv4Address.parse("10.244.2.1");

    private final UnsafeBuffer packet = new UnsafeBuffer(new byte[64]);
    private final Ipv4Flyweight ipv4 = new Ipv4Flyweight();
    private final UdpFlyweight udp = new UdpFlyweight();
    private final ConntrackTable conntrack = new ConntrackTable(4096, ConntrackTimeouts.DEFAULTS);
    private final PolicyStage stage = new PolicyStage(conntrack, NODE, Ipv4Address.parse("10.244.2.0"));

    private Ipv4Flyweight datagram(final int source, final int sourcePort, final int destination, final int destinationPort)
    {
        ipv4.wrap(packet, 0, 36).writeHeader(0, 36, 1, false, false, 0, 64, Ipv4Flyweight.PROTOCOL_UDP, source, destination);
        udp.wrap(packet, 20, 16).writeHeader(sourcePort, destinationPort, 8);
        udp.updateChecksum(source, destination);
        return ipv4.wrap(packet, 0, 36);
    }

    private static EndpointInfo pod(final int ip, final String name, final String node)
    {
        return new EndpointInfo(Ipv4Address.format(ip), 0, node, name, 0, 0, 0, null, "x", Map.of("pod", name), List.of(), "", "");
    }

    /** server: ingress only from "client" on 8081/UDP, on node-2 (this stage's node). */
    private PolicyTable serverAllowsOnlyClient()
    {
        return PolicyCompiler.compile(PolicyTruthTableTest.policies("""
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: only-client, namespace: x}
                spec:
                  podSelector: {matchLabels: {pod: server}}
                  ingress: [{from: [{podSelector: {matchLabels: {pod: client}}}], ports: [{protocol: UDP, port: 8081}]}]
                """), Map.of("x", new NamespaceInfo("x", Map.of(), 0)),
            List.of(pod(CLIENT, "client", "node-1"), pod(OTHER, "other", "node-1"), pod(SERVER, "server", "node-2")),
            each -> each.node().equals("node-2"), 1);
    }

    @Test
    void shouldPassRepliesOfAnAllowedConnectionAndDropANewOneNoRuleAllows()
    {
        stage.install(serverAllowsOnlyClient());

        assertThat(stage.judge(datagram(CLIENT, 40000, SERVER, 8081), 1)).isEqualTo(PolicyStage.PASS);
        assertThat(stage.judge(datagram(SERVER, 8081, CLIENT, 40000), 2)).as("the reply").isEqualTo(PolicyStage.PASS);
        assertThat(stage.judge(datagram(OTHER, 40000, SERVER, 8081), 3)).isEqualTo(PolicyStage.DROP);
        assertThat(stage.judge(datagram(CLIENT, 40001, SERVER, 8080), 4)).as("another port").isEqualTo(PolicyStage.DROP);
        assertThat(stage.judge(datagram(SERVER, 5000, OTHER, 6000), 5)).as("the server's own egress is not isolated")
            .isEqualTo(PolicyStage.PASS);
        assertThat(stage.judge(datagram(NODE, 5000, SERVER, 8081), 6)).as("the node's own traffic").isEqualTo(PolicyStage.PASS);
        assertThat(stage.counter(3)).as("denied-ingress").isEqualTo(2);
        assertThat(stage.deniedByPolicy()).containsOnlyKeys("x/only-client");
        assertThat(stage.deniedByPolicy().get("x/only-client")).containsExactly(2, 0);
    }

    @Test
    void shouldKeepAConnectionAllowedBeforeAPolicyChangeAndJudgeNewOnesByTheNewTable()
    {
        stage.install(serverAllowsOnlyClient());
        assertThat(stage.judge(datagram(CLIENT, 40000, SERVER, 8081), 1)).isEqualTo(PolicyStage.PASS);

        stage.install(PolicyCompiler.compile(PolicyTruthTableTest.policies("""
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: deny, namespace: x}
                spec: {podSelector: {}}
                """), Map.of(), List.of(pod(CLIENT, "client", "node-1"), pod(SERVER, "server", "node-2")),
            each -> each.node().equals("node-2"), 2));

        assertThat(stage.judge(datagram(CLIENT, 40000, SERVER, 8081), 2)).as("established").isEqualTo(PolicyStage.PASS);
        assertThat(stage.judge(datagram(CLIENT, 40002, SERVER, 8081), 3)).as("new").isEqualTo(PolicyStage.DROP);
    }

    @Test
    void shouldJudgeAServiceConnectionAfterTranslationByItsEndpoint()
    {
        final ServiceStage services = new ServiceStage(conntrack, ServiceTable.of(ServiceTable.DEFAULT_SERVICE_CIDR, List.of(
            new ServiceTable.Frontend("x/web:80", CLUSTER_IP, 17, 80, 0, new int[] {SERVER}, new int[] {8081}, 0)), 1, 0),
            Ipv4Address.parse("10.244.1.1"), Ipv4Address.parse("10.244.1.0"), 64);
        stage.install(serverAllowsOnlyClient());

        assertThat(services.fromPod(datagram(OTHER, 40000, CLUSTER_IP, 80), 1)).isEqualTo(ServiceStage.PASS);
        assertThat(ipv4.destination()).isEqualTo(SERVER);
        assertThat(stage.judge(ipv4, 1)).as("other -> web -> server").isEqualTo(PolicyStage.DROP);
        assertThat(conntrack.size()).as("the denied connection's entry is discarded").isZero();

        assertThat(services.fromPod(datagram(CLIENT, 40000, CLUSTER_IP, 80), 2)).isEqualTo(ServiceStage.PASS);
        assertThat(stage.judge(ipv4, 2)).as("client -> web -> server").isEqualTo(PolicyStage.PASS);
        assertThat(services.fromTunnel(datagram(SERVER, 8081, CLIENT, 40000), 3)).isEqualTo(ServiceStage.PASS);
        assertThat(ipv4.source()).isEqualTo(CLUSTER_IP);
        assertThat(stage.judge(ipv4, 3)).as("the reply, translated back").isEqualTo(PolicyStage.PASS);
        assertThat(conntrack.size()).as("one entry serves both stages").isEqualTo(1);
    }

    @Test
    void shouldJudgeAndTrackWithoutAllocating()
    {
        stage.install(serverAllowsOnlyClient());
        final long[] now = {1};
        final long[] verdicts = new long[1];

        final long allocated = AllocationMeter.quietestRound(() ->
        {
            for (int round = 0; round < 10; round++)
            {
                for (int port = 32768; port < 34768; port++)
                {
                    now[0] += 1000;
                    verdicts[0] += stage.judge(datagram(CLIENT, port, SERVER, 8081), now[0]);
                    verdicts[0] += stage.judge(datagram(SERVER, 8081, CLIENT, port), now[0]);
                    verdicts[0] += 1 - stage.judge(datagram(OTHER, port, SERVER, 8081), now[0]);
                }
                now[0] += 31_000_000_000L;
                conntrack.expire(now[0], 8192);
            }
        }, 2, 4);

        assertThat(verdicts[0]).as("allowed and replies passed, the other pod's were dropped").isZero();
        assertThat(allocated).isLessThan(1024);
    }
}
