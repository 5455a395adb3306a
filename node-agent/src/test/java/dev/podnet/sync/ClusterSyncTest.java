package dev.podnet.sync;

import dev.podnet.controlplane.ClusterView;
import dev.podnet.controlplane.ControlPlane;
import dev.podnet.controlplane.ControlPlaneSettings;
import dev.podnet.controlplane.EndpointInfo;
import dev.podnet.controlplane.LeaseInfo;
import dev.podnet.controlplane.MemberView;
import dev.podnet.dataplane.DataPlaneProxy;
import dev.podnet.dataplane.Endpoint;
import dev.podnet.dataplane.Node;
import dev.podnet.dataplane.NodeConfig;
import dev.podnet.diag.LoopbackPorts;
import dev.podnet.packet.Ipv4Address;
import dev.podnet.packet.Ipv4Cidr;
import dev.podnet.pod.DropCounters;
import dev.podnet.pod.PodSettings;
import dev.podnet.transport.AeronTunnel;
import dev.podnet.testing.LocalCluster;
import dev.podnet.transport.TunnelConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sync layer closes the loop: whatever the data plane refuses (its command queue full) is applied
 * again until what it reports as installed is what the control plane wants. Real data planes, real
 * Aeron tunnels and (for the join) a real Akka cluster; the command queues are made tiny on purpose.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ClusterSyncTest
{
    private static final Duration CONVERGE = Duration.ofSeconds(60);
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void stop() throws Exception
    {
        for (int i = toClose.size() - 1; i >= 0; i--)
        {
            toClose.get(i).close();
        }
    }

    @Test
    void shouldInstallEveryEndpointWhenJoiningAClusterOfThousandsOfPodsThroughATinyCommandQueue()
    {
        final int pods = 3000;
        final int seedPort = LoopbackPorts.freeTcpPort();
        final List<String> seeds = List.of("127.0.0.1:" + seedPort);
        // "big" is a member holding a /20 lease and 3000 pods in the replicated endpoint table
        final AtomicReference<ClusterView> bigView = new AtomicReference<>();
        final ControlPlane big = ControlPlane.start(settings("big", seedPort, seeds, LoopbackPorts.freeUdpPort()), bigView::set,
            removed -> { });
        toClose.add(big::crash);
        LocalCluster.await(() -> bigView.get() != null && bigView.get().lease() != null, CONVERGE, "big holds a lease");
        final Ipv4Cidr bigCidr = Ipv4Cidr.parse(bigView.get().lease().cidr());
        final List<EndpointInfo> endpoints = new ArrayList<>();
        for (int i = 0; i < pods; i++)
        {
            final int ip = bigCidr.address(2 + i);
            endpoints.add(new EndpointInfo(Ipv4Address.format(ip), 0x0a58_0000_0000L | (ip & 0xFFFFFFFFL), "big", "p-" + i, 0, 0, 0));
        }
        big.publishPods(endpoints);
        LocalCluster.await(() -> bigView.get().endpoints().size() == pods, CONVERGE, "big's view holds its " + pods + " pods");

        final int tunnelPort = LoopbackPorts.freeUdpPort();
        final TunnelConfig tunnel = TunnelConfig.defaults(tunnelPort).withBindAddress("127.0.0.1");
        final ClusterNode joiner = ClusterNode.start(settings("joiner", LoopbackPorts.freeTcpPort(), seeds, tunnelPort), tunnel,
            cidr -> NodeConfig.defaults("joiner", cidr).withPod(PodSettings.defaults().withMtu(tunnel.innerMtu())).withCommandQueue(4),
            CONVERGE, previous -> { });
        toClose.add(joiner::crash);

        LocalCluster.await(() -> remoteEndpoints(joiner.proxy()).size() == pods, CONVERGE,
            "the joiner installed all " + pods + " remote endpoints");
        final Map<Integer, Long> installed = new HashMap<>();
        remoteEndpoints(joiner.proxy()).forEach(e -> installed.put(e.ip(), e.mac()));
        for (final EndpointInfo endpoint : endpoints)
        {
            assertThat(installed.get(Ipv4Address.parse(endpoint.ip()))).as(endpoint.ip()).isEqualTo(endpoint.mac());
        }
        assertThat(routes(joiner.proxy())).as("the route to big's lease").containsExactly(bigCidr.toString());
    }

    @Test
    void shouldEndInTheLastPublishedStateWhateverTheInterleavingOfAddDeleteAndReAdd()
    {
        final Node node = startNode("self", Ipv4Cidr.parse("10.244.0.0/24"), 2);
        final ClusterSync sync = new ClusterSync();
        toClose.add(sync);
        final DataPlaneProxy proxy = node.proxy();
        sync.attach(proxy);
        final int ip = Ipv4Address.parse("10.244.1.7");
        final LeaseInfo lease = new LeaseInfo("b", "10.244.1.0/24", "127.0.0.1", LoopbackPorts.freeUdpPort(), 0, 1, 0);

        // other work keeps the two-slot command queue busy, so that any command of the sync layer may be refused
        final AtomicBoolean noisy = new AtomicBoolean(true);
        final Thread noise = new Thread(() ->
        {
            while (noisy.get())
            {
                proxy.fdb();
                LockSupport.parkNanos(2_000);
            }
        }, "queue-noise");
        noise.start();
        toClose.add(() ->
        {
            noisy.set(false);
            noise.join();
        });

        final long seed = System.nanoTime();
        final Random random = new Random(seed);
        for (int round = 0; round < 60; round++)
        {
            EndpointInfo last = null;
            final int steps = 1 + random.nextInt(6);
            for (int step = 0; step < steps; step++)
            {
                last = random.nextInt(3) == 0 ? null :
                    new EndpointInfo("10.244.1.7", 0x0a58_0af4_0100L + random.nextInt(200), "b", "pod-" + random.nextInt(3), 1, round * 10L + step, 0);
                sync.accept(view(lease, last));
                LockSupport.parkNanos(random.nextInt(300_000));
            }
            final EndpointInfo wanted = last;
            final String what = "round " + round + " (seed " + seed + "): the data plane ends with " +
                (wanted == null ? "no endpoint" : "mac " + Long.toHexString(wanted.mac()) + " of " + wanted.pod());
            LocalCluster.await(() ->
            {
                final Optional<Endpoint> installed = remoteEndpoints(proxy).stream().filter(e -> e.ip() == ip).findFirst();
                return wanted == null ? installed.isEmpty() :
                    installed.isPresent() && installed.get().mac() == wanted.mac() && installed.get().pod().equals(wanted.pod());
            }, Duration.ofSeconds(10), what);
        }
    }

    @Test
    void shouldRepairAnEndpointTheDataPlaneLostAtTheNextResyncAndCountIt()
    {
        final Node node = startNode("self", Ipv4Cidr.parse("10.244.0.0/24"), NodeConfig.DEFAULT_COMMAND_QUEUE);
        final ClusterSync sync = new ClusterSync(new SyncSettings(Duration.ofMillis(200)));
        toClose.add(sync);
        final DataPlaneProxy proxy = node.proxy();
        sync.attach(proxy);
        final LeaseInfo lease = new LeaseInfo("b", "10.244.1.0/24", "127.0.0.1", LoopbackPorts.freeUdpPort(), 0, 1, 0);
        final EndpointInfo pod = new EndpointInfo("10.244.1.9", 0x0a58_0af4_0109L, "b", "b-9", 1, 1, 0);
        sync.accept(view(lease, pod));
        final BooleanSupplier installed = () -> remoteEndpoints(proxy).stream()
            .anyMatch(e -> e.ip() == Ipv4Address.parse("10.244.1.9") && e.mac() == pod.mac());
        LocalCluster.await(() -> installed.getAsBoolean() && sync.pendingChanges() == 0, CONVERGE, "b-9 installed");
        assertThat(sync.repairs()).isZero();

        // behind the sync layer's back (what a bug or a stray command would do): only a resync can notice
        assertThat(proxy.removeEndpoint(Ipv4Address.parse("10.244.1.9")).join()).isTrue();

        LocalCluster.await(installed, CONVERGE, "the resync installs b-9 again");
        assertThat(sync.resyncs()).isPositive();
        assertThat(sync.repairs()).isEqualTo(1);
        LocalCluster.await(() -> sync.pendingChanges() == 0, CONVERGE, "nothing pending");
    }

    private Node startNode(final String name, final Ipv4Cidr cidr, final int commandQueue)
    {
        final TunnelConfig tunnel = TunnelConfig.defaults(LoopbackPorts.freeUdpPort()).withBindAddress("127.0.0.1");
        final DropCounters drops = new DropCounters();
        final AeronTunnel overlay = AeronTunnel.launch(tunnel, name, cidr.network(), drops);
        final Node node = Node.start(NodeConfig.defaults(name, cidr).withPod(PodSettings.defaults().withMtu(tunnel.innerMtu()))
            .withCommandQueue(commandQueue), drops, overlay);
        toClose.add(node);
        return node;
    }

    private static ClusterView view(final LeaseInfo lease, final EndpointInfo endpoint)
    {
        return new ClusterView("self", true, null, null,
            Map.of("b", new MemberView("b", "127.0.0.1:1", "Up", true)),
            Map.of("b", lease),
            endpoint == null ? Map.of() : Map.of(endpoint.ip(), endpoint),
            "b");
    }

    private static ControlPlaneSettings settings(final String name, final int port, final List<String> seeds, final int tunnelPort)
    {
        return ControlPlaneSettings.of(name, "127.0.0.1", port, seeds, tunnelPort)
            .withClusterCidr("10.244.0.0/16", 20)
            .withFailureDetection(Duration.ofMillis(200), Duration.ofSeconds(2), Duration.ofMillis(3000));
    }

    /** The endpoints of other nodes' pods the data plane has installed (its own pods are listed too: left out). */
    private static List<Endpoint> remoteEndpoints(final DataPlaneProxy proxy)
    {
        final Ipv4Cidr own = proxy.config().podCidr();
        return retry(proxy::endpoints).stream().filter(e -> !own.contains(e.ip())).toList();
    }

    private static List<String> routes(final DataPlaneProxy proxy)
    {
        return retry(proxy::routes).stream().map(r -> r.cidr().toString()).toList();
    }

    /** A read through a tiny, busy command queue: asked again while the queue refuses it. */
    private static <T> T retry(final java.util.function.Supplier<CompletableFuture<T>> read)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true)
        {
            try
            {
                return read.get().orTimeout(10, TimeUnit.SECONDS).join();
            }
            catch (final RuntimeException ex)
            {
                if (System.nanoTime() > deadline)
                {
                    throw ex;
                }
                LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(200));
            }
        }
    }
}
