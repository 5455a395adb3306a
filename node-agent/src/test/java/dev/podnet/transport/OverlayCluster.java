package dev.podnet.transport;

import dev.podnet.diag.LoopbackPorts;
import dev.podnet.dataplane.DataPlaneProxy;
import dev.podnet.dataplane.Endpoint;
import dev.podnet.dataplane.Node;
import dev.podnet.dataplane.NodeConfig;
import dev.podnet.dataplane.PodInfo;
import dev.podnet.dataplane.Route;
import dev.podnet.packet.Ipv4Cidr;
import dev.podnet.pod.DropCounters;
import dev.podnet.pod.PodSettings;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.fail;

/**
 * Several node agents in one JVM, each with its own data-plane thread and its own embedded Aeron
 * media driver, tunnelled to each other over UDP on loopback, with routes and endpoints configured
 * statically (what the control plane will do from leases).
 */
final class OverlayCluster implements AutoCloseable
{
    static final class Member
    {
        final String name;
        final Ipv4Cidr cidr;
        final int tunnelPort;
        final DropCounters drops = new DropCounters();
        final AeronTunnel tunnel;
        final Node node;

        Member(final String name, final Ipv4Cidr cidr, final int tunnelPort, final TunnelConfig tunnelConfig, final int podMtu,
            final UnaryOperator<dev.podnet.dataplane.Overlay> wrap, final UnaryOperator<PodSettings> pods)
        {
            this.name = name;
            this.cidr = cidr;
            this.tunnelPort = tunnelPort;
            this.tunnel = AeronTunnel.launch(tunnelConfig, name, cidr.network(), drops);
            this.node = Node.start(NodeConfig.defaults(name, cidr)
                .withPod(pods.apply(PodSettings.defaults().withMtu(podMtu > 0 ? podMtu : tunnel.innerMtu()))), drops,
                wrap.apply(tunnel));
        }

        DataPlaneProxy proxy()
        {
            return node.proxy();
        }
    }

    final Map<String, Member> members = new LinkedHashMap<>();
    final Map<String, PodInfo> pods = new LinkedHashMap<>();

    /** Starts nodes named by {@code names}, node i owning 10.244.(i+1).0/24, fully meshed. */
    static OverlayCluster start(final String... names)
    {
        return start(TunnelConfig.DEFAULT_UNDERLAY_MTU, new int[names.length], names);
    }

    /**
     * As {@link #start(String...)}, with an underlay MTU for every tunnel and node i's pod MTU {@code podMtus[i]}
     * (0: the most the tunnel carries).
     */
    static OverlayCluster start(final int underlayMtu, final int[] podMtus, final String... names)
    {
        return start(underlayMtu, podMtus, overlay -> overlay, settings -> settings, names);
    }

    /** As {@link #start(String...)}, each node's tunnel seen through {@code wrap} (a test hook: loss, ...). */
    static OverlayCluster start(final UnaryOperator<dev.podnet.dataplane.Overlay> wrap, final String... names)
    {
        return start(wrap, settings -> settings, names);
    }

    /** As {@link #start(UnaryOperator, String...)}, each node's pods made with the settings {@code pods} gives. */
    static OverlayCluster start(
        final UnaryOperator<dev.podnet.dataplane.Overlay> wrap, final UnaryOperator<PodSettings> pods, final String... names)
    {
        return start(TunnelConfig.DEFAULT_UNDERLAY_MTU, new int[names.length], wrap, pods, names);
    }

    private static OverlayCluster start(
        final int underlayMtu, final int[] podMtus, final UnaryOperator<dev.podnet.dataplane.Overlay> wrap,
        final UnaryOperator<PodSettings> pods, final String... names)
    {
        final OverlayCluster cluster = new OverlayCluster();
        try
        {
            for (int i = 0; i < names.length; i++)
            {
                final int port = LoopbackPorts.freeUdpPort();
                final Ipv4Cidr cidr = Ipv4Cidr.parse("10.244." + (i + 1) + ".0/24");
                cluster.members.put(names[i], new Member(names[i], cidr, port,
                    TunnelConfig.defaults(port).withBindAddress("127.0.0.1").withUnderlayMtu(underlayMtu), podMtus[i], wrap, pods));
            }
            for (final Member member : cluster.members.values())
            {
                for (final Member peer : cluster.members.values())
                {
                    if (peer != member)
                    {
                        await(member.proxy().addRoute(peer.name, peer.cidr, "127.0.0.1", peer.tunnelPort));
                    }
                }
            }
            cluster.awaitTunnelsConnected();
            return cluster;
        }
        catch (final RuntimeException | Error ex)
        {
            cluster.close();
            throw ex;
        }
    }

    /** Creates a pod and tells every other node where it is. */
    PodInfo createPod(final String node, final String name)
    {
        final PodInfo pod = await(members.get(node).proxy().createPod(name));
        for (final Member other : members.values())
        {
            if (!other.name.equals(node))
            {
                await(other.proxy().putEndpoint(new Endpoint(pod.ip(), pod.mac(), node, name)));
            }
        }
        pods.put(name, pod);
        return pod;
    }

    DataPlaneProxy proxy(final String node)
    {
        return members.get(node).proxy();
    }

    Member member(final String node)
    {
        return members.get(node);
    }

    void awaitTunnelsConnected()
    {
        awaitCondition(() ->
        {
            for (final Member member : members.values())
            {
                for (final Route route : await(member.proxy().routes()))
                {
                    if (!route.tunnelHealthy())
                    {
                        return false;
                    }
                }
            }
            return true;
        }, Duration.ofSeconds(20), "every tunnel connected (or idle)");
    }

    static <T> T await(final CompletableFuture<T> future)
    {
        try
        {
            return future.get(30, TimeUnit.SECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new AssertionError(ex);
        }
        catch (final java.util.concurrent.ExecutionException ex)
        {
            if (ex.getCause() instanceof RuntimeException runtime)
            {
                throw runtime;
            }
            throw new AssertionError(ex.getCause());
        }
        catch (final java.util.concurrent.TimeoutException ex)
        {
            throw new AssertionError("no answer within 30 s", ex);
        }
    }

    static void awaitCondition(final BooleanSupplier condition, final Duration limit, final String what)
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


    @Override
    public void close()
    {
        final List<Member> all = new ArrayList<>(members.values());
        for (final Member member : all)
        {
            member.node.close();
        }
    }
}
