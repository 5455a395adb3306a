package dev.podnet.pod;

import org.agrona.BufferUtil;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * A pod's neighbour table: IPv4 address to MAC, learnt by ARP, with Linux-like states.
 * <pre>
 *   (unknown) --send--&gt; INCOMPLETE --reply--&gt; REACHABLE --reachable time--&gt; STALE --stale time--&gt; (gone)
 *                          |  request every retransmit, up to max probes          |  used: refresh request
 *                          +--&gt; (gone): held frames fail with host unreachable    +--reply--&gt; REACHABLE
 * </pre>
 * Frames waiting for a resolution are copied into a fixed pool shared by all neighbours of the pod
 * (the oldest is pushed out when it is full), and leave it in the order they came.
 * <p>
 * Single-threaded, used only by its {@link Pod}. Allocates only when a new neighbour appears.
 */
final class ArpCache
{
    static final long NO_MAC = -1L;

    private static final int INCOMPLETE = 0;
    private static final int REACHABLE = 1;
    private static final int STALE = 2;
    private static final String[] STATE_NAMES = {"INCOMPLETE", "REACHABLE", "STALE"};

    /** What the cache asks its pod to do. */
    interface Actions
    {
        void sendArpRequest(int targetIp);

        void transmitHeld(MutableDirectBuffer frame, int length, long destinationMac);

        void failHeld(MutableDirectBuffer frame, int length, long nowNanos);
    }

    private static final class Entry
    {
        final int ip;
        long mac;
        int state;
        long confirmedAt;
        long nextProbeAt;
        int probes;

        Entry(final int ip)
        {
            this.ip = ip;
        }
    }

    private final Int2ObjectHashMap<Entry> entries = new Int2ObjectHashMap<>();
    private final Actions actions;
    private final long reachableNanos;
    private final long staleNanos;
    private final long retransmitNanos;
    private final int maxProbes;
    private final DropCounters drops;

    private final UnsafeBuffer[] held;
    private final int[] heldLength;
    private final int[] heldNextHop;
    private final long[] heldOrder;
    private long nextOrder = 1;

    ArpCache(final PodSettings settings, final int maxFrameLength, final Actions actions, final DropCounters drops)
    {
        this.actions = actions;
        this.drops = drops;
        this.reachableNanos = settings.arpReachableTime().toNanos();
        this.staleNanos = settings.arpStaleTime().toNanos();
        this.retransmitNanos = settings.arpRetransmit().toNanos();
        this.maxProbes = settings.arpMaxProbes();
        final int slots = settings.arpQueueFrames();
        this.held = new UnsafeBuffer[slots];
        this.heldLength = new int[slots];
        this.heldNextHop = new int[slots];
        this.heldOrder = new long[slots];
        for (int i = 0; i < slots; i++)
        {
            held[i] = new UnsafeBuffer(BufferUtil.allocateDirectAligned(align(maxFrameLength), 64));
        }
    }

    private static int align(final int value)
    {
        return (value + 63) & ~63;
    }

    /**
     * The MAC to send to {@code ip} now, or {@link #NO_MAC}. Using a stale entry asks for a refresh
     * (at most once per retransmit interval) but still answers with the old MAC.
     */
    long resolve(final int ip, final long nowNanos)
    {
        final Entry entry = entries.get(ip);
        if (entry == null || entry.state == INCOMPLETE)
        {
            return NO_MAC;
        }
        if (entry.state == REACHABLE && nowNanos - entry.confirmedAt > reachableNanos)
        {
            entry.state = STALE;
        }
        if (entry.state == STALE && nowNanos >= entry.nextProbeAt)
        {
            entry.nextProbeAt = nowNanos + retransmitNanos;
            actions.sendArpRequest(ip);
        }
        return entry.mac;
    }

    /** Holds a frame for {@code nextHop} until it resolves; starts resolving it if nobody has. */
    void hold(final int nextHop, final DirectBuffer frame, final int length, final long nowNanos)
    {
        int slot = -1;
        long oldest = Long.MAX_VALUE;
        int oldestSlot = 0;
        for (int i = 0; i < held.length; i++)
        {
            if (heldOrder[i] == 0)
            {
                slot = i;
                break;
            }
            if (heldOrder[i] < oldest)
            {
                oldest = heldOrder[i];
                oldestSlot = i;
            }
        }
        if (slot < 0)
        {
            drops.increment(DropReason.ARP_QUEUE_FULL);
            slot = oldestSlot;
        }
        held[slot].putBytes(0, frame, 0, length);
        heldLength[slot] = length;
        heldNextHop[slot] = nextHop;
        heldOrder[slot] = nextOrder++;

        Entry entry = entries.get(nextHop);
        if (entry == null)
        {
            entry = new Entry(nextHop);
            entry.state = INCOMPLETE;
            entry.confirmedAt = nowNanos;
            entries.put(nextHop, entry);
        }
        if (entry.state == INCOMPLETE && entry.probes == 0)
        {
            entry.probes = 1;
            entry.nextProbeAt = nowNanos + retransmitNanos;
            actions.sendArpRequest(nextHop);
        }
    }

    /**
     * Records that {@code ip} is at {@code mac} (an ARP reply, or a request from it). A neighbour we
     * were not asking about is only learnt when {@code create} is set, as Linux learns the sender of
     * a request addressed to it.
     */
    void confirm(final int ip, final long mac, final long nowNanos, final boolean create)
    {
        Entry entry = entries.get(ip);
        if (entry == null)
        {
            if (!create)
            {
                return;
            }
            entry = new Entry(ip);
            entries.put(ip, entry);
        }
        final boolean wasIncomplete = entry.state == INCOMPLETE;
        entry.mac = mac;
        entry.state = REACHABLE;
        entry.confirmedAt = nowNanos;
        entry.probes = 0;
        entry.nextProbeAt = 0;
        if (wasIncomplete)
        {
            release(ip, mac);
        }
    }

    /** Retransmits, gives up on, and ages out entries. */
    void onTimer(final long nowNanos)
    {
        for (final Iterator<Entry> it = entries.values().iterator(); it.hasNext(); )
        {
            final Entry entry = it.next();
            switch (entry.state)
            {
                case INCOMPLETE:
                    if (entry.probes > 0 && nowNanos >= entry.nextProbeAt)
                    {
                        if (entry.probes >= maxProbes)
                        {
                            it.remove();
                            fail(entry.ip, nowNanos);
                        }
                        else
                        {
                            entry.probes++;
                            entry.nextProbeAt = nowNanos + retransmitNanos;
                            actions.sendArpRequest(entry.ip);
                        }
                    }
                    break;

                case REACHABLE:
                    if (nowNanos - entry.confirmedAt > reachableNanos)
                    {
                        entry.state = STALE;
                    }
                    break;

                default:
                    if (nowNanos - entry.confirmedAt > reachableNanos + staleNanos)
                    {
                        it.remove();
                    }
                    break;
            }
        }
    }

    List<ArpEntry> snapshot(final long nowNanos)
    {
        final List<ArpEntry> result = new ArrayList<>(entries.size());
        for (final Entry entry : entries.values())
        {
            int state = entry.state;
            if (state == REACHABLE && nowNanos - entry.confirmedAt > reachableNanos)
            {
                state = STALE;
            }
            result.add(new ArpEntry(
                entry.ip, state == INCOMPLETE ? 0 : entry.mac, STATE_NAMES[state], nowNanos - entry.confirmedAt));
        }
        return result;
    }

    private void release(final int ip, final long mac)
    {
        while (true)
        {
            final int slot = oldestHeldFor(ip);
            if (slot < 0)
            {
                return;
            }
            heldOrder[slot] = 0;
            actions.transmitHeld(held[slot], heldLength[slot], mac);
        }
    }

    private void fail(final int ip, final long nowNanos)
    {
        while (true)
        {
            final int slot = oldestHeldFor(ip);
            if (slot < 0)
            {
                return;
            }
            heldOrder[slot] = 0;
            drops.increment(DropReason.ARP_FAILED);
            actions.failHeld(held[slot], heldLength[slot], nowNanos);
        }
    }

    private int oldestHeldFor(final int ip)
    {
        int slot = -1;
        long oldest = Long.MAX_VALUE;
        for (int i = 0; i < held.length; i++)
        {
            if (heldOrder[i] != 0 && heldNextHop[i] == ip && heldOrder[i] < oldest)
            {
                oldest = heldOrder[i];
                slot = i;
            }
        }
        return slot;
    }
}
