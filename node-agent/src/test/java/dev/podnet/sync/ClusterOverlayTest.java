package dev.podnet.sync;

import dev.podnet.diag.LoopbackPorts;
import dev.podnet.controlplane.ControlPlaneSettings;
import dev.podnet.dataplane.NodeConfig;
import dev.podnet.dataplane.PodInfo;
import dev.podnet.dataplane.Route;
import dev.podnet.packet.Ipv4Address;
import dev.podnet.pod.PingRequest;
import dev.podnet.pod.PingResult;
import dev.podnet.pod.PodSettings;
import dev.podnet.pod.TracerouteResult;
import dev.podnet.pod.UdpExchange;
import dev.podnet.transport.TunnelConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Node agents whose addresses come from the control plane: an Akka cluster of several ActorSystems,
 * each with its own Aeron tunnel and data plane, in one JVM. Nothing about addresses is configured.
 */
@Timeout(180)
class ClusterOverlayTest
{
    private static final Duration CONVERGE = Duration.ofSeconds(30);
    private final Map<String, ClusterNode> nodes = new LinkedHashMap<>();
    private final Map<String, Integer> clusterPorts = new LinkedHashMap<>();
    private final List<String> seeds = new ArrayList<>();

    @AfterEach
    void stop()
    {
        nodes.values().forEach(node ->
        {
            try
            {
                node.crash();
            }
            catch (final RuntimeException ignored)
            {
                // already stopped
            }
        });
    }

    @Test
    void shouldRoutePodsAcrossNodesWithEverythingFromTheControlPlane()
    {
        startAll("a", "b", "c");
        final PodInfo a1 = createPod("a", "a-1");
        final PodInfo c1 = createPod("c", "c-1");
        awaitEndpoint("a", c1);
        awaitEndpoint("c", a1);

        final PingResult ping = await(nodes.get("a").proxy().ping("a-1", PingRequest.of(c1.ip(), 3)));
        assertThat(ping.received()).isEqualTo(3);
        assertThat(ping.replies()).allSatisfy(reply -> assertThat(reply.ttl()).isEqualTo(62));

        final TracerouteResult trace = await(nodes.get("a").proxy().traceroute("a-1", c1.ip(), 8, Duration.ofSeconds(2)));
        final String leaseA = nodes.get("a").lease().cidr();
        final String leaseC = nodes.get("c").lease().cidr();
        assertThat(trace.hops()).extracting(h -> Ipv4Address.format(h.address())).containsExactly(
            Ipv4Address.format(Ipv4Address.parse(leaseA.substring(0, leaseA.indexOf('/'))) + 1),
            leaseC.substring(0, leaseC.indexOf('/')),
            Ipv4Address.format(c1.ip()));

        final UdpExchange clientIp = await(nodes.get("c").proxy().udp("c-1", a1.ip(), 8081,
            "clientip".getBytes(StandardCharsets.US_ASCII), Duration.ofSeconds(2)));
        assertThat(clientIp.replyText()).startsWith(Ipv4Address.format(c1.ip()) + ":");
    }

    @Test
    void shouldWithdrawADeadNodesRoutesAndRestoreThemWhenItComesBackWithItsLease()
    {
        startAll("a", "b", "c");
        createPod("a", "a-1");
        final PodInfo c1 = createPod("c", "c-1");
        awaitEndpoint("a", c1);
        final String leaseC = nodes.get("c").lease().cidr();

        nodes.remove("c").crash();

        final long crashedAt = System.nanoTime();
        awaitCondition(() -> await(nodes.get("a").proxy().routes()).stream().noneMatch(r -> r.cidr().toString().equals(leaseC)),
            Duration.ofSeconds(10), "a withdraws the route to c");
        final long withdrawnAfterMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - crashedAt);
        final PingResult toDead = await(nodes.get("a").proxy().ping("a-1", PingRequest.of(c1.ip(), 1)));
        assertThat(toDead.errors()).extracting(PingResult.Error::type).containsExactly("net-unreachable");
        assertThat(withdrawnAfterMillis).as("failure detection (1 s pause) plus sync, well inside the 6 s target")
            .isLessThan(6_000);

        start("c");
        assertThat(nodes.get("c").lease().cidr()).as("sticky lease").isEqualTo(leaseC);
        final PodInfo reborn = createPod("c", "c-1");
        assertThat(reborn.ip()).as("a recreated pod gets a fresh address").isNotEqualTo(c1.ip());
        awaitEndpoint("a", reborn);
        awaitCondition(() -> await(nodes.get("a").proxy().routes()).stream()
            .anyMatch(r -> r.cidr().toString().equals(leaseC) && r.tunnelHealthy()), CONVERGE,
            "a's tunnel to the restarted c is connected (or idle)");
        // and the way back: the restarted c learns a's route from the control plane on its own schedule
        final String leaseA = nodes.get("a").lease().cidr();
        awaitCondition(() -> await(nodes.get("c").proxy().routes()).stream()
            .anyMatch(r -> r.cidr().toString().equals(leaseA) && r.tunnelHealthy()), CONVERGE,
            "the restarted c's tunnel to a is connected (or idle)");
        assertThat(await(nodes.get("a").proxy().ping("a-1", PingRequest.of(reborn.ip(), 1))).received()).isEqualTo(1);
    }

    private void startAll(final String... names)
    {
        for (final String name : names)
        {
            clusterPorts.put(name, LoopbackPorts.freeTcpPort());
        }
        seeds.add("127.0.0.1:" + clusterPorts.get(names[0]));
        final List<CompletableFuture<Void>> starting = new ArrayList<>();
        for (final String name : names)
        {
            starting.add(CompletableFuture.runAsync(() -> start(name)));
        }
        starting.forEach(CompletableFuture::join);
        awaitCondition(() -> nodes.values().stream().allMatch(n ->
        {
            final List<Route> routes = await(n.proxy().routes());
            return routes.size() == names.length - 1 && routes.stream().allMatch(Route::tunnelHealthy);
        }), CONVERGE, "every node routes to every other node through a connected (or idle) tunnel");
    }

    private void start(final String name)
    {
        final int tunnelPort = LoopbackPorts.freeUdpPort();
        final ControlPlaneSettings settings = ControlPlaneSettings.of(name, "127.0.0.1", clusterPorts.get(name), seeds, tunnelPort)
            .withFailureDetection(Duration.ofMillis(200), Duration.ofSeconds(1), Duration.ofMillis(1500));
        final TunnelConfig tunnel = TunnelConfig.defaults(tunnelPort).withBindAddress("127.0.0.1");
        final ClusterNode node = ClusterNode.start(settings, tunnel,
            cidr -> NodeConfig.defaults(name, cidr).withPod(PodSettings.defaults().withMtu(tunnel.innerMtu())),
            CONVERGE, previous -> { });
        synchronized (nodes)
        {
            nodes.put(name, node);
        }
    }

    private PodInfo createPod(final String node, final String pod)
    {
        return await(nodes.get(node).proxy().createPod(pod));
    }

    private void awaitEndpoint(final String node, final PodInfo pod)
    {
        awaitCondition(() -> await(nodes.get(node).proxy().endpoints()).stream()
                .anyMatch(e -> e.ip() == pod.ip() && e.mac() == pod.mac() && e.pod().equals(pod.name())),
            CONVERGE, node + " knows where " + pod.name() + " is");
    }

    private static <T> T await(final CompletableFuture<T> future)
    {
        return future.orTimeout(30, TimeUnit.SECONDS).join();
    }

    private static void awaitCondition(final BooleanSupplier condition, final Duration limit, final String what)
    {
        final long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() > deadline)
            {
                fail("not within " + limit + ": " + what);
            }
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
    }


}
