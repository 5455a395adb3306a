package dev.podnet.sync;

import dev.podnet.controlplane.ClusterView;
import dev.podnet.controlplane.ControlPlane;
import dev.podnet.controlplane.EndpointInfo;
import dev.podnet.controlplane.LeaseInfo;
import dev.podnet.dataplane.DataPlaneProxy;
import dev.podnet.dataplane.Endpoint;
import dev.podnet.dataplane.PodInfo;
import dev.podnet.packet.Ipv4Address;
import dev.podnet.packet.Ipv4Cidr;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The sync layer: turns what the control plane knows into data-plane commands, and the node's pods
 * into what the control plane publishes. It never touches data-plane tables: every change goes
 * through the data plane's one ordered command queue ({@link DataPlaneProxy}).
 * <p>
 * Design (flannel's subnet watcher, libnetwork's peer operations):
 * <ul>
 *   <li>Each new {@link ClusterView} is compared with what was applied last: the wanted routes are the
 *       leases of other reachable members, the wanted endpoints those of their pods (inside their
 *       lease). Withdrawals go first, then additions, so an add never overtakes the delete before it.</li>
 *   <li>A member that becomes unreachable loses its route on this node at once (its pods' traffic is
 *       answered with ICMP net unreachable instead of vanishing); its lease stays reserved; the route
 *       comes back when it is reachable again.</li>
 *   <li>Views that arrive before the data plane exists (the node waits for its lease) are kept and
 *       applied when it is attached.</li>
 * </ul>
 * Views come from one actor thread and the attach from the agent's thread: the state here is guarded
 * by this object's monitor (control path only; nothing here is per frame).
 */
public final class ClusterSync implements Consumer<ClusterView>
{
    private static final Logger LOG = LoggerFactory.getLogger(ClusterSync.class);

    private final Map<String, LeaseInfo> routes = new HashMap<>();
    private final Map<String, EndpointInfo> endpoints = new HashMap<>();
    private final AtomicLong routesWithdrawn = new AtomicLong();
    private final AtomicLong viewsApplied = new AtomicLong();
    private final PropagationLag propagationLag = new PropagationLag();
    /** Pods published before this node attached are not propagation: they were there before it. */
    private volatile long attachedAtMs = Long.MAX_VALUE;
    private volatile Observer observer = Observer.NONE;

    /** Sees the data-plane changes the sync layer makes, when the data plane confirms them (benchmarks, metrics). */
    public interface Observer
    {
        Observer NONE = new Observer()
        {
        };

        /** A remote pod became routable from this node. */
        default void endpointInstalled(final String ip, final long nanoTime)
        {
        }

        /** The route to another node's CIDR was withdrawn on this node. */
        default void routeWithdrawn(final String cidr, final long nanoTime)
        {
        }
    }

    public void observer(final Observer observer)
    {
        this.observer = observer == null ? Observer.NONE : observer;
    }
    private DataPlaneProxy proxy;
    private ClusterView latest;
    private volatile ClusterView applied;

    /** A new view from the control plane. */
    @Override
    public synchronized void accept(final ClusterView view)
    {
        latest = view;
        if (proxy != null)
        {
            apply(view);
        }
    }

    /**
     * Connects the data plane (once the node's lease is known) and starts publishing its pods through
     * {@code controlPlane}.
     */
    public void attach(final DataPlaneProxy dataPlane, final ControlPlane controlPlane)
    {
        synchronized (this)
        {
            attachedAtMs = System.currentTimeMillis();
            proxy = dataPlane;
            if (latest != null)
            {
                apply(latest);
            }
        }
        dataPlane.onPodsChanged(pods -> controlPlane.publishPods(toEndpoints(pods)));
    }

    /** The newest view from the control plane, applied or not yet, or null. */
    public synchronized ClusterView latest()
    {
        return latest;
    }

    /** The last view applied to the data plane (for status pages), or null. */
    public ClusterView applied()
    {
        return applied;
    }

    /** Routes withdrawn so far (members that became unreachable or left). */
    public long routesWithdrawn()
    {
        return routesWithdrawn.get();
    }

    /** From a pod's publication on its node to its endpoint installed here. */
    public PropagationLag propagationLag()
    {
        return propagationLag;
    }

    public long viewsApplied()
    {
        return viewsApplied.get();
    }

    private void apply(final ClusterView view)
    {
        final Map<String, LeaseInfo> wantedRoutes = new HashMap<>();
        for (final LeaseInfo lease : view.routableLeases())
        {
            wantedRoutes.put(lease.cidr(), lease);
        }
        final Map<String, EndpointInfo> wantedEndpoints = new HashMap<>();
        for (final EndpointInfo endpoint : view.routableEndpoints())
        {
            wantedEndpoints.put(endpoint.ip(), endpoint);
        }

        for (final EndpointInfo endpoint : new ArrayList<>(endpoints.values()))
        {
            final EndpointInfo wanted = wantedEndpoints.get(endpoint.ip());
            if (wanted == null || !sameEndpoint(wanted, endpoint))
            {
                endpoints.remove(endpoint.ip());
                report(proxy.removeEndpoint(Ipv4Address.parse(endpoint.ip())), "remove endpoint " + endpoint.ip());
            }
        }
        for (final LeaseInfo route : new ArrayList<>(routes.values()))
        {
            final LeaseInfo wanted = wantedRoutes.get(route.cidr());
            if (wanted == null || !sameRoute(wanted, route))
            {
                routes.remove(route.cidr());
                if (wanted == null)
                {
                    routesWithdrawn.incrementAndGet();
                    LOG.info("route {} via node {} withdrawn: {}", route.cidr(), route.node(), why(view, route.node()));
                }
                final String cidr = route.cidr();
                report(proxy.removeRoute(Ipv4Cidr.parse(cidr)).thenRun(() -> observer.routeWithdrawn(cidr, System.nanoTime())),
                    "withdraw route " + cidr);
            }
        }
        for (final LeaseInfo lease : wantedRoutes.values())
        {
            if (!routes.containsKey(lease.cidr()))
            {
                routes.put(lease.cidr(), lease);
                LOG.info("route {} via node {} at udp {}:{}", lease.cidr(), lease.node(), lease.tunnelHost(), lease.tunnelPort());
                report(proxy.addRoute(lease.node(), Ipv4Cidr.parse(lease.cidr()), lease.tunnelHost(), lease.tunnelPort()),
                    "add route " + lease.cidr());
            }
        }
        for (final EndpointInfo endpoint : wantedEndpoints.values())
        {
            if (!endpoints.containsKey(endpoint.ip()))
            {
                endpoints.put(endpoint.ip(), endpoint);
                final String ip = endpoint.ip();
                final long publishedAt = endpoint.publishedAt();
                report(proxy.putEndpoint(new Endpoint(Ipv4Address.parse(ip), endpoint.mac(), endpoint.node(), endpoint.pod()))
                        .thenRun(() ->
                        {
                            observer.endpointInstalled(ip, System.nanoTime());
                            if (publishedAt >= attachedAtMs)
                            {
                                propagationLag.record(System.currentTimeMillis() - publishedAt);
                            }
                        }),
                    "add endpoint " + ip);
            }
        }
        applied = view;
        viewsApplied.incrementAndGet();
    }

    private static String why(final ClusterView view, final String node)
    {
        final var member = view.members().get(node);
        if (member == null)
        {
            return "it left the cluster";
        }
        return member.reachable() ? "it is " + member.status() : "it is unreachable";
    }

    private static boolean sameRoute(final LeaseInfo a, final LeaseInfo b)
    {
        return a.node().equals(b.node()) && a.tunnelHost().equals(b.tunnelHost()) && a.tunnelPort() == b.tunnelPort();
    }

    private static boolean sameEndpoint(final EndpointInfo a, final EndpointInfo b)
    {
        return a.mac() == b.mac() && a.node().equals(b.node()) && a.pod().equals(b.pod());
    }

    private static void report(final CompletableFuture<?> step, final String what)
    {
        step.whenComplete((ignored, failure) ->
        {
            if (failure != null)
            {
                LOG.warn("sync: cannot {}: {}", what, failure.getMessage());
            }
        });
    }

    private static List<EndpointInfo> toEndpoints(final List<PodInfo> pods)
    {
        final List<EndpointInfo> result = new ArrayList<>(pods.size());
        for (final PodInfo pod : pods)
        {
            result.add(PodRecords.toRecord(pod));
        }
        return result;
    }
}
