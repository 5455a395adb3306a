package dev.podnet.sync;

import dev.podnet.controlplane.ClusterView;
import dev.podnet.controlplane.ControlPlane;
import dev.podnet.controlplane.ControlPlaneSettings;
import dev.podnet.controlplane.EndpointInfo;
import dev.podnet.controlplane.LeaseAllocator;
import dev.podnet.controlplane.LeaseInfo;
import dev.podnet.controlplane.services.ServiceControl;
import dev.podnet.controlplane.services.ServiceRegistrySettings;
import dev.podnet.dataplane.DataPlaneProxy;
import dev.podnet.dataplane.Node;
import dev.podnet.dataplane.NodeConfig;
import dev.podnet.packet.Ipv4Address;
import dev.podnet.packet.Ipv4Cidr;
import dev.podnet.pod.DropCounters;
import dev.podnet.transport.AeronTunnel;
import dev.podnet.transport.TunnelConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A node whose addresses come from the cluster: it joins, waits for its CIDR lease, then starts its
 * tunnel and data plane with that lease and lets the sync layer program routes and endpoints.
 * <ol>
 *   <li>control plane: join the cluster, ask for the lease (NotReady, with the reason, until granted);</li>
 *   <li>tunnel (its tunnel address is the lease's network address) and data plane;</li>
 *   <li>sync: apply the cluster's routes and endpoints; publish this node's pods as they come and go.</li>
 * </ol>
 */
public final class ClusterNode implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(ClusterNode.class);

    private final ControlPlane controlPlane;
    private final ClusterSync sync;
    private final Node node;
    private final LeaseInfo lease;
    private final ServiceSync serviceSync;
    private final ServiceControl services;

    private ClusterNode(final ControlPlane controlPlane, final ClusterSync sync, final Node node, final LeaseInfo lease,
        final ServiceSync serviceSync, final ServiceControl services)
    {
        this.controlPlane = controlPlane;
        this.sync = sync;
        this.node = node;
        this.lease = lease;
        this.serviceSync = serviceSync;
        this.services = services;
    }

    /**
     * Starts a node and blocks until it holds its lease and its data plane runs.
     *
     * @param nodeConfig   the data plane's configuration for the leased CIDR
     * @param leaseTimeout how long to wait for the lease (the reason it is not granted is logged meanwhile)
     * @param onRemoved    called when the cluster removes this node without it asking (downed, cut off)
     * @throws IllegalStateException when no lease came within the timeout, with the control plane's reason
     */
    public static ClusterNode start(
        final ControlPlaneSettings settings,
        final TunnelConfig tunnelConfig,
        final Function<Ipv4Cidr, NodeConfig> nodeConfig,
        final Duration leaseTimeout,
        final Consumer<String> onRemoved)
    {
        return start(settings, SyncSettings.defaults(), tunnelConfig, nodeConfig, leaseTimeout, onRemoved, reason -> { });
    }

    /**
     * As {@link #start(ControlPlaneSettings, TunnelConfig, Function, Duration, Consumer)}, with the sync layer's
     * settings and {@code notReady}, told each new reason the control plane gives while the node waits for its
     * lease. A node refused because another live member holds its name ({@link LeaseAllocator#NAME_IN_USE})
     * gives up after {@link ControlPlaneSettings#nameInUseWait()}.
     */
    public static ClusterNode start(
        final ControlPlaneSettings settings,
        final SyncSettings syncSettings,
        final TunnelConfig tunnelConfig,
        final Function<Ipv4Cidr, NodeConfig> nodeConfig,
        final Duration leaseTimeout,
        final Consumer<String> onRemoved,
        final Consumer<String> notReady)
    {
        final ClusterSync sync = new ClusterSync(syncSettings);
        final ControlPlane controlPlane = ControlPlane.start(settings, sync, onRemoved);
        Node started = null;
        try
        {
            final LeaseInfo lease = awaitLease(sync, controlPlane, settings, leaseTimeout, notReady);
            final Ipv4Cidr cidr = Ipv4Cidr.parse(lease.cidr());
            final DropCounters drops = new DropCounters();
            final NodeConfig config = nodeConfig.apply(cidr);
            final AeronTunnel tunnel = AeronTunnel.launch(tunnelConfig, settings.nodeName(), cidr.network(), drops);
            final Node node = Node.start(config, drops, tunnel);
            started = node;
            skipPreviousLifeAddresses(readEndpoints(controlPlane), settings.nodeName(), cidr, node.proxy());
            node.proxy().onPodsChanged(pods -> controlPlane.publishPods(toEndpoints(pods))).orTimeout(10, TimeUnit.SECONDS).join();
            sync.attach(node.proxy());
            // Services: the registry and endpoints controller (singletons), this node's watch, and its sync into the data plane
            final ServiceSync serviceSync = new ServiceSync(settings.nodeName(), config.services(), syncSettings);
            final ServiceControl services = controlPlane.startServices(new ServiceRegistrySettings(config.services().serviceCidr().toString(),
                Ipv4Address.format(config.services().dnsIp()), ServiceRegistrySettings.NODE_PORT_FIRST,
                ServiceRegistrySettings.NODE_PORT_LAST), serviceSync);
            sync.viewListener(serviceSync::pods);
            serviceSync.pods(sync.latest());
            serviceSync.attach(node.proxy());
            return new ClusterNode(controlPlane, sync, node, lease, serviceSync, services);
        }
        catch (final RuntimeException ex)
        {
            sync.close();
            // a member that gives up (its name in use, say) leaves, rather than making the others suspect and down it
            controlPlane.close();
            if (started != null)
            {
                started.close();
            }
            throw ex;
        }
    }

    /**
     * A node restarted under its name finds its previous life's pods in the endpoint table: new pods
     * get addresses after the highest of them, so nobody mistakes a new pod for an old one.
     */
    private static java.util.Map<String, EndpointInfo> readEndpoints(final ControlPlane controlPlane)
    {
        try
        {
            return controlPlane.readEndpoints().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
        catch (final Exception ex)
        {
            LOG.warn("cannot read the endpoint table ({}): a restarted node may give its pods their old addresses", ex.toString());
            return java.util.Map.of();
        }
    }

    private static void skipPreviousLifeAddresses(
        final java.util.Map<String, EndpointInfo> endpoints, final String nodeName, final Ipv4Cidr cidr, final DataPlaneProxy proxy)
    {
        long highest = -1;
        for (final EndpointInfo endpoint : endpoints.values())
        {
            final int ip = Ipv4Address.parse(endpoint.ip());
            if (endpoint.node().equals(nodeName) && cidr.contains(ip))
            {
                highest = Math.max(highest, ip & 0xFFFFFFFFL);
            }
        }
        if (highest >= 0)
        {
            LOG.info("node {} restarted: new pods get addresses after {}, its previous life's last", nodeName,
                Ipv4Address.format((int)highest));
            proxy.skipAddressesUpTo((int)highest).orTimeout(10, TimeUnit.SECONDS).join();
        }
    }

    private static LeaseInfo awaitLease(
        final ClusterSync sync, final ControlPlane controlPlane, final ControlPlaneSettings settings, final Duration timeout,
        final Consumer<String> notReady)
    {
        final String nodeName = settings.nodeName();
        final long deadline = System.nanoTime() + timeout.toNanos();
        long nextReport = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        long nameInUseSince = 0;
        String reason = "joining the cluster";
        while (true)
        {
            final ClusterView view = sync.latest();
            if (view != null && view.lease() != null)
            {
                return view.lease();
            }
            if (view != null && view.reason() != null && !view.reason().equals(reason))
            {
                reason = view.reason();
                notReady.accept(reason);
            }
            final String failure = controlPlane.failure().toCompletableFuture().getNow(null);
            if (failure != null)
            {
                throw new IllegalStateException("node " + nodeName + " cannot get a lease: " + failure);
            }
            final long now = System.nanoTime();
            if (!reason.startsWith(LeaseAllocator.NAME_IN_USE))
            {
                nameInUseSince = 0;
            }
            else if (nameInUseSince == 0)
            {
                nameInUseSince = now;
            }
            else if (now - nameInUseSince > settings.nameInUseWait().toNanos())
            {
                throw new IllegalStateException("node " + nodeName + " gave up after " + settings.nameInUseWait().toSeconds() +
                    " s: " + reason);
            }
            if (now > deadline)
            {
                throw new IllegalStateException("node " + nodeName + " got no CIDR lease within " + timeout + ": " + reason);
            }
            if (now > nextReport)
            {
                LOG.info("node {} is NotReady: {}", nodeName, reason);
                nextReport = now + TimeUnit.SECONDS.toNanos(5);
            }
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
    }

    public DataPlaneProxy proxy()
    {
        return node.proxy();
    }

    public ControlPlane controlPlane()
    {
        return controlPlane;
    }

    public ClusterSync sync()
    {
        return sync;
    }

    public LeaseInfo lease()
    {
        return lease;
    }

    /** The Service objects: registry requests and this node's view of them. */
    public ServiceControl services()
    {
        return services;
    }

    /** Programs this node's data plane with the Services. */
    public ServiceSync serviceSync()
    {
        return serviceSync;
    }

    private static java.util.List<EndpointInfo> toEndpoints(final java.util.List<dev.podnet.dataplane.PodInfo> pods)
    {
        final java.util.List<EndpointInfo> result = new java.util.ArrayList<>(pods.size());
        for (final dev.podnet.dataplane.PodInfo pod : pods)
        {
            result.add(PodRecords.toRecord(pod));
        }
        return result;
    }

    /**
     * Stops as a crashed process would: no goodbye to the cluster, the tunnel and data plane first. Returns once the
     * actor system has terminated (or was abandoned: {@link ControlPlane#crash()}). For tests and chaos.
     */
    public void crash()
    {
        serviceSync.close();
        sync.close();
        node.close();
        controlPlane.crash();
    }

    /** Leaves the cluster gracefully, then stops the data plane (and its tunnel). */
    @Override
    public void close()
    {
        try
        {
            serviceSync.close();
            controlPlane.close();
        }
        finally
        {
            sync.close();
            node.close();
        }
    }
}
