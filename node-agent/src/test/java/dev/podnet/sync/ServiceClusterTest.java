package dev.podnet.sync;

import dev.podnet.controlplane.services.ServiceInfo;
import dev.podnet.controlplane.services.ServicePortInfo;
import dev.podnet.controlplane.services.ServiceRegistry;
import dev.podnet.dataplane.DataPlaneProxy;
import dev.podnet.dataplane.PodInfo;
import dev.podnet.dataplane.PodSpec;
import dev.podnet.dns.DnsZone;
import dev.podnet.dns.StubResolver;
import dev.podnet.packet.Ipv4Address;
import dev.podnet.pod.UdpExchange;
import dev.podnet.service.ServiceTable;
import dev.podnet.testing.LocalCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Services across a real three-node cluster (Akka control planes, Aeron tunnels): the registry
 * allocates, the endpoints controller computes, every node's sync programs its data plane, and a pod
 * reaches the pods behind a ClusterIP on other nodes, by address and by name.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ServiceClusterTest
{
    private static LocalCluster cluster;
    private static String clusterIp;

    @BeforeAll
    static void start()
    {
        cluster = LocalCluster.start(3, 0);
        create(1, new PodSpec("default", "client", Map.of("role", "client"), List.of()));
        create(2, new PodSpec("default", "web-1", Map.of("app", "web"), List.of()));
        create(3, new PodSpec("default", "web-2", Map.of("app", "web"), List.of()));
        final ServiceRegistry.RegistryReply reply = node(1).services().applyService(new ServiceInfo("default", "web", Map.of(),
                Map.of("app", "web"), ServiceInfo.CLUSTER_IP, "", List.of(new ServicePortInfo("netexec", "UDP", 80, 8081, "", 0)),
                null, 0, 0, 0))
            .toCompletableFuture().orTimeout(20, TimeUnit.SECONDS).join();
        assertThat(reply.ok()).as(String.valueOf(reply.error())).isTrue();
        clusterIp = reply.service().clusterIp();
        awaitEndpoints(1, 2);
    }

    @AfterAll
    static void stop()
    {
        if (cluster != null)
        {
            cluster.close();
        }
    }

    private static ClusterNode node(final int index)
    {
        return cluster.agent(index).clusterNode();
    }

    private static PodInfo create(final int node, final PodSpec spec)
    {
        return node(node).proxy().createPod(spec).orTimeout(10, TimeUnit.SECONDS).join();
    }

    /** Waits until node {@code node}'s data plane runs the web Service with {@code count} endpoints. */
    private static void awaitEndpoints(final int node, final int count)
    {
        final DataPlaneProxy proxy = node(node).proxy();
        LocalCluster.await(() ->
        {
            final ServiceTable table = proxy.serviceTable().orTimeout(5, TimeUnit.SECONDS).join();
            final ServiceTable.Frontend web = table.frontend(Ipv4Address.parse(clusterIp), 17, 80);
            return web != null && web.endpointIps().length == count;
        }, Duration.ofSeconds(30), "node-" + node + " programs " + count + " endpoints for " + clusterIp);
    }

    private static UdpExchange call(final String target, final String payload)
    {
        return node(1).proxy().udp("client", Ipv4Address.parse(target), 80, payload.getBytes(StandardCharsets.UTF_8),
            Duration.ofSeconds(2)).orTimeout(10, TimeUnit.SECONDS).join();
    }

    @Test
    void shouldReachThePodsBehindAClusterIpOnOtherNodesFromTheClusterIp()
    {
        final Set<String> answered = new HashSet<>();
        for (int i = 0; i < 30 && answered.size() < 2; i++)
        {
            final UdpExchange exchange = call(clusterIp, "hostname");
            assertThat(exchange.ok()).as(exchange.error()).isTrue();
            assertThat(Ipv4Address.format(exchange.fromIp()) + ":" + exchange.fromPort()).isEqualTo(clusterIp + ":80");
            answered.add(exchange.replyText());
        }

        assertThat(answered).containsExactlyInAnyOrder("web-1", "web-2");
    }

    @Test
    void shouldPreserveTheClientPodsAddress()
    {
        final String client = Ipv4Address.format(node(1).proxy().pods().join().get(0).ip());

        assertThat(call(clusterIp, "clientip").replyText()).startsWith(client + ":");
    }

    @Test
    void shouldResolveTheServiceByNameThroughTheClientsOwnNode()
    {
        final StubResolver.Result result = node(1).proxy().resolve("client", "web", DnsZone.TYPE_A)
            .orTimeout(20, TimeUnit.SECONDS).join();

        assertThat(result.ok()).as(result.error()).isTrue();
        assertThat(result.name()).isEqualTo("web.default.svc.cluster.local.");
        assertThat(result.addresses()).containsExactly(Ipv4Address.parse(clusterIp));
    }

    @Test
    void shouldMeasureNetworkProgrammingLatencyOnEveryNode()
    {
        for (int i = 1; i <= 3; i++)
        {
            awaitEndpoints(i, 2);
            final PropagationLag latency = node(i).serviceSync().programmingLatency();
            LocalCluster.await(() -> latency.count() > 0, Duration.ofSeconds(10), "node-" + i + " measured a programming latency");
            assertThat(latency.sumMs()).as("node-%d: within the test's lifetime", i).isLessThan(180_000L * latency.count());
        }
    }
}
