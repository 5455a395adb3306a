package dev.podnet.controlplane;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import akka.actor.typed.javadsl.TimerScheduler;
import akka.cluster.ClusterEvent;
import akka.cluster.Member;
import akka.cluster.ddata.Key;
import akka.cluster.ddata.LWWMap;
import akka.cluster.ddata.LWWMapKey;
import akka.cluster.ddata.LWWRegister;
import akka.cluster.ddata.SelfUniqueAddress;
import akka.cluster.ddata.typed.javadsl.DistributedData;
import akka.cluster.ddata.typed.javadsl.Replicator;
import akka.cluster.ddata.typed.javadsl.ReplicatorMessageAdapter;
import akka.cluster.typed.Cluster;
import akka.cluster.typed.ClusterSingleton;
import akka.cluster.typed.SelfRemoved;
import akka.cluster.typed.SingletonActor;
import akka.cluster.typed.Subscribe;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * One node's control plane: joins the lease allocator, publishes the node's pods, and hands the
 * sync layer a {@link ClusterView} whenever membership, leases or endpoints change.
 * <p>
 * In order, from start:
 * <ol>
 *   <li>asks the lease allocator (cluster singleton) for its lease every second until it gets one;
 *       a refusal leaves the node NotReady with the allocator's reason, and it keeps asking (every 5 s);</li>
 *   <li>subscribes to membership and reachability, and to the {@code leases} and {@code endpoints}
 *       keys of Distributed Data (changes are delivered within the 20 ms notify interval);</li>
 *   <li>publishes the node's own pods into {@code endpoints} (one entry per pod IP, written to all
 *       reachable nodes at once so a new pod is routable everywhere in well under a second); an entry
 *       carries the node's incarnation, so replicas order writes by (incarnation, version) and a
 *       stale entry from an earlier life of the node never wins; entries of this node that it no
 *       longer publishes (its previous life's pods included) are removed.</li>
 * </ol>
 * When this node is removed from the cluster (downed by the split brain resolver, or cut off) it
 * reports it, and the agent exits non-zero so its supervisor restarts it.
 */
public final class NodeControlPlane extends AbstractBehavior<NodeControlPlane.Command>
{
    public static final Key<LWWMap<String, EndpointInfo>> ENDPOINTS = LWWMapKey.create("endpoints");

    /*
     * One replicator adapter serves both keys: an actor has one message adapter per message class, so two
     * adapters subscribing to Replicator.Changed would steal each other's notifications. Values are
     * told apart by key.
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private static final Key<LWWMap<String, ControlPlaneMessage>> LEASES_KEY = (Key)LeaseAllocator.LEASES;
    @SuppressWarnings({"unchecked", "rawtypes"})
    private static final Key<LWWMap<String, ControlPlaneMessage>> ENDPOINTS_KEY = (Key)ENDPOINTS;

    public interface Command
    {
    }

    /** Asks for the current view. */
    public record GetView(ActorRef<ClusterView> replyTo) implements Command
    {
    }

    /** The complete set of this node's pods now (version and incarnation are filled in here). */
    /**
     * Removes every pod this node published from the table, before a graceful leave (a drained node's
     * pods are gone; a crashed node's stay listed until it returns). Replies when a write to every
     * reachable node returned (or timed out: gossip spreads it anyway).
     */
    public record WithdrawPods(ActorRef<akka.Done> replyTo) implements Command
    {
    }

    private record PodsWithdrawn(
        Replicator.UpdateResponse<LWWMap<String, ControlPlaneMessage>> response, ActorRef<akka.Done> replyTo) implements Command
    {
    }

    public record PublishPods(List<EndpointInfo> pods) implements Command
    {
    }

    /** Reads the endpoint table from a majority of nodes (what a restarted node's previous life left). */
    public record ReadEndpoints(ActorRef<Map<String, EndpointInfo>> replyTo) implements Command
    {
    }

    private record EndpointsRead(Replicator.GetResponse<LWWMap<String, ControlPlaneMessage>> response,
        ActorRef<Map<String, EndpointInfo>> replyTo) implements Command
    {
    }

    private enum AcquireTick implements Command
    {
        INSTANCE
    }

    private record LeaseAnswer(LeaseAllocator.LeaseReply reply, Throwable failure) implements Command
    {
    }

    private record Changed(Replicator.SubscribeResponse<LWWMap<String, ControlPlaneMessage>> response) implements Command
    {
    }

    private record EndpointsWritten(Replicator.UpdateResponse<LWWMap<String, ControlPlaneMessage>> response) implements Command
    {
    }

    private record MembershipChanged(Object event) implements Command
    {
    }

    private record Removed(SelfRemoved event) implements Command
    {
    }

    private static final Duration ACQUIRE_INTERVAL = Duration.ofSeconds(1);
    private static final Duration REFUSED_RETRY = Duration.ofSeconds(5);
    private static final Duration WRITE_TIMEOUT = Duration.ofMillis(500);

    private final ControlPlaneSettings settings;
    private final Consumer<ClusterView> listener;
    private final Consumer<String> onRemoved;
    private final TimerScheduler<Command> timers;
    private final ActorRef<LeaseAllocator.Command> allocator;
    private final ReplicatorMessageAdapter<Command, LWWMap<String, ControlPlaneMessage>> replicator;
    private final SelfUniqueAddress self;
    private final LWWRegister.Clock<ControlPlaneMessage> endpointClock = (current, value) -> ((EndpointInfo)value).clock();
    private final Map<String, EndpointInfo> published = new HashMap<>();
    private LeaseInfo lease;
    private String reason = "joining the cluster";
    private Map<String, MemberView> members = Map.of();
    private Map<String, LeaseInfo> leases = Map.of();
    private Map<String, EndpointInfo> endpoints = Map.of();
    private long version;
    /** Until the node published its pods once, its previous life's entries stay (it reads them to pick fresh addresses). */
    private boolean publishedOnce;

    private NodeControlPlane(
        final ActorContext<Command> context,
        final TimerScheduler<Command> timers,
        final ControlPlaneSettings settings,
        final AtomicLong reclaimed,
        final Consumer<ClusterView> listener,
        final Consumer<String> onRemoved,
        final ReplicatorMessageAdapter<Command, LWWMap<String, ControlPlaneMessage>> replicator)
    {
        super(context);
        this.settings = settings;
        this.listener = listener;
        this.onRemoved = onRemoved;
        this.timers = timers;
        this.replicator = replicator;
        this.self = DistributedData.get(context.getSystem()).selfUniqueAddress();
        this.allocator = ClusterSingleton.get(context.getSystem()).init(
            SingletonActor.of(LeaseAllocator.create(settings, reclaimed), "lease-allocator"));

        final Cluster cluster = Cluster.get(context.getSystem());
        final ActorRef<Object> membership = context.messageAdapter(Object.class, MembershipChanged::new);
        cluster.subscriptions().tell(Subscribe.create(membership.narrow(), ClusterEvent.MemberEvent.class));
        cluster.subscriptions().tell(Subscribe.create(membership.narrow(), ClusterEvent.ReachabilityEvent.class));
        cluster.subscriptions().tell(Subscribe.create(context.messageAdapter(SelfRemoved.class, Removed::new), SelfRemoved.class));
        replicator.subscribe(LEASES_KEY, Changed::new);
        replicator.subscribe(ENDPOINTS_KEY, Changed::new);
        timers.startSingleTimer(AcquireTick.INSTANCE, Duration.ZERO);
    }

    public static Behavior<Command> create(
        final ControlPlaneSettings settings,
        final AtomicLong reclaimed,
        final Consumer<ClusterView> listener,
        final Consumer<String> onRemoved)
    {
        return Behaviors.withTimers(timers -> Behaviors.setup(context ->
            DistributedData.withReplicatorMessageAdapter(
                (ReplicatorMessageAdapter<Command, LWWMap<String, ControlPlaneMessage>> replicator) ->
                    new NodeControlPlane(context, timers, settings, reclaimed, listener, onRemoved, replicator))));
    }

    @Override
    public Receive<Command> createReceive()
    {
        return newReceiveBuilder()
            .onMessageEquals(AcquireTick.INSTANCE, this::onAcquireTick)
            .onMessage(LeaseAnswer.class, this::onLeaseAnswer)
            .onMessage(Changed.class, this::onChanged)
            .onMessage(EndpointsWritten.class, this::onEndpointsWritten)
            .onMessage(MembershipChanged.class, this::onMembershipChanged)
            .onMessage(Removed.class, this::onRemoved)
            .onMessage(PublishPods.class, this::onPublishPods)
            .onMessage(WithdrawPods.class, this::onWithdrawPods)
            .onMessage(PodsWithdrawn.class, this::onPodsWithdrawn)
            .onMessage(GetView.class, this::onGetView)
            .onMessage(ReadEndpoints.class, this::onReadEndpoints)
            .onMessage(EndpointsRead.class, this::onEndpointsRead)
            .build();
    }

    private Behavior<Command> onAcquireTick()
    {
        if (lease != null)
        {
            return this;
        }
        getContext().ask(
            LeaseAllocator.LeaseReply.class,
            allocator,
            Duration.ofSeconds(5),
            replyTo -> new LeaseAllocator.Acquire(
                settings.nodeName(), settings.clusterCidr(), settings.nodePrefix(), settings.host(), settings.tunnelPort(),
                settings.apiPort(), settings.incarnation(), replyTo),
            LeaseAnswer::new);
        return this;
    }

    private Behavior<Command> onLeaseAnswer(final LeaseAnswer answer)
    {
        if (lease != null)
        {
            return this;
        }
        if (answer.reply() != null && answer.reply().granted())
        {
            lease = answer.reply().lease();
            reason = null;
            getContext().getLog().info("node {} holds lease {}", settings.nodeName(), lease.cidr());
            publishView();
            return this;
        }
        final String why = answer.reply() != null ? answer.reply().refused() : "waiting for the lease allocator (" +
            answer.failure().getClass().getSimpleName() + ")";
        if (!why.equals(reason))
        {
            getContext().getLog().warn("node {} is NotReady: {}", settings.nodeName(), why);
        }
        reason = why;
        timers.startSingleTimer(AcquireTick.INSTANCE, answer.reply() != null ? REFUSED_RETRY : ACQUIRE_INTERVAL);
        publishView();
        return this;
    }

    private Behavior<Command> onChanged(final Changed changed)
    {
        if (changed.response() instanceof Replicator.Changed<LWWMap<String, ControlPlaneMessage>> value)
        {
            if (value.key().equals(LEASES_KEY))
            {
                final Map<String, LeaseInfo> updated = new TreeMap<>();
                value.get(LEASES_KEY).getEntries().forEach((node, lease) -> updated.put(node, (LeaseInfo)lease));
                leases = updated;
            }
            else
            {
                final Map<String, EndpointInfo> updated = new TreeMap<>();
                value.get(ENDPOINTS_KEY).getEntries().forEach((ip, endpoint) -> updated.put(ip, (EndpointInfo)endpoint));
                endpoints = updated;
                removeStaleOwnEntries();
            }
            publishView();
        }
        return this;
    }

    /** Entries under this node's name that it does not publish now: its previous life's, or deleted pods'. */
    private void removeStaleOwnEntries()
    {
        for (final EndpointInfo entry : endpoints.values())
        {
            if (publishedOnce && entry.node().equals(settings.nodeName()) && entry.incarnation() <= settings.incarnation() &&
                !published.containsKey(entry.ip()))
            {
                final String ip = entry.ip();
                replicator.askUpdate(
                    replyTo -> new Replicator.Update<>(ENDPOINTS_KEY, LWWMap.create(), new Replicator.WriteAll(WRITE_TIMEOUT), replyTo,
                        map -> map.remove(self, ip)),
                    EndpointsWritten::new);
            }
        }
    }

    private Behavior<Command> onEndpointsWritten(final EndpointsWritten written)
    {
        return this; // a write that did not reach everybody in time still spreads by gossip
    }

    private Behavior<Command> onMembershipChanged(final MembershipChanged changed)
    {
        final Object event = changed.event();
        final Map<String, MemberView> view = new LinkedHashMap<>(members);
        if (event instanceof ClusterEvent.CurrentClusterState state)
        {
            view.clear();
            for (final Member member : state.getMembers())
            {
                view.put(LeaseAllocator.nodeName(member), memberView(member, !state.getUnreachable().contains(member)));
            }
        }
        else if (event instanceof ClusterEvent.MemberRemoved removed)
        {
            final MemberView current = view.get(LeaseAllocator.nodeName(removed.member()));
            if (current != null && current.address().equals(address(removed.member())))
            {
                view.remove(current.node());
            }
        }
        else if (event instanceof ClusterEvent.MemberEvent memberEvent)
        {
            final MemberView current = view.get(LeaseAllocator.nodeName(memberEvent.member()));
            view.put(LeaseAllocator.nodeName(memberEvent.member()),
                memberView(memberEvent.member(), current == null || current.reachable()));
        }
        else if (event instanceof ClusterEvent.UnreachableMember unreachable)
        {
            view.computeIfPresent(LeaseAllocator.nodeName(unreachable.member()), (name, m) -> memberView(unreachable.member(), false));
        }
        else if (event instanceof ClusterEvent.ReachableMember reachable)
        {
            view.computeIfPresent(LeaseAllocator.nodeName(reachable.member()), (name, m) -> memberView(reachable.member(), true));
        }
        members = view;
        publishView();
        return this;
    }

    private static MemberView memberView(final Member member, final boolean reachable)
    {
        return new MemberView(LeaseAllocator.nodeName(member), address(member), statusName(member), reachable);
    }

    private static String address(final Member member)
    {
        return member.address().host().getOrElse(() -> "") + ":" + member.address().port().getOrElse(() -> 0);
    }

    private static String statusName(final Member member)
    {
        final String status = member.status().toString();
        return status.isEmpty() ? status : Character.toUpperCase(status.charAt(0)) + status.substring(1);
    }

    private Behavior<Command> onRemoved(final Removed removed)
    {
        getContext().getLog().info("node {} is no longer a cluster member (previous status {})",
            settings.nodeName(), removed.event().previousStatus());
        onRemoved.accept(removed.event().previousStatus().toString());
        return Behaviors.stopped();
    }

    private Behavior<Command> onPublishPods(final PublishPods publish)
    {
        publishedOnce = true;
        final Map<String, EndpointInfo> wanted = new HashMap<>();
        for (final EndpointInfo pod : publish.pods())
        {
            wanted.put(pod.ip(), pod);
        }
        for (final EndpointInfo pod : wanted.values())
        {
            final EndpointInfo current = published.get(pod.ip());
            if (!pod.sameContent(current))
            {
                final EndpointInfo entry = pod.published(settings.nodeName(), settings.incarnation(), ++version,
                    System.currentTimeMillis());
                published.put(entry.ip(), entry);
                replicator.askUpdate(
                    replyTo -> new Replicator.Update<>(ENDPOINTS_KEY, LWWMap.create(), new Replicator.WriteAll(WRITE_TIMEOUT), replyTo,
                        map -> map.put(self, entry.ip(), entry, endpointClock)),
                    EndpointsWritten::new);
            }
        }
        for (final String ip : new ArrayList<>(published.keySet()))
        {
            if (!wanted.containsKey(ip))
            {
                published.remove(ip);
                replicator.askUpdate(
                    replyTo -> new Replicator.Update<>(ENDPOINTS_KEY, LWWMap.create(), new Replicator.WriteAll(WRITE_TIMEOUT), replyTo,
                        map -> map.remove(self, ip)),
                    EndpointsWritten::new);
            }
        }
        removeStaleOwnEntries();
        return this;
    }

    private Behavior<Command> onWithdrawPods(final WithdrawPods withdraw)
    {
        final List<String> ips = new ArrayList<>(published.keySet());
        published.clear();
        publishedOnce = true;
        if (ips.isEmpty())
        {
            withdraw.replyTo().tell(akka.Done.getInstance());
            return this;
        }
        replicator.askUpdate(
            replyTo -> new Replicator.Update<>(ENDPOINTS_KEY, LWWMap.create(), new Replicator.WriteAll(WRITE_TIMEOUT), replyTo,
                map ->
                {
                    LWWMap<String, ControlPlaneMessage> result = map;
                    for (final String ip : ips)
                    {
                        result = result.remove(self, ip);
                    }
                    return result;
                }),
            response -> new PodsWithdrawn(response, withdraw.replyTo()));
        return this;
    }

    private Behavior<Command> onPodsWithdrawn(final PodsWithdrawn withdrawn)
    {
        withdrawn.replyTo().tell(akka.Done.getInstance());
        return this;
    }

    private Behavior<Command> onReadEndpoints(final ReadEndpoints read)
    {
        replicator.askGet(
            replyTo -> new Replicator.Get<>(ENDPOINTS_KEY, new Replicator.ReadMajority(Duration.ofSeconds(3)), replyTo),
            response -> new EndpointsRead(response, read.replyTo()));
        return this;
    }

    private Behavior<Command> onEndpointsRead(final EndpointsRead read)
    {
        final Map<String, EndpointInfo> result = new TreeMap<>();
        if (read.response() instanceof Replicator.GetSuccess<LWWMap<String, ControlPlaneMessage>> success)
        {
            success.get(ENDPOINTS_KEY).getEntries().forEach((ip, endpoint) -> result.put(ip, (EndpointInfo)endpoint));
        }
        else if (!(read.response() instanceof Replicator.NotFound))
        {
            result.putAll(endpoints); // no majority in time: what this node has seen
        }
        read.replyTo().tell(result);
        return this;
    }

    private Behavior<Command> onGetView(final GetView get)
    {
        get.replyTo().tell(view());
        return this;
    }

    private ClusterView view()
    {
        return new ClusterView(settings.nodeName(), lease != null, reason, lease, members, leases, endpoints, allocatorNode());
    }

    /**
     * Where the lease allocator singleton runs: the oldest member that is Up (Akka's rule for a
     * singleton without a role), or null while there is none.
     */
    private String allocatorNode()
    {
        Member oldest = null;
        for (final Member member : Cluster.get(getContext().getSystem()).state().getMembers())
        {
            if (member.status() == akka.cluster.MemberStatus.up() && (oldest == null || member.isOlderThan(oldest)))
            {
                oldest = member;
            }
        }
        return oldest == null ? null : LeaseAllocator.nodeName(oldest);
    }

    private void publishView()
    {
        listener.accept(view());
    }
}
