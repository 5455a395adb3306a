package dev.podnet.controlplane;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import akka.actor.typed.javadsl.StashBuffer;
import akka.actor.typed.javadsl.TimerScheduler;
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

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The single authority over node CIDR leases: a cluster singleton that hands each node a
 * {@code /nodePrefix} of the cluster CIDR that no other node holds.
 * <p>
 * Guarantees, and how:
 * <ul>
 *   <li><b>Never twice.</b> Leases live in Distributed Data (key {@code leases}, one entry per node
 *       name), written only by this singleton with write-majority; a new singleton after a failover
 *       first reads them with read-majority (retried until it succeeds) and serves nobody before. Any
 *       majority it reads overlaps the majority every granted lease was written to.</li>
 *   <li><b>Sticky, to one life at a time.</b> A node that asks again (a restart under the same name) gets
 *       the lease it holds, active or released, once its previous life is gone: removed, downed, or
 *       restarted at the same address. A lease records the member it was granted to (address and uid);
 *       while that member is alive at another address, a second agent with the same name is refused
 *       ({@value #NAME_IN_USE}, with the holder's address) instead of taking over its CIDR and moving
 *       every node's route to itself. A lease is granted only once its write reached a majority.</li>
 *   <li><b>Kept while owned.</b> A lease stays its owner's while the owner is a member in any state,
 *       reachable or not. When the owner is removed from the cluster the lease is marked released
 *       and kept for the grace period (default 2 minutes), then reclaimed: logged, counted, freed. The
 *       period runs only while an allocator serves: after a restart of the whole cluster every lease
 *       released before it gets its full grace period again, so its node has time to come back.</li>
 *   <li><b>Durable.</b> With a state directory, every node keeps its replica of the table in LMDB
 *       (Akka's durable Distributed Data, key {@code leases}) and loads it before it serves anything,
 *       so a cluster stopped entirely (gracefully or killed) and started again hands every node its
 *       CIDR back; the causal metadata of the CRDT is stored with it, so a replica that was down
 *       while a lease was reclaimed never brings that lease back.</li>
 *   <li><b>Refusals, not crashes.</b> An exhausted pool, or a node configured with another cluster CIDR,
 *       gets a reply with the reason; the node stays NotReady and says why.</li>
 * </ul>
 * Per node the state is one {@link LeaseInfo} (about 60 bytes replicated). Allocation takes the
 * lowest free subnet; a reclaimed subnet is free again.
 */
public final class LeaseAllocator extends AbstractBehavior<LeaseAllocator.Command>
{
    public static final Key<LWWMap<String, LeaseInfo>> LEASES = LWWMapKey.create("leases");
    /** Members carry their node name as a role, so membership events can be matched to leases. */
    public static final String NODE_ROLE_PREFIX = "node=";

    public interface Command
    {
    }

    /** How a refusal because another live member holds the node's name starts. */
    public static final String NAME_IN_USE = "name-in-use";

    /**
     * A node asks for its lease.
     *
     * @param address the asking member's cluster address ({@code host:port})
     * @param uid     the asking member's Akka uid (this life of the node)
     */
    public record Acquire(
        String node, String clusterCidr, int nodePrefix, String tunnelHost, int tunnelPort, int apiPort, long incarnation,
        String address, long uid, ActorRef<LeaseReply> replyTo) implements Command, ControlPlaneMessage
    {
    }

    /** The answer: a lease, or why not. */
    public record LeaseReply(LeaseInfo lease, String refused) implements ControlPlaneMessage
    {
        public boolean granted()
        {
            return lease != null;
        }
    }

    private enum Tick implements Command
    {
        INSTANCE
    }

    private record Loaded(Replicator.GetResponse<LWWMap<String, LeaseInfo>> response) implements Command
    {
    }

    private record Written(Replicator.UpdateResponse<LWWMap<String, LeaseInfo>> response, LeaseInfo lease,
        ActorRef<LeaseReply> replyTo) implements Command
    {
    }

    private record MembershipEvent(Object event) implements Command
    {
    }

    private static final Duration MAJORITY_TIMEOUT = Duration.ofSeconds(3);

    private final String clusterCidr;
    private final int nodePrefix;
    private final Duration grace;
    private final ReplicatorMessageAdapter<Command, LWWMap<String, LeaseInfo>> replicator;
    private final StashBuffer<Command> stash;
    private final SelfUniqueAddress self;
    private final AtomicLong reclaimed;
    private LWWMap<String, LeaseInfo> leases = LWWMap.create();
    private boolean loaded;
    /** When this allocator started serving: a grace period runs only while an allocator does. */
    private long servingSinceMs;
    /** Members (any status but removed) by unique address, from this actor's own subscription. */
    private final Map<akka.cluster.UniqueAddress, Member> members = new java.util.HashMap<>();
    private boolean membershipKnown;

    private LeaseAllocator(
        final ActorContext<Command> context,
        final ControlPlaneSettings settings,
        final ReplicatorMessageAdapter<Command, LWWMap<String, LeaseInfo>> replicator,
        final StashBuffer<Command> stash,
        final TimerScheduler<Command> timers,
        final AtomicLong reclaimed)
    {
        super(context);
        this.clusterCidr = settings.clusterCidr();
        this.nodePrefix = settings.nodePrefix();
        this.grace = settings.leaseGrace();
        this.replicator = replicator;
        this.stash = stash;
        this.reclaimed = reclaimed;
        this.self = DistributedData.get(context.getSystem()).selfUniqueAddress();
        timers.startTimerWithFixedDelay(Tick.INSTANCE, Duration.ofSeconds(1));
        for (final Member member : Cluster.get(context.getSystem()).state().getMembers())
        {
            members.put(member.uniqueAddress(), member);
        }
        final ActorRef<Object> membership = context.messageAdapter(Object.class, MembershipEvent::new);
        Cluster.get(context.getSystem()).subscriptions().tell(Subscribe.create(membership.narrow(), ClusterEvent.MemberEvent.class));
        load();
    }

    /**
     * @param reclaimed counts leases reclaimed after the grace period (for metrics and tests)
     */
    public static Behavior<Command> create(final ControlPlaneSettings settings, final AtomicLong reclaimed)
    {
        return Behaviors.withStash(1000, stash -> Behaviors.withTimers(timers -> Behaviors.setup(context ->
            DistributedData.withReplicatorMessageAdapter(
                (ReplicatorMessageAdapter<Command, LWWMap<String, LeaseInfo>> replicator) ->
                    new LeaseAllocator(context, settings, replicator, stash, timers, reclaimed)))));
    }

    @Override
    public Receive<Command> createReceive()
    {
        return newReceiveBuilder()
            .onMessage(Loaded.class, this::onLoaded)
            .onMessage(Acquire.class, this::onAcquire)
            .onMessage(Written.class, this::onWritten)
            .onMessage(MembershipEvent.class, this::onMembershipEvent)
            .onMessageEquals(Tick.INSTANCE, this::onTick)
            .build();
    }

    private void load()
    {
        replicator.askGet(
            replyTo -> new Replicator.Get<>(LEASES, new Replicator.ReadMajority(MAJORITY_TIMEOUT), replyTo),
            Loaded::new);
    }

    private Behavior<Command> onLoaded(final Loaded loaded)
    {
        if (loaded.response() instanceof Replicator.GetSuccess<LWWMap<String, LeaseInfo>> success)
        {
            leases = success.get(LEASES);
        }
        else if (!(loaded.response() instanceof Replicator.NotFound))
        {
            getContext().getLog().warn("lease allocator: cannot read the leases from a majority yet ({}), retrying",
                loaded.response().getClass().getSimpleName());
            load();
            return this;
        }
        this.loaded = true;
        this.servingSinceMs = System.currentTimeMillis();
        getContext().getLog().info("lease allocator serving from {}: {} leases in {} (/{} each)",
            getContext().getSystem().address(), leases.getEntries().size(), clusterCidr, nodePrefix);
        releaseLeasesOfNonMembers();
        return stash.unstashAll(this);
    }

    private Behavior<Command> onAcquire(final Acquire request)
    {
        if (!loaded)
        {
            stash.stash(request);
            return this;
        }
        if (!clusterCidr.equals(request.clusterCidr()) || nodePrefix != request.nodePrefix())
        {
            final String reason = "node " + request.node() + " is configured with cluster CIDR " + request.clusterCidr() + " and /" +
                request.nodePrefix() + " leases, but the cluster uses " + clusterCidr + " and /" + nodePrefix +
                ": PODNET_CLUSTER_CIDR and PODNET_NODE_PREFIX must be the same on every node";
            getContext().getLog().warn("lease refused: {}", reason);
            request.replyTo().tell(new LeaseReply(null, reason));
            return this;
        }
        final Map<String, LeaseInfo> entries = leases.getEntries();
        final LeaseInfo held = entries.get(request.node());
        final String cidr;
        if (held != null)
        {
            final Member holder = liveHolder(held, request);
            if (holder != null)
            {
                final String reason = NAME_IN_USE + ": node name " + request.node() + " is held by the live member at " +
                    memberAddress(holder) + " (" + holder.status() + "), which has lease " + held.cidr() + "; stop that agent " +
                    "or give this one another name";
                getContext().getLog().warn("lease refused to the member at {}: {}", request.address(), reason);
                request.replyTo().tell(new LeaseReply(null, reason));
                return this;
            }
            cidr = held.cidr();
        }
        else
        {
            cidr = freeSubnet(entries);
            if (cidr == null)
            {
                final String reason = "no free /" + nodePrefix + " left in " + clusterCidr + ": all " +
                    Cidrs.subnetCount(clusterCidr, nodePrefix) + " are leased (" + countReleased(entries) +
                    " of them to removed nodes, reclaimed after their grace period)";
                getContext().getLog().warn("lease refused to {}: {}", request.node(), reason);
                request.replyTo().tell(new LeaseReply(null, reason));
                return this;
            }
        }
        final LeaseInfo lease = new LeaseInfo(
            request.node(), cidr, request.tunnelHost(), request.tunnelPort(), request.apiPort(), request.incarnation(), 0L,
            request.address(), request.uid());
        write(lease, request.replyTo());
        return this;
    }

    private void write(final LeaseInfo lease, final ActorRef<LeaseReply> replyTo)
    {
        leases = leases.put(self, lease.node(), lease);
        replicator.askUpdate(
            reply -> new Replicator.Update<>(LEASES, LWWMap.create(), new Replicator.WriteMajority(MAJORITY_TIMEOUT), reply,
                map -> map.put(self, lease.node(), lease)),
            response -> new Written(response, lease, replyTo));
    }

    private Behavior<Command> onWritten(final Written written)
    {
        final ActorRef<LeaseReply> replyTo = written.replyTo();
        if (written.response() instanceof Replicator.UpdateSuccess)
        {
            if (replyTo != null)
            {
                getContext().getLog().info("lease {} granted to node {}", written.lease().cidr(), written.lease().node());
                replyTo.tell(new LeaseReply(written.lease(), null));
            }
        }
        else if (replyTo != null)
        {
            replyTo.tell(new LeaseReply(null, "the lease could not be written to a majority of nodes yet; asking again"));
        }
        return this;
    }

    private Behavior<Command> onMembershipEvent(final MembershipEvent membershipEvent)
    {
        final Object event = membershipEvent.event();
        if (event instanceof ClusterEvent.CurrentClusterState state)
        {
            members.clear();
            for (final Member member : state.getMembers())
            {
                members.put(member.uniqueAddress(), member);
            }
            membershipKnown = true;
        }
        else if (event instanceof ClusterEvent.MemberRemoved removed)
        {
            members.remove(removed.member().uniqueAddress());
            membershipKnown = true;
        }
        else if (event instanceof ClusterEvent.MemberEvent changed)
        {
            members.put(changed.member().uniqueAddress(), changed.member());
            membershipKnown = true;
        }
        if (loaded)
        {
            releaseLeasesOfNonMembers();
        }
        return this;
    }

    private Behavior<Command> onTick()
    {
        if (!loaded)
        {
            return this;
        }
        releaseLeasesOfNonMembers();
        final long now = System.currentTimeMillis();
        for (final LeaseInfo lease : new ArrayList<>(leases.getEntries().values()))
        {
            // a lease released before this allocator started (the whole cluster was down meanwhile) gets its full grace
            if (lease.isReleased() && now - Math.max(lease.releasedAt(), servingSinceMs) >= grace.toMillis())
            {
                leases = leases.remove(self, lease.node());
                replicator.askUpdate(
                    reply -> new Replicator.Update<>(LEASES, LWWMap.create(), new Replicator.WriteMajority(MAJORITY_TIMEOUT), reply,
                        map -> map.remove(self, lease.node())),
                    response -> new Written(response, lease, null));
                reclaimed.incrementAndGet();
                getContext().getLog().info("lease {} of node {} reclaimed: the node left {} ms ago (grace {})",
                    lease.cidr(), lease.node(), now - lease.releasedAt(), grace);
            }
        }
        return this;
    }

    /**
     * Marks the leases of nodes that are no cluster member at all (in any state) as released, and
     * takes the mark back from a node that is a member again. Only while this node is itself an Up
     * member: a singleton on a node that is leaving, down or shutting down sees a shrinking member
     * list and must not act on it.
     */
    private void releaseLeasesOfNonMembers()
    {
        final Member selfMember = members.get(Cluster.get(getContext().getSystem()).selfMember().uniqueAddress());
        if (!membershipKnown || selfMember == null || selfMember.status() != MemberStatus.up())
        {
            return;
        }
        final Set<String> names = new HashSet<>();
        for (final Member member : members.values())
        {
            names.add(nodeName(member));
        }
        final long now = System.currentTimeMillis();
        for (final LeaseInfo lease : new ArrayList<>(leases.getEntries().values()))
        {
            if (!lease.isReleased() && !names.contains(lease.node()))
            {
                getContext().getLog().info("node {} left the cluster: its lease {} is kept for {} before it is reclaimed",
                    lease.node(), lease.cidr(), grace);
                write(lease.released(now), null);
            }
            else if (lease.isReleased() && names.contains(lease.node()))
            {
                getContext().getLog().info("node {} is a member again: its lease {} is active", lease.node(), lease.cidr());
                write(lease.released(0L), null);
            }
        }
    }

    /**
     * The member that holds {@code held} and is another life of the node than the one asking, while it is
     * alive: a member in any status but Down, at another address. Null when the lease is free to give to
     * the asker: the same life asking again, a holder that is gone (removed, downed, never recorded) or
     * one restarted at the same address (Akka removes the old life when the new one joins).
     */
    private Member liveHolder(final LeaseInfo held, final Acquire request)
    {
        if (held.holderUid() == 0 || held.holder().equals(request.address()))
        {
            return null;
        }
        for (final Member member : members.values())
        {
            if (member.uniqueAddress().longUid() == held.holderUid() && memberAddress(member).equals(held.holder()))
            {
                return member.status() == MemberStatus.down() || member.status() == MemberStatus.removed() ? null : member;
            }
        }
        return null;
    }

    /** A member's cluster address as {@code host:port}. */
    public static String memberAddress(final Member member)
    {
        return member.address().host().getOrElse(() -> "") + ":" + member.address().port().getOrElse(() -> 0);
    }

    /** The node name a member carries as its role, or its address when it has none. */
    public static String nodeName(final Member member)
    {
        for (final String role : member.getRoles())
        {
            if (role.startsWith(NODE_ROLE_PREFIX))
            {
                return role.substring(NODE_ROLE_PREFIX.length());
            }
        }
        return member.address().toString();
    }

    private String freeSubnet(final Map<String, LeaseInfo> entries)
    {
        final Set<String> taken = new HashSet<>();
        for (final LeaseInfo lease : entries.values())
        {
            taken.add(lease.cidr());
        }
        final int count = Cidrs.subnetCount(clusterCidr, nodePrefix);
        for (int i = 0; i < count; i++)
        {
            final String candidate = Cidrs.subnet(clusterCidr, nodePrefix, i);
            if (!taken.contains(candidate))
            {
                return candidate;
            }
        }
        return null;
    }

    private static long countReleased(final Map<String, LeaseInfo> entries)
    {
        final List<LeaseInfo> released = new ArrayList<>();
        for (final LeaseInfo lease : entries.values())
        {
            if (lease.isReleased())
            {
                released.add(lease);
            }
        }
        return released.size();
    }
}
