package dev.podnet.dataplane;

import dev.podnet.netem.Impairment;
import dev.podnet.netem.ImpairmentPatch;
import dev.podnet.netem.LinkShaper;
import dev.podnet.pod.DropCounters;
import dev.podnet.pod.DropReason;
import dev.podnet.trace.Tracer;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.collections.Object2IntHashMap;
import org.agrona.concurrent.NanoClock;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The link impairment stage, between route and encapsulation (STYLE.md's pipeline): what {@code tc qdisc
 * add dev flannel.1 root netem ...} is to a Linux node, per destination node. It stands in front of the
 * tunnel as an {@link Overlay} of its own, so the router hands it frames exactly as it would hand them to
 * the tunnel.
 * <p>
 * A frame for a peer without an impairment goes straight through. A frame for an impaired peer is offered to
 * that link's {@link LinkShaper}, which drops it (counted: {@code netem-loss}, {@code netem-partition},
 * {@code netem-link-down}, {@code netem-queue-full}) or holds it in its delay line; every duty cycle hands
 * the tunnel what is due, before the tunnel's own work. A full link pushes back like a full tunnel
 * ({@link Overlay#QUEUE_FULL}, and a {@link #window} no larger than its free slots): the pods' senders hold back
 * until it drains, as a local socket does behind a full qdisc, so a delay costs throughput only as far as
 * {@code limit / delay} and never burns the duty cycle on frames made only to be dropped. A held frame the tunnel pushes back on stays at its
 * link's head for the next cycle; one the tunnel cannot send (no peer, not connected) is counted as the
 * router would count it.
 * <p>
 * Impairments are kept by node name (a route to the node may come later, or be replaced by one with
 * another tunnel address): the data plane binds a node's name to its tunnel address when it adds the route
 * and unbinds it when it removes it. A link's random decisions are seeded with a seed of its own
 * (by default derived from the two node names, so a run repeats), shown with the impairment.
 * <p>
 * Single-threaded (the data-plane duty cycle); no allocation per frame.
 */
final class LinkImpairments implements Overlay
{
    /** One impaired direction: this node to {@link #to}. */
    private final class Link implements LinkShaper.Transmitter
    {
        final String to;
        final LinkShaper shaper;
        int peer;

        Link(final String to, final LinkShaper shaper, final int peer)
        {
            this.to = to;
            this.shaper = shaper;
            this.peer = peer;
        }

        @Override
        public boolean transmit(final MutableDirectBuffer buffer, final int offset, final int length, final long tag)
        {
            final int traced = tracer.current();
            tracer.current((int)tag, "link");
            try
            {
                return transmitNow(buffer, offset, length);
            }
            finally
            {
                tracer.current(traced);
            }
        }

        private boolean transmitNow(final MutableDirectBuffer buffer, final int offset, final int length)
        {
            if (peer == 0)
            {
                drops.increment(DropReason.NO_ROUTE);
                return true;
            }
            switch (tunnel.send(peer, buffer, offset, length))
            {
                case SENT:
                    return true;
                case BACK_PRESSURED:
                    return false;
                case TOO_LARGE:
                    drops.increment(DropReason.FRAME_TOO_LARGE);
                    return true;
                case QUEUE_FULL:
                    return true; // the tunnel dropped it and counted it (tunnel-hold-full: an idle peer's share was full)
                default:
                    drops.increment(DropReason.TUNNEL_NOT_CONNECTED);
                    return true;
            }
        }
    }

    private final Overlay tunnel;
    private final DropCounters drops;
    private final String self;
    private final int slotSize;
    private final Map<String, Link> byNode = new TreeMap<>();
    private final Int2ObjectHashMap<Link> byPeer = new Int2ObjectHashMap<>();
    private final Object2IntHashMap<String> peers = new Object2IntHashMap<>(0);
    private Link[] links = new Link[0];
    private final NanoClock clock;
    private Tracer tracer = new Tracer("");

    /**
     * @param clock the data plane's clock: a frame's time on the link counts from when it is offered (read then, not
     *              at the start of the duty cycle, which a busy cycle would make up to a cycle early)
     */
    LinkImpairments(final Overlay tunnel, final DropCounters drops, final String self, final int maxFrameLength, final NanoClock clock)
    {
        this.clock = clock;
        this.tunnel = tunnel;
        this.drops = drops;
        this.self = self;
        this.slotSize = maxFrameLength;
    }

    // ---------------------------------------------------------------- the stage (duty cycle)

    @Override
    public int send(final int peer, final DirectBuffer frame, final int offset, final int length)
    {
        final Link link = byPeer.get(peer);
        if (link == null)
        {
            return tunnel.send(peer, frame, offset, length);
        }
        tracer.enter("link");
        final long now = clock.nanoTime();
        switch (link.shaper.offer(frame, offset, length, tracer.current(), now))
        {
            case LinkShaper.QUEUED:
                if (tracer.active())
                {
                    tracer.hop("link", "delayed", "the link to " + link.to + " (" + link.shaper.impairment().describe() +
                        ") holds it " + link.shaper.lastDelayNanos() / 1_000 / 1000.0 + " ms");
                }
                link.shaper.release(now, link); // nothing to wait for: on at once, in order behind what is due
                break;
            case LinkShaper.LOST:
                drops.increment(DropReason.NETEM_LOSS);
                break;
            case LinkShaper.PARTITIONED:
                drops.increment(DropReason.NETEM_PARTITION);
                break;
            case LinkShaper.LINK_DOWN:
                drops.increment(DropReason.NETEM_LINK_DOWN);
                break;
            default:
                drops.increment(DropReason.NETEM_QUEUE_FULL);
                return QUEUE_FULL;
        }
        return SENT;
    }

    @Override
    public int doWork(final long nowNanos, final Receiver receiver)
    {
        int work = 0;
        for (final Link link : links)
        {
            work += link.shaper.release(nowNanos, link);
        }
        return work + tunnel.doWork(nowNanos, receiver);
    }

    // ---------------------------------------------------------------- the tunnel as it is

    /** The tunnel's window, and for an impaired link no more than the room left in its delay line. */
    @Override
    public long window(final int peer)
    {
        final long tunnelWindow = tunnel.window(peer);
        final Link link = byPeer.get(peer);
        return link == null ? tunnelWindow :
            Math.min(tunnelWindow, (long)(link.shaper.impairment().limit() - link.shaper.queued()) * slotSize);
    }

    @Override
    public void addPeer(final int peer, final String host, final int port)
    {
        tunnel.addPeer(peer, host, port);
    }

    @Override
    public void removePeer(final int peer)
    {
        tunnel.removePeer(peer);
    }

    @Override
    public String peerState(final int peer)
    {
        return tunnel.peerState(peer);
    }

    @Override
    public int innerMtu()
    {
        return tunnel.innerMtu();
    }

    @Override
    public long framesSent(final int peer)
    {
        return tunnel.framesSent(peer);
    }

    @Override
    public long framesReceived(final int peer)
    {
        return tunnel.framesReceived(peer);
    }

    @Override
    public void tracer(final Tracer tracer)
    {
        this.tracer = tracer;
        tunnel.tracer(tracer);
    }

    @Override
    public void close()
    {
        tunnel.close();
    }

    // ---------------------------------------------------------------- commands (data-plane thread)

    /** The route to {@code node} goes through tunnel address {@code peer} from now on. */
    void bind(final int peer, final String node)
    {
        peers.put(node, peer);
        final Link link = byNode.get(node);
        if (link != null)
        {
            if (link.peer != 0)
            {
                byPeer.remove(link.peer);
            }
            link.peer = peer;
            byPeer.put(peer, link);
        }
    }

    /** The route through tunnel address {@code peer} is gone: its link's held frames will find no peer. */
    void unbind(final int peer)
    {
        final Link link = byPeer.remove(peer);
        if (link != null)
        {
            link.peer = 0;
        }
        peers.values().removeIf(address -> address == peer);
    }

    /** Changes what the link to {@code to} does, as {@code patch} says; the first change starts from nothing. */
    LinkInfo set(final String to, final ImpairmentPatch patch, final long nowNanos)
    {
        NodeConfig.requireDnsLabel("node name", to);
        if (to.equals(self))
        {
            throw new DataPlaneException(DataPlaneException.Kind.INVALID, "node " + self + " has no link to itself");
        }
        final Link existing = byNode.get(to);
        final Impairment next;
        try
        {
            next = patch.applyTo(existing == null ? Impairment.none(defaultSeed(self, to)) : existing.shaper.impairment());
        }
        catch (final IllegalArgumentException ex)
        {
            throw new DataPlaneException(DataPlaneException.Kind.INVALID, ex.getMessage());
        }
        if (existing != null)
        {
            existing.shaper.impairment(next, nowNanos);
            return info(existing);
        }
        final Link link = new Link(to, new LinkShaper(next, slotSize, nowNanos), peers.getValue(to));
        byNode.put(to, link);
        if (link.peer != 0)
        {
            byPeer.put(link.peer, link);
        }
        links = byNode.values().toArray(new Link[0]);
        return info(link);
    }

    /**
     * Removes the impairment of the link to {@code to}: what it holds goes on at once, in order (it was on the
     * wire). False when there was none.
     */
    boolean clear(final String to, final long nowNanos)
    {
        final Link link = byNode.remove(to);
        if (link == null)
        {
            return false;
        }
        if (link.peer != 0)
        {
            byPeer.remove(link.peer);
        }
        links = byNode.values().toArray(new Link[0]);
        link.shaper.expedite(nowNanos);
        link.shaper.release(nowNanos, link);
        for (int left = link.shaper.queued(); left > 0; left--)
        {
            drops.increment(DropReason.TUNNEL_BACK_PRESSURED);
        }
        return true;
    }

    List<LinkInfo> links()
    {
        final List<LinkInfo> result = new ArrayList<>(byNode.size());
        for (final Link link : byNode.values())
        {
            result.add(info(link));
        }
        return result;
    }

    private LinkInfo info(final Link link)
    {
        return new LinkInfo(self, link.to, link.peer, link.shaper.impairment(), link.shaper.stats());
    }

    /** A link's seed when none is given: the same for the same two node names, so a run repeats. */
    static long defaultSeed(final String from, final String to)
    {
        return (from + "->" + to).hashCode() & 0xFFFFFFFFL;
    }
}
