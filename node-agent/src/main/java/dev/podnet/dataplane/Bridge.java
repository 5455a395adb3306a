package dev.podnet.dataplane;

import dev.podnet.packet.EthernetFlyweight;
import dev.podnet.packet.MacAddress;
import dev.podnet.packet.PacketError;
import dev.podnet.pod.DropCounters;
import dev.podnet.pod.DropReason;
import dev.podnet.trace.Tracer;
import org.agrona.MutableDirectBuffer;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.collections.Long2ObjectHashMap;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The node's virtual bridge ({@code cni0}): an IEEE 802.1D learning switch.
 * <ul>
 *   <li>Learning: the source MAC of every frame is recorded against the port it came in on (a MAC
 *       that moves is re-learnt at once). Group source MACs are invalid and dropped.</li>
 *   <li>Forwarding: a known unicast destination goes out of its port only; broadcast, multicast and
 *       unknown unicast are flooded to every port but the one they came in on; a destination on the
 *       ingress port itself is filtered.</li>
 *   <li>Ageing: an entry not refreshed for the ageing time (default 300 s, as 802.1D and Linux) is
 *       forgotten; the gateway's MAC is permanent. Removing a port flushes its entries.</li>
 * </ul>
 * Capacity: at most {@code maxEntries} MACs (new ones are not learnt past that and are flooded to),
 * entries come from a pool made at start, so forwarding never allocates.
 * <p>
 * Single-threaded: the data-plane duty cycle calls {@link #forward} for each frame it dequeues.
 */
final class Bridge
{
    private static final class Entry
    {
        long mac;
        BridgePort port;
        long lastSeen;
        boolean permanent;
    }

    private final Int2ObjectHashMap<BridgePort> ports = new Int2ObjectHashMap<>();
    private BridgePort[] portList = new BridgePort[0];
    private final Long2ObjectHashMap<Entry> fdb;
    private final Entry[] pool;
    private int poolSize;
    private final long agingNanos;
    private final DropCounters drops;
    private final EthernetFlyweight ethernet = new EthernetFlyweight();
    private final AtomicLong forwarded = new AtomicLong();
    private final AtomicLong flooded = new AtomicLong();
    private static final FrameTap[] NO_TAPS = new FrameTap[0];
    /** Replaced whole on the data-plane thread when a capture starts or stops. */
    private FrameTap[] taps = NO_TAPS;
    private Tracer tracer = new Tracer("");
    private SwitchHook hook;

    /**
     * Sees every valid frame the bridge is about to switch, after its ingress taps and before delivery,
     * and may rewrite it in place: where {@code br_netfilter} hands bridged IPv4 to netfilter.
     */
    @FunctionalInterface
    interface SwitchHook
    {
        void onSwitch(int ingressPort, long destinationMac, MutableDirectBuffer buffer, int offset, int length, long nowNanos);
    }

    void hook(final SwitchHook hook)
    {
        this.hook = hook;
    }

    /** The taps now (the router shows them what it sends into the tunnel). */
    FrameTap[] taps()
    {
        return taps;
    }

    Bridge(final long agingNanos, final int maxEntries, final DropCounters drops)
    {
        this.agingNanos = agingNanos;
        this.drops = drops;
        this.fdb = new Long2ObjectHashMap<>(maxEntries * 2, 0.65f);
        this.pool = new Entry[maxEntries];
        for (int i = 0; i < maxEntries; i++)
        {
            pool[i] = new Entry();
        }
        this.poolSize = maxEntries;
    }

    void addPort(final BridgePort port)
    {
        ports.put(port.id(), port);
        portList = ports.values().toArray(new BridgePort[0]);
    }

    void removePort(final int portId)
    {
        final BridgePort port = ports.remove(portId);
        if (port == null)
        {
            return;
        }
        portList = ports.values().toArray(new BridgePort[0]);
        for (final Iterator<Entry> it = fdb.values().iterator(); it.hasNext(); )
        {
            final Entry entry = it.next();
            if (entry.port == port)
            {
                it.remove();
                pool[poolSize++] = entry;
            }
        }
    }

    /** The MAC is this port's for good (the gateway's own address). */
    void addPermanent(final long mac, final int portId)
    {
        final Entry entry = learn(mac, ports.get(portId), 0);
        if (entry != null)
        {
            entry.permanent = true;
        }
    }

    /** Who hears what the bridge does with traced frames. */
    void tracer(final Tracer tracer)
    {
        this.tracer = tracer;
    }

    /** Only {@code tap} sees frames from now on ({@code null}: none). */
    void tap(final FrameTap tap)
    {
        this.taps = tap == null ? NO_TAPS : new FrameTap[] {tap};
    }

    void addTap(final FrameTap tap)
    {
        final FrameTap[] more = java.util.Arrays.copyOf(taps, taps.length + 1);
        more[taps.length] = tap;
        taps = more;
    }

    void removeTap(final FrameTap tap)
    {
        taps = java.util.Arrays.stream(taps).filter(existing -> existing != tap).toArray(FrameTap[]::new);
    }

    long framesForwarded()
    {
        return forwarded.get();
    }

    long framesFlooded()
    {
        return flooded.get();
    }

    /** Switches one frame that came in on {@code ingressPort}. */
    void forward(final int ingressPort, final MutableDirectBuffer buffer, final int offset, final int length, final long nowNanos)
    {
        final BridgePort ingress = ports.get(ingressPort);
        if (ingress == null)
        {
            return; // the port went away while its frame was queued
        }
        for (final FrameTap tap : taps)
        {
            tap.onFrame(ingress.name(), true, buffer, offset, length);
        }
        tracer.enter("bridge");
        ethernet.wrap(buffer, offset, length);
        final PacketError error = ethernet.check();
        if (error != PacketError.NONE)
        {
            drops.increment(error);
            return;
        }
        final long source = ethernet.source();
        if (MacAddress.isMulticast(source))
        {
            drops.increment(DropReason.BAD_SOURCE_MAC);
            return;
        }
        learn(source, ingress, nowNanos);

        final long destination = ethernet.destination();
        if (hook != null)
        {
            hook.onSwitch(ingressPort, destination, buffer, offset, length, nowNanos);
        }
        if (!MacAddress.isMulticast(destination))
        {
            final Entry entry = fdb.get(destination);
            if (entry != null && (entry.permanent || nowNanos - entry.lastSeen <= agingNanos))
            {
                if (entry.port == ingress)
                {
                    drops.increment(DropReason.SAME_PORT);
                    return;
                }
                forwarded.lazySet(forwarded.get() + 1);
                if (tracer.active())
                {
                    tracer.hop("bridge", "forwarded", "to port " + entry.port.name() + " (from port " + ingress.name() +
                        "): FDB entry " + MacAddress.format(destination) + " on " + entry.port.name() +
                        (entry.permanent ? ", permanent" : ", learned " + (nowNanos - entry.lastSeen) / 1_000_000 + " ms ago"),
                        buffer, offset, length);
                }
                deliver(entry.port, buffer, offset, length, nowNanos);
                return;
            }
        }
        flooded.lazySet(flooded.get() + 1);
        if (tracer.active())
        {
            tracer.hop("bridge", "flooded", "to every port but " + ingress.name() + " (" + (portList.length - 1) + "): " +
                (MacAddress.isMulticast(destination) ? "a broadcast or multicast destination" :
                    "no FDB entry for " + MacAddress.format(destination)), buffer, offset, length);
        }
        for (final BridgePort port : portList)
        {
            if (port != ingress)
            {
                deliver(port, buffer, offset, length, nowNanos);
            }
        }
    }

    private void deliver(
        final BridgePort port, final MutableDirectBuffer buffer, final int offset, final int length, final long nowNanos)
    {
        for (final FrameTap tap : taps)
        {
            tap.onFrame(port.name(), false, buffer, offset, length);
        }
        port.deliver(buffer, offset, length, nowNanos);
    }

    private Entry learn(final long mac, final BridgePort port, final long nowNanos)
    {
        Entry entry = fdb.get(mac);
        if (entry == null)
        {
            if (poolSize == 0)
            {
                return null;
            }
            entry = pool[--poolSize];
            entry.mac = mac;
            entry.permanent = false;
            fdb.put(mac, entry);
        }
        entry.port = port;
        entry.lastSeen = nowNanos;
        return entry;
    }

    /** Forgets entries older than the ageing time. */
    void age(final long nowNanos)
    {
        for (final Iterator<Entry> it = fdb.values().iterator(); it.hasNext(); )
        {
            final Entry entry = it.next();
            if (!entry.permanent && nowNanos - entry.lastSeen > agingNanos)
            {
                it.remove();
                pool[poolSize++] = entry;
            }
        }
    }

    List<FdbEntry> snapshot(final long nowNanos)
    {
        final List<FdbEntry> result = new ArrayList<>(fdb.size());
        for (final Entry entry : fdb.values())
        {
            if (entry.permanent || nowNanos - entry.lastSeen <= agingNanos)
            {
                result.add(new FdbEntry(entry.mac, entry.port.name(), entry.permanent, entry.permanent ? 0 : nowNanos - entry.lastSeen));
            }
        }
        return result;
    }
}
