package dev.podnet.controlplane.services;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import akka.cluster.ClusterEvent;
import akka.cluster.Member;
import akka.cluster.MemberStatus;
import akka.cluster.ddata.Key;
import akka.cluster.ddata.LWWMap;
import akka.cluster.ddata.LWWMapKey;
import akka.cluster.ddata.SelfUniqueAddress;
import akka.cluster.ddata.typed.javadsl.DistributedData;
import akka.cluster.ddata.typed.javadsl.Replicator;
import akka.cluster.ddata.typed.javadsl.ReplicatorMessageAdapter;
import akka.cluster.typed.Cluster;
import akka.cluster.typed.Subscribe;
import dev.podnet.controlplane.Cidrs;
import dev.podnet.controlplane.EndpointInfo;
import dev.podnet.controlplane.LeaseAllocator;
import dev.podnet.controlplane.LeaseInfo;
import dev.podnet.controlplane.NodeControlPlane;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Kubernetes' endpoints controller, as a cluster singleton: it watches the Services, the pod table and
 * membership, computes each Service's endpoints ({@link EndpointsComputation}) and replicates them
 * under the key {@code service-endpoints}, which every node's data plane is programmed from.
 * <p>
 * A pod is ready when its node is a reachable member that is Up (or WeaklyUp, or Leaving but still
 * serving), holds its lease, and the pod's address lies in that lease: what "Ready" can mean for an
 * emulated pod, which has no probes. A node that becomes unreachable takes its pods out of
 * {@code addresses} (into {@code notReadyAddresses}) at once; Kubernetes waits for the node lifecycle
 * controller's grace period (40 s) first, podnet withdraws its routes at once and does the same here.
 * <p>
 * Each version carries the time of the change that caused it (a pod's publication, the Service's
 * update, or when this controller noticed a removal or a membership change): nodes measure their
 * network programming latency from it. Writes go to every reachable node at once, as pods' do.
 */
public final class EndpointsController extends AbstractBehavior<EndpointsController.Command>
{
    public static final Key<LWWMap<String, ServiceMessage>> SERVICE_ENDPOINTS = LWWMapKey.create("service-endpoints");

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static final Key<LWWMap<String, Object>> SERVICES_KEY = (Key)ServiceRegistry.SERVICES;
    @SuppressWarnings({"unchecked", "rawtypes"})
    private static final Key<LWWMap<String, Object>> PODS_KEY = (Key)NodeControlPlane.ENDPOINTS;
    @SuppressWarnings({"unchecked", "rawtypes"})
    private static final Key<LWWMap<String, Object>> LEASES_KEY = (Key)LeaseAllocator.LEASES;
    @SuppressWarnings({"unchecked", "rawtypes"})
    private static final Key<LWWMap<String, Object>> OUTPUT_KEY = (Key)SERVICE_ENDPOINTS;
    private static final Duration WRITE_TIMEOUT = Duration.ofMillis(500);

    public interface Command
    {
    }

    private record Changed(Replicator.SubscribeResponse<LWWMap<String, Object>> response) implements Command
    {
    }

    private record Written(Replicator.UpdateResponse<LWWMap<String, Object>> response) implements Command
    {
    }

    private record MembershipChanged(Object event) implements Command
    {
    }

    private final ReplicatorMessageAdapter<Command, LWWMap<String, Object>> replicator;
    private final SelfUniqueAddress self;
    private Map<String, ServiceInfo> services = Map.of();
    private Map<String, EndpointInfo> pods = Map.of();
    private Map<String, LeaseInfo> leases = Map.of();
    /** Nodes that are reachable members able to serve. */
    private final Map<Member, Boolean> members = new HashMap<>();
    private final Set<Member> unreachable = new HashSet<>();
    /** What is replicated now (as written here or seen), by namespace/name. */
    private final Map<String, ServiceEndpointsInfo> published = new HashMap<>();
    private boolean seenOutput;

    private EndpointsController(final ActorContext<Command> context,
        final ReplicatorMessageAdapter<Command, LWWMap<String, Object>> replicator)
    {
        super(context);
        this.replicator = replicator;
        this.self = DistributedData.get(context.getSystem()).selfUniqueAddress();
        final ActorRef<Object> membership = context.messageAdapter(Object.class, MembershipChanged::new);
        final Cluster cluster = Cluster.get(context.getSystem());
        cluster.subscriptions().tell(Subscribe.create(membership.narrow(), ClusterEvent.MemberEvent.class));
        cluster.subscriptions().tell(Subscribe.create(membership.narrow(), ClusterEvent.ReachabilityEvent.class));
        replicator.subscribe(SERVICES_KEY, Changed::new);
        replicator.subscribe(PODS_KEY, Changed::new);
        replicator.subscribe(LEASES_KEY, Changed::new);
        replicator.subscribe(OUTPUT_KEY, Changed::new);
    }

    public static Behavior<Command> create()
    {
        return Behaviors.setup(context -> DistributedData.withReplicatorMessageAdapter(
            (ReplicatorMessageAdapter<Command, LWWMap<String, Object>> replicator) -> new EndpointsController(context, replicator)));
    }

    @Override
    public Receive<Command> createReceive()
    {
        return newReceiveBuilder()
            .onMessage(Changed.class, this::onChanged)
            .onMessage(Written.class, written -> this)
            .onMessage(MembershipChanged.class, this::onMembershipChanged)
            .build();
    }

    private Behavior<Command> onChanged(final Changed changed)
    {
        if (!(changed.response() instanceof Replicator.Changed<LWWMap<String, Object>> value))
        {
            return this;
        }
        final Map<String, Object> entries = value.get(value.key()).getEntries();
        if (value.key().equals(SERVICES_KEY))
        {
            final Map<String, ServiceInfo> updated = new HashMap<>();
            entries.forEach((key, service) -> updated.put(key, (ServiceInfo)service));
            services = updated;
        }
        else if (value.key().equals(PODS_KEY))
        {
            final Map<String, EndpointInfo> updated = new HashMap<>();
            entries.forEach((ip, pod) -> updated.put(ip, (EndpointInfo)pod));
            pods = updated;
        }
        else if (value.key().equals(LEASES_KEY))
        {
            final Map<String, LeaseInfo> updated = new HashMap<>();
            entries.forEach((node, lease) -> updated.put(node, (LeaseInfo)lease));
            leases = updated;
        }
        else
        {
            if (!seenOutput)
            {
                seenOutput = true;
                entries.forEach((key, endpoints) -> published.putIfAbsent(key, (ServiceEndpointsInfo)endpoints));
            }
            return this;
        }
        reconcile();
        return this;
    }

    private Behavior<Command> onMembershipChanged(final MembershipChanged changed)
    {
        final Object event = changed.event();
        if (event instanceof ClusterEvent.CurrentClusterState state)
        {
            members.clear();
            unreachable.clear();
            state.getMembers().forEach(member -> members.put(member, Boolean.TRUE));
            unreachable.addAll(state.getUnreachable());
        }
        else if (event instanceof ClusterEvent.MemberRemoved removed)
        {
            members.remove(removed.member());
            unreachable.remove(removed.member());
        }
        else if (event instanceof ClusterEvent.MemberEvent memberEvent)
        {
            members.remove(memberEvent.member());
            members.put(memberEvent.member(), Boolean.TRUE);
        }
        else if (event instanceof ClusterEvent.UnreachableMember member)
        {
            unreachable.add(member.member());
        }
        else if (event instanceof ClusterEvent.ReachableMember member)
        {
            unreachable.remove(member.member());
        }
        reconcile();
        return this;
    }

    /** Whether a pod is ready: on a serving, reachable member that holds the lease its address is in. */
    private boolean ready(final EndpointInfo pod, final Set<String> servingNodes)
    {
        final LeaseInfo lease = leases.get(pod.node());
        if (lease == null || lease.isReleased() || !servingNodes.contains(pod.node()))
        {
            return false;
        }
        return (Cidrs.address(pod.ip()) & Cidrs.mask(Cidrs.prefix(lease.cidr()))) == Cidrs.network(lease.cidr());
    }

    private Set<String> servingNodes()
    {
        final Set<String> serving = new HashSet<>();
        for (final Member member : members.keySet())
        {
            final MemberStatus status = member.status();
            if (!unreachable.contains(member) &&
                (status == MemberStatus.up() || status == MemberStatus.weaklyUp() || status == MemberStatus.leaving()))
            {
                serving.add(LeaseAllocator.nodeName(member));
            }
        }
        return serving;
    }

    /** Computes every Service's endpoints and writes the ones that changed. */
    private void reconcile()
    {
        final long now = System.currentTimeMillis();
        final Set<String> serving = servingNodes();
        for (final ServiceInfo service : services.values())
        {
            final ServiceEndpointsInfo computed = EndpointsComputation.compute(service, pods.values(), pod -> ready(pod, serving), 0);
            final ServiceEndpointsInfo previous = published.get(service.key());
            if (computed == null)
            {
                if (previous != null)
                {
                    remove(service.key());
                }
                continue;
            }
            if (computed.sameAddresses(previous))
            {
                continue;
            }
            final ServiceEndpointsInfo stamped = new ServiceEndpointsInfo(computed.namespace(), computed.name(), computed.addresses(),
                computed.notReadyAddresses(), triggerTime(service, computed, previous, now));
            published.put(service.key(), stamped);
            replicator.askUpdate(
                replyTo -> new Replicator.Update<>(OUTPUT_KEY, LWWMap.create(), new Replicator.WriteAll(WRITE_TIMEOUT), replyTo,
                    map -> map.put(self, stamped.key(), stamped)),
                Written::new);
        }
        for (final String key : Set.copyOf(published.keySet()))
        {
            if (!services.containsKey(key))
            {
                remove(key);
            }
        }
    }

    private void remove(final String key)
    {
        published.remove(key);
        replicator.askUpdate(
            replyTo -> new Replicator.Update<>(OUTPUT_KEY, LWWMap.create(), new Replicator.WriteAll(WRITE_TIMEOUT), replyTo,
                map -> map.remove(self, key)),
            Written::new);
    }

    /**
     * When the change happened: the newest publication among pods that are new or changed in this
     * version, or the Service's update if it is newer; else (something went away) now.
     */
    private long triggerTime(final ServiceInfo service, final ServiceEndpointsInfo computed, final ServiceEndpointsInfo previous,
        final long now)
    {
        long newest = previous == null || service.updatedAt() > previous.changedAt() ? service.updatedAt() : 0;
        final Set<EndpointAddressInfo> before = new HashSet<>();
        if (previous != null)
        {
            before.addAll(previous.addresses());
            before.addAll(previous.notReadyAddresses());
        }
        for (final EndpointAddressInfo address : computed.addresses())
        {
            if (!before.contains(address))
            {
                final EndpointInfo pod = pods.get(address.ip());
                if (pod != null)
                {
                    newest = Math.max(newest, pod.publishedAt());
                }
            }
        }
        return newest > 0 ? newest : now;
    }
}
