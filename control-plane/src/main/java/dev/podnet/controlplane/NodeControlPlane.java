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
    private final Consumer<String> onFailure;
    private final TimerScheduler<Command> timers;
    private final ActorRef<LeaseAllocator.Command> allocator;
    private final ReplicatorMessageAdapter<Command, LWWMap<String, ControlPlaneMessage>> replicator;
    private final SelfUniqueAddress self;
    private final LWWRegister.Clock<ControlPlaneMessage> endpointClock = (current, value) -> ((EndpointInfo)value).clock();
    private final Map<String, EndpointInfo> published = new HashMap<>();
    private LeaseInfo lease;
    private String reason = "joining the cluster";
    private Map<String, MemberView> members = Map.of();
    /** Every member (any status but removed) by unique address, and those the failure detector does not hear. */
    private final Map<akka.cluster.UniqueAddress, Member> allMembers = new HashMap<>();
    private final java.util.Set<akka.cluster.UniqueAddress> unreachable = new java.util.HashSet<>();
    private Map<String, LeaseInfo> leases = Map.of();
    private Map<String, EndpointInfo> endpoints = Map.of();
    private long version;
    /** Until the node published its pods once, its previous life's entries stay (it reads them to pick fresh addresses). */
    private boolean publishedOnce;
    /** Whether this node was ever Up: before that its own member reads Removed. */
    private boolean joined;

    private NodeControlPlane(
        final ActorContext<Command> context,
        final TimerScheduler<Command> timers,
        final ControlPlaneSettings settings,
        final AtomicLong reclaimed,
        final Consumer<ClusterView> listener,
        final Consumer<String> onRemoved,
        final Consumer<String> onFailure,
        final ReplicatorMessageAdapter<Command, LWWMap<String, ControlPlaneMessage>> replicator)
    {
        super(context);
        this.settings = settings;
        this.listener = listener;
        this.onRemoved = onRemoved;
        this.onFailure = onFailure;
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
        // the replicator stops when its durable store cannot load the lease table, and when this member is removed
        context.watch(akka.actor.typed.javadsl.Adapter.toTyped(
            akka.cluster.ddata.DistributedData.get(akka.actor.typed.javadsl.Adapter.toClassic(context.getSystem())).replicator()));
        replicator.subscribe(LEASES_KEY, Changed::new);
        replicator.subscribe(ENDPOINTS_KEY, Changed::new);
        timers.startSingleTimer(AcquireTick.INSTANCE, Duration.ZERO);
    }

    public static Behavior<Command> create(
        final ControlPlaneSettings settings,
        final AtomicLong reclaimed,
        final Consumer<ClusterView> listener,
        final Consumer<String> onRemoved,
        final Consumer<String> onFailure)
    {
        return Behaviors.withTimers(timers -> Behaviors.setup(context ->
            DistributedData.withReplicatorMessageAdapter(
                (ReplicatorMessageAdapter<Command, LWWMap<String, ControlPlaneMessage>> replicator) ->
                    new NodeControlPlane(context, timers, settings, reclaimed, listener, onRemoved, onFailure, replicator))));
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
            .onSignal(akka.actor.typed.Terminated.class, this::onReplicatorStopped)
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
                settings.apiPort(), settings.incarnation(), LeaseAllocator.memberAddress(selfMember()),
                selfMember().uniqueAddress().longUid(), replyTo),
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
                members = membersByName();
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
        final akka.cluster.MemberStatus selfStatus = selfMember().status();
        joined |= selfStatus == akka.cluster.MemberStatus.up() || selfStatus == akka.cluster.MemberStatus.weaklyUp();
        if (event instanceof ClusterEvent.CurrentClusterState state)
        {
            allMembers.clear();
            unreachable.clear();
            for (final Member member : state.getMembers())
            {
                allMembers.put(member.uniqueAddress(), member);
            }
            for (final Member member : state.getUnreachable())
            {
                unreachable.add(member.uniqueAddress());
            }
        }
        else if (event instanceof ClusterEvent.MemberRemoved removed)
        {
            allMembers.remove(removed.member().uniqueAddress());
            unreachable.remove(removed.member().uniqueAddress());
        }
        else if (event instanceof ClusterEvent.MemberEvent memberEvent)
        {
            allMembers.put(memberEvent.member().uniqueAddress(), memberEvent.member());
        }
        else if (event instanceof ClusterEvent.UnreachableMember member)
        {
            unreachable.add(member.member().uniqueAddress());
        }
        else if (event instanceof ClusterEvent.ReachableMember member)
        {
            unreachable.remove(member.member().uniqueAddress());
        }
        members = membersByName();
        publishView();
        return this;
    }

    /**
     * One member per node name. Two members may carry one name for a while: a node restarted at the same
     * address (the old life is on its way out) or a second agent started with a name in use (refused its
     * lease). The one that stands for the name is the member its lease was granted to unless it is Down,
     * else the one furthest along (Up before Joining, anything before Down), so that a refused newcomer
     * never takes over, or takes away, the holder's routes, and a life restarted at the same address
     * takes over from the downed one at once.
     */
    private Map<String, MemberView> membersByName()
    {
        final Map<String, Member> chosen = new TreeMap<>();
        for (final Member member : allMembers.values())
        {
            final String name = LeaseAllocator.nodeName(member);
            final Member current = chosen.get(name);
            if (current == null || rank(member, leases.get(name)) > rank(current, leases.get(name)))
            {
                chosen.put(name, member);
            }
        }
        final Map<String, MemberView> view = new LinkedHashMap<>();
        chosen.forEach((name, member) -> view.put(name, memberView(member, !unreachable.contains(member.uniqueAddress()))));
        return view;
    }

    private static int rank(final Member member, final LeaseInfo lease)
    {
        final akka.cluster.MemberStatus status = member.status();
        if (status != akka.cluster.MemberStatus.down() && lease != null && lease.holderUid() == member.uniqueAddress().longUid() &&
            lease.holder().equals(address(member)))
        {
            return 100;
        }
        if (status == akka.cluster.MemberStatus.up())
        {
            return 6;
        }
        if (status == akka.cluster.MemberStatus.weaklyUp())
        {
            return 5;
        }
        if (status == akka.cluster.MemberStatus.leaving())
        {
            return 4;
        }
        if (status == akka.cluster.MemberStatus.joining())
        {
            return 3;
        }
        return status == akka.cluster.MemberStatus.exiting() ? 2 : 1;
    }

    private Member selfMember()
    {
        return Cluster.get(getContext().getSystem()).selfMember();
    }

    private static MemberView memberView(final Member member, final boolean reachable)
    {
        return new MemberView(LeaseAllocator.nodeName(member), address(member), statusName(member), reachable);
    }

    private static String address(final Member member)
    {
        return LeaseAllocator.memberAddress(member);
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

    private Behavior<Command> onReplicatorStopped(final akka.actor.typed.Terminated terminated)
    {
        // Akka's replicator also stops itself once this member is removed, which on a leave (SIGTERM, podnet stop)
        // can come before our own SelfRemoved: that is a normal end, not a store that failed to load
        final akka.cluster.MemberStatus status = selfMember().status();
        final boolean shuttingDown = akka.actor.CoordinatedShutdown.get(getContext().getSystem()).getShutdownReason().isPresent();
        // (before it joins, a node's own member reads Removed too: then the store is what failed)
        if (shuttingDown || joined && (status == akka.cluster.MemberStatus.leaving() || status == akka.cluster.MemberStatus.exiting() ||
            status == akka.cluster.MemberStatus.down() || status == akka.cluster.MemberStatus.removed()))
        {
            getContext().getLog().info("node {}: the Distributed Data replicator stopped as the node leaves (status {})",
                settings.nodeName(), status);
            return this;
        }
        reason = settings.stateDir() == null ?
            "the Distributed Data replicator stopped (see the error above)" :
            "the lease store in " + settings.stateDir().resolve(StateDirectory.LEASE_STORE) + " could not be loaded (see the error " +
                "above): if it is damaged, move the state directory away; the node then starts with the lease table the " +
                "other nodes hold";
        publishView();
        onFailure.accept(reason);
        return this;
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
