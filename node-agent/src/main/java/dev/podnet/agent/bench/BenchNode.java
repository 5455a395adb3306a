package dev.podnet.agent.bench;

import dev.podnet.dataplane.DataPlaneProxy;
import dev.podnet.dataplane.Endpoint;
import dev.podnet.dataplane.IdleMode;
import dev.podnet.dataplane.Node;
import dev.podnet.dataplane.NodeConfig;
import dev.podnet.dataplane.PodInfo;
import dev.podnet.dataplane.Route;
import dev.podnet.packet.Ipv4Address;
import dev.podnet.pod.DropCounters;
import dev.podnet.pod.PodSettings;
import dev.podnet.transport.AeronTunnel;
import dev.podnet.transport.TunnelConfig;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One side of the overlay benchmark, as a real agent runs it: an {@link AeronTunnel} on loopback and a
 * {@link Node} driving it with the chosen idle mode, one pod, and a static route and endpoint for the
 * other side's CIDR and pod (what the control plane will do from leases).
 */
public final class BenchNode implements AutoCloseable
{
    public static final String LOOPBACK = "127.0.0.1";
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(10);

    private final Node node;
    private final TunnelConfig tunnelConfig;

    private BenchNode(final Node node, final TunnelConfig tunnelConfig)
    {
        this.node = node;
        this.tunnelConfig = tunnelConfig;
    }

    /** The tunnel of one side: loopback, {@code port}, the underlay MTU both sides and the raw endpoints share. */
    public static TunnelConfig tunnelConfig(final int port, final int underlayMtu)
    {
        return TunnelConfig.defaults(port).withBindAddress(LOOPBACK).withUnderlayMtu(underlayMtu);
    }

    /**
     * The pods' MTU with {@code tunnelConfig}: what the tunnel carries in one datagram
     * ({@link TunnelConfig#innerMtu()}), at most {@link PodSettings#MAX_MTU} (reached with underlay MTUs of 9120 and more).
     */
    public static int podMtu(final TunnelConfig tunnelConfig)
    {
        return Math.min(tunnelConfig.innerMtu(), PodSettings.MAX_MTU);
    }

    /**
     * Starts {@code side}'s node with its tunnel on {@code 127.0.0.1:tunnelPort} over an underlay of
     * {@code underlayMtu} bytes, pods with the MTU that follows ({@link #podMtu(TunnelConfig)}), creates
     * its pod and routes the other side's CIDR to {@code 127.0.0.1:peerTunnelPort}.
     */
    public static BenchNode start(
        final BenchSide side, final int tunnelPort, final int peerTunnelPort, final IdleMode idleMode, final int underlayMtu)
    {
        final TunnelConfig tunnelConfig = tunnelConfig(tunnelPort, underlayMtu);
        final DropCounters drops = new DropCounters();
        final AeronTunnel tunnel = AeronTunnel.launch(tunnelConfig, side.nodeName(), side.cidr().network(), drops);
        final NodeConfig config = NodeConfig.defaults(side.nodeName(), side.cidr())
            .withPod(PodSettings.defaults().withMtu(podMtu(tunnelConfig)))
            .withIdleMode(idleMode);
        final Node node = Node.start(config, drops, tunnel);
        try
        {
            final DataPlaneProxy proxy = node.proxy();
            final PodInfo pod = await(proxy.createPod(side.podName()), COMMAND_TIMEOUT, "create pod " + side.podName());
            if (pod.ip() != side.podIp())
            {
                throw new BenchException("pod " + pod.name() + " got " + Ipv4Address.format(pod.ip()) +
                    " (expected: " + Ipv4Address.format(side.podIp()) + ", the CIDR's .2)");
            }
            final BenchSide other = side.other();
            await(proxy.addRoute(other.nodeName(), other.cidr(), LOOPBACK, peerTunnelPort), COMMAND_TIMEOUT,
                "route to " + other.cidr());
            await(proxy.putEndpoint(new Endpoint(other.podIp(), other.podMac(), other.nodeName(), other.podName())),
                COMMAND_TIMEOUT, "endpoint " + other.podName());
            return new BenchNode(node, tunnelConfig);
        }
        catch (final RuntimeException ex)
        {
            node.close();
            throw ex;
        }
    }

    public DataPlaneProxy proxy()
    {
        return node.proxy();
    }

    public TunnelConfig tunnelConfig()
    {
        return tunnelConfig;
    }

    /** The pod MTU the tunnel allows. */
    public int podMtu()
    {
        return node.config().pod().mtu();
    }

    /** True when the tunnel to the other side is up: connected, or idle (quiet; the next frame brings it back). */
    public boolean tunnelConnected()
    {
        for (final Route route : await(proxy().routes(), COMMAND_TIMEOUT, "routes"))
        {
            if (!route.tunnelHealthy())
            {
                return false;
            }
        }
        return true;
    }

    @Override
    public void close()
    {
        node.close();
    }

    /** Waits for a data-plane answer; a failure or no answer is a {@link BenchException} naming {@code what}. */
    public static <T> T await(final CompletableFuture<T> future, final Duration timeout, final String what)
    {
        try
        {
            return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new BenchException(what + ": interrupted", ex);
        }
        catch (final ExecutionException ex)
        {
            throw new BenchException(what + " failed: " + ex.getCause().getMessage(), ex.getCause());
        }
        catch (final TimeoutException ex)
        {
            throw new BenchException(what + ": no answer within " + timeout.toMillis() + " ms", ex);
        }
    }

}
