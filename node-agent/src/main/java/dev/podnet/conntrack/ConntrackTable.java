package dev.podnet.conntrack;

import dev.podnet.packet.Ipv4Flyweight;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A node's connection tracking table, in the manner of Linux's nf_conntrack: each connection is one
 * entry holding the tuple of its original direction and the tuple its replies carry, found by either.
 * NAT is the difference between the two: a packet of one direction leaves with the mirror image of
 * the other direction's tuple (so a reply to a DNATed connection goes back with the ClusterIP as its
 * source, without a second lookup structure).
 * <p>
 * Guarantees and costs:
 * <ul>
 *   <li><b>Bounded.</b> At most {@code capacity} entries, in arrays made at start; tuples are packed
 *       into primitives (addresses as ints, the two ports in one int); two open-addressing indexes
 *       (original, reply) with linear probing and backward-shift deletion. Lookup, insert, refresh and
 *       delete allocate nothing.</li>
 *   <li><b>Timeouts as nf_conntrack has them</b> ({@link ConntrackTimeouts}): UDP 30 s unreplied, 120 s
 *       once replies went on for 2 s (then ASSURED); ICMP 30 s; TCP with kube-proxy's values. Expired
 *       entries are removed when met by a lookup and by {@link #expire} sweeping a few slots each tick
 *       (Linux's gc worker).</li>
 *   <li><b>Full table.</b> As Linux's early drop: expired entries are reaped, then the non-ASSURED
 *       entry closest to expiry among a few looked at is evicted (counted); if every one looked at is
 *       ASSURED the new connection is refused (counted as insert failed; the packet is dropped).</li>
 * </ul>
 * Single-threaded (the data-plane thread); the counters may be read from any thread.
 */
public final class ConntrackTable
{
    public static final int ORIGINAL = 0;
    public static final int REPLY = 1;
    /** Returned by {@link #lookup} when nothing matches. */
    public static final long NONE = -1L;
    public static final int DEFAULT_CAPACITY = 65_536;

    private static final int IN_USE = 1;
    private static final int SEEN_REPLY = 2;
    private static final int ASSURED = 4;
    /** TCP: a FIN was seen in the original direction, in the reply direction, or an RST in either. */
    private static final int FIN_ORIGINAL = 8;
    private static final int FIN_REPLY = 16;
    private static final int RESET = 32;
    private static final int TCP_FIN = 0x01;
    private static final int TCP_RST = 0x04;
    /** nf_conntrack_tcp_timeout_close: what is left of a connection after an RST. */
    private static final long TCP_CLOSE_NANOS = 10_000_000_000L;
    private static final int EARLY_DROP_SCAN = 16;

    /** Counter names, by index: see {@link #counter(int)}. */
    public static final String[] COUNTERS = {"inserted", "deleted", "expired", "early-drop", "insert-failed", "flushed"};
    private static final int C_INSERTED = 0;
    private static final int C_DELETED = 1;
    private static final int C_EXPIRED = 2;
    private static final int C_EARLY_DROP = 3;
    private static final int C_INSERT_FAILED = 4;
    private static final int C_FLUSHED = 5;

    private final int capacity;
    private final ConntrackTimeouts timeouts;
    private final long udpStreamAfterNanos;
    private final int[] originalSource;
    private final int[] originalDestination;
    private final int[] originalPorts;
    private final int[] replySource;
    private final int[] replyDestination;
    private final int[] replyPorts;
    private final byte[] protocol;
    private final int[] status;
    private final long[] expiresAt;
    private final long[] streamAt;
    private final long[] originalPackets;
    private final long[] originalBytes;
    private final long[] replyPackets;
    private final long[] replyBytes;
    private final int[] nextFree;
    private final int[] originalIndex;
    private final int[] replyIndex;
    private final int mask;
    private final AtomicLongArray counters = new AtomicLongArray(COUNTERS.length);
    private int freeHead;
    private int size;
    private int sweepCursor;
    private volatile int published;

    public ConntrackTable(final int capacity, final ConntrackTimeouts timeouts)
    {
        if (capacity < 16 || capacity > 1 << 22)
        {
            throw new IllegalArgumentException("conntrack capacity " + capacity + " outside 16..4194304");
        }
        this.capacity = capacity;
        this.timeouts = timeouts;
        this.udpStreamAfterNanos = ConntrackTimeouts.UDP_STREAM_AFTER.toNanos();
        originalSource = new int[capacity];
        originalDestination = new int[capacity];
        originalPorts = new int[capacity];
        replySource = new int[capacity];
        replyDestination = new int[capacity];
        replyPorts = new int[capacity];
        protocol = new byte[capacity];
        status = new int[capacity];
        expiresAt = new long[capacity];
        streamAt = new long[capacity];
        originalPackets = new long[capacity];
        originalBytes = new long[capacity];
        replyPackets = new long[capacity];
        replyBytes = new long[capacity];
        nextFree = new int[capacity];
        for (int i = 0; i < capacity; i++)
        {
            nextFree[i] = i + 1;
        }
        nextFree[capacity - 1] = -1;
        final int slots = Integer.highestOneBit(capacity * 2 - 1) << 1;
        originalIndex = new int[slots];
        replyIndex = new int[slots];
        mask = slots - 1;
    }

    public int capacity()
    {
        return capacity;
    }

    /** Entries in use (expired ones not yet swept included). Any thread. */
    public int size()
    {
        return published;
    }

    public long counter(final int index)
    {
        return counters.get(index);
    }

    private void increment(final int index)
    {
        counters.lazySet(index, counters.get(index) + 1);
    }

    private static int ports(final int sourcePort, final int destinationPort)
    {
        return (sourcePort & 0xFFFF) << 16 | (destinationPort & 0xFFFF);
    }

    private int slot(final int proto, final int source, final int destination, final int ports)
    {
        long h = ((long)source << 32 | (destination & 0xFFFF_FFFFL)) * 0x9E37_79B9_7F4A_7C15L;
        h ^= ((long)ports << 8 | proto) * 0xC2B2_AE3D_27D4_EB4FL;
        h ^= h >>> 29;
        h *= 0xBF58_476D_1CE4_E5B9L;
        return (int)(h ^ h >>> 32) & mask;
    }

    /**
     * The connection a packet belongs to, and in which direction.
     *
     * @return {@code entry << 1 | direction}, or {@link #NONE}; an expired entry met here is removed
     */
    public long lookup(final int proto, final int source, final int sourcePort, final int destination, final int destinationPort,
        final long nowNanos)
    {
        final int ports = ports(sourcePort, destinationPort);
        int entry = find(originalIndex, ORIGINAL, proto, source, destination, ports);
        int direction = ORIGINAL;
        if (entry < 0)
        {
            entry = find(replyIndex, REPLY, proto, source, destination, ports);
            direction = REPLY;
        }
        if (entry < 0)
        {
            return NONE;
        }
        if (nowNanos - expiresAt[entry] >= 0)
        {
            increment(C_EXPIRED);
            delete(entry);
            return NONE;
        }
        return (long)entry << 1 | direction;
    }

    /** Whether a live connection's reply tuple is this one (a NAT choice must not collide with it). */
    public boolean replyTupleTaken(final int proto, final int source, final int sourcePort, final int destination,
        final int destinationPort, final long nowNanos)
    {
        final int entry = find(replyIndex, REPLY, proto, source, destination, ports(sourcePort, destinationPort));
        if (entry >= 0 && nowNanos - expiresAt[entry] >= 0)
        {
            increment(C_EXPIRED);
            delete(entry);
            return false;
        }
        return entry >= 0;
    }

    private int find(final int[] index, final int direction, final int proto, final int source, final int destination, final int ports)
    {
        int slot = slot(proto, source, destination, ports);
        while (true)
        {
            final int value = index[slot];
            if (value == 0)
            {
                return -1;
            }
            final int entry = value - 1;
            if (protocol[entry] == (byte)proto && matches(entry, direction, source, destination, ports))
            {
                return entry;
            }
            slot = (slot + 1) & mask;
        }
    }

    private boolean matches(final int entry, final int direction, final int source, final int destination, final int ports)
    {
        return direction == ORIGINAL ?
            originalSource[entry] == source && originalDestination[entry] == destination && originalPorts[entry] == ports :
            replySource[entry] == source && replyDestination[entry] == destination && replyPorts[entry] == ports;
    }

    /**
     * Tracks a new connection: its original tuple, and the tuple its replies will carry (after NAT).
     *
     * @return the entry, or -1 when the table is full of connections that may not be evicted, or either
     *     tuple is taken (counted as insert failed)
     */
    public int create(
        final int proto,
        final int source, final int sourcePort, final int destination, final int destinationPort,
        final int replyFrom, final int replyFromPort, final int replyTo, final int replyToPort,
        final long nowNanos)
    {
        final int oPorts = ports(sourcePort, destinationPort);
        final int rPorts = ports(replyFromPort, replyToPort);
        if (find(originalIndex, ORIGINAL, proto, source, destination, oPorts) >= 0 ||
            find(replyIndex, REPLY, proto, replyFrom, replyTo, rPorts) >= 0)
        {
            increment(C_INSERT_FAILED);
            return -1;
        }
        if (freeHead < 0 && !makeRoom(nowNanos))
        {
            increment(C_INSERT_FAILED);
            return -1;
        }
        final int entry = freeHead;
        freeHead = nextFree[entry];
        protocol[entry] = (byte)proto;
        originalSource[entry] = source;
        originalDestination[entry] = destination;
        originalPorts[entry] = oPorts;
        replySource[entry] = replyFrom;
        replyDestination[entry] = replyTo;
        replyPorts[entry] = rPorts;
        status[entry] = IN_USE;
        streamAt[entry] = nowNanos + udpStreamAfterNanos;
        expiresAt[entry] = nowNanos + firstTimeout(proto);
        originalPackets[entry] = 0;
        originalBytes[entry] = 0;
        replyPackets[entry] = 0;
        replyBytes[entry] = 0;
        insert(originalIndex, entry, slot(proto, source, destination, oPorts));
        insert(replyIndex, entry, slot(proto, replyFrom, replyTo, rPorts));
        size++;
        published = size;
        increment(C_INSERTED);
        return entry;
    }

    private long firstTimeout(final int proto)
    {
        switch (proto)
        {
            case Ipv4Flyweight.PROTOCOL_UDP:
                return timeouts.udpUnreplied().toNanos();
            case Ipv4Flyweight.PROTOCOL_ICMP:
                return timeouts.icmp().toNanos();
            default:
                return timeouts.tcpSynSent().toNanos();
        }
    }

    /** Counts a packet of {@code bytes} in {@code direction} and pushes the entry's timeout out as its protocol and state say. */
    public void refresh(final int entry, final int direction, final int bytes, final long nowNanos)
    {
        refresh(entry, direction, bytes, 0, nowNanos);
    }

    /**
     * As {@link #refresh(int, int, int, long)}, for a TCP segment with {@code tcpFlags} (its header's flags byte; 0 for
     * a later fragment): a FIN in one direction leaves the connection in CLOSE_WAIT's timeout, FINs both ways in
     * TIME_WAIT's, an RST in CLOSE's (10 s), as nf_conntrack's TCP state machine times them.
     */
    public void refresh(final int entry, final int direction, final int bytes, final int tcpFlags, final long nowNanos)
    {
        if (direction == ORIGINAL)
        {
            originalPackets[entry]++;
            originalBytes[entry] += bytes;
        }
        else
        {
            replyPackets[entry]++;
            replyBytes[entry] += bytes;
            status[entry] |= SEEN_REPLY;
        }
        final boolean replied = (status[entry] & SEEN_REPLY) != 0;
        final long timeout;
        switch (protocol[entry])
        {
            case Ipv4Flyweight.PROTOCOL_UDP:
                if (replied && nowNanos - streamAt[entry] >= 0)
                {
                    status[entry] |= ASSURED;
                    timeout = timeouts.udpStream().toNanos();
                }
                else
                {
                    timeout = timeouts.udpUnreplied().toNanos();
                }
                break;
            case Ipv4Flyweight.PROTOCOL_ICMP:
                timeout = timeouts.icmp().toNanos();
                break;
            default:
                if (replied)
                {
                    status[entry] |= ASSURED;
                }
                if ((tcpFlags & TCP_RST) != 0)
                {
                    status[entry] |= RESET;
                }
                if ((tcpFlags & TCP_FIN) != 0)
                {
                    status[entry] |= direction == ORIGINAL ? FIN_ORIGINAL : FIN_REPLY;
                }
                timeout = tcpTimeout(status[entry]);
                break;
        }
        expiresAt[entry] = nowNanos + timeout;
    }

    private long tcpTimeout(final int state)
    {
        if ((state & RESET) != 0)
        {
            return TCP_CLOSE_NANOS;
        }
        if ((state & (FIN_ORIGINAL | FIN_REPLY)) == (FIN_ORIGINAL | FIN_REPLY))
        {
            return timeouts.tcpTimeWait().toNanos();
        }
        if ((state & (FIN_ORIGINAL | FIN_REPLY)) != 0)
        {
            return timeouts.tcpCloseWait().toNanos();
        }
        return (state & SEEN_REPLY) != 0 ? timeouts.tcpEstablished().toNanos() : timeouts.tcpSynSent().toNanos();
    }

    /** What {@code conntrack -L} calls a TCP connection's state; empty for other protocols. */
    private String tcpStateName(final int entry)
    {
        if (protocol[entry] != (byte)Ipv4Flyweight.PROTOCOL_TCP)
        {
            return "";
        }
        final int state = status[entry];
        if ((state & RESET) != 0)
        {
            return "CLOSE";
        }
        if ((state & (FIN_ORIGINAL | FIN_REPLY)) == (FIN_ORIGINAL | FIN_REPLY))
        {
            return "TIME_WAIT";
        }
        if ((state & (FIN_ORIGINAL | FIN_REPLY)) != 0)
        {
            return "CLOSE_WAIT";
        }
        return (state & SEEN_REPLY) != 0 ? "ESTABLISHED" : "SYN_SENT";
    }

    // ---------------------------------------------------------------- what NAT makes of a packet

    /** The source a packet of {@code direction} leaves with: the mirror of the other direction's tuple. */
    public int translatedSource(final int entry, final int direction)
    {
        return direction == ORIGINAL ? replyDestination[entry] : originalDestination[entry];
    }

    public int translatedDestination(final int entry, final int direction)
    {
        return direction == ORIGINAL ? replySource[entry] : originalSource[entry];
    }

    public int translatedSourcePort(final int entry, final int direction)
    {
        return (direction == ORIGINAL ? replyPorts[entry] : originalPorts[entry]) & 0xFFFF;
    }

    public int translatedDestinationPort(final int entry, final int direction)
    {
        return (direction == ORIGINAL ? replyPorts[entry] : originalPorts[entry]) >>> 16;
    }

    public int originalDestination(final int entry)
    {
        return originalDestination[entry];
    }

    public int originalDestinationPort(final int entry)
    {
        return originalPorts[entry] & 0xFFFF;
    }

    public int replySource(final int entry)
    {
        return replySource[entry];
    }

    public boolean assured(final int entry)
    {
        return (status[entry] & ASSURED) != 0;
    }

    // ---------------------------------------------------------------- removal

    /**
     * Removes the connections of {@code proto} to {@code clusterIp:port} that were translated to
     * {@code endpoint} (0: to any endpoint): kube-proxy's {@code conntrack -D -p udp --orig-dst CLUSTER_IP
     * --dst-nat ENDPOINT} when an endpoint goes away, so no UDP flow keeps sending into the void.
     *
     * @return how many were removed
     */
    public int flush(final int proto, final int clusterIp, final int port, final int endpoint)
    {
        int removed = 0;
        for (int entry = 0; entry < capacity; entry++)
        {
            if ((status[entry] & IN_USE) != 0 && protocol[entry] == (byte)proto && originalDestination[entry] == clusterIp &&
                (originalPorts[entry] & 0xFFFF) == port && (endpoint == 0 || replySource[entry] == endpoint))
            {
                delete(entry);
                removed++;
            }
        }
        counters.lazySet(C_FLUSHED, counters.get(C_FLUSHED) + removed);
        return removed;
    }

    /** Sweeps {@code budget} slots for expired entries (call every tick); returns how many it removed. */
    public int expire(final long nowNanos, final int budget)
    {
        int removed = 0;
        for (int i = 0; i < budget && size > 0; i++)
        {
            final int entry = sweepCursor;
            sweepCursor = sweepCursor + 1 == capacity ? 0 : sweepCursor + 1;
            if ((status[entry] & IN_USE) != 0 && nowNanos - expiresAt[entry] >= 0)
            {
                increment(C_EXPIRED);
                delete(entry);
                removed++;
            }
        }
        return removed;
    }

    /** Early drop: reap what expired, else evict the non-ASSURED entry nearest its end among a few. */
    private boolean makeRoom(final long nowNanos)
    {
        if (expire(nowNanos, 64) > 0)
        {
            return true;
        }
        int victim = -1;
        for (int i = 0; i < EARLY_DROP_SCAN; i++)
        {
            final int entry = (sweepCursor + i) % capacity;
            if ((status[entry] & (IN_USE | ASSURED)) == IN_USE && (victim < 0 || expiresAt[entry] - expiresAt[victim] < 0))
            {
                victim = entry;
            }
        }
        sweepCursor = (sweepCursor + EARLY_DROP_SCAN) % capacity;
        if (victim < 0)
        {
            return false;
        }
        increment(C_EARLY_DROP);
        delete(victim);
        return true;
    }

    /** Removes an entry from both indexes and frees it. */
    public void delete(final int entry)
    {
        final int proto = protocol[entry] & 0xFF;
        remove(originalIndex, ORIGINAL, entry, slot(proto, originalSource[entry], originalDestination[entry], originalPorts[entry]));
        remove(replyIndex, REPLY, entry, slot(proto, replySource[entry], replyDestination[entry], replyPorts[entry]));
        status[entry] = 0;
        nextFree[entry] = freeHead;
        freeHead = entry;
        size--;
        published = size;
        increment(C_DELETED);
    }

    private void insert(final int[] index, final int entry, final int home)
    {
        int slot = home;
        while (index[slot] != 0)
        {
            slot = (slot + 1) & mask;
        }
        index[slot] = entry + 1;
    }

    /** Backward-shift deletion: no tombstones, so probes stay short however long the node runs. */
    private void remove(final int[] index, final int direction, final int entry, final int home)
    {
        int hole = home;
        while (index[hole] != entry + 1)
        {
            hole = (hole + 1) & mask;
        }
        index[hole] = 0;
        int next = (hole + 1) & mask;
        while (index[next] != 0)
        {
            final int moving = index[next] - 1;
            final int movingHome = homeOf(moving, direction);
            // move it into the hole unless its home lies cyclically in (hole, next]
            final boolean homeBetween = hole <= next ? movingHome > hole && movingHome <= next : movingHome > hole || movingHome <= next;
            if (!homeBetween)
            {
                index[hole] = index[next];
                index[next] = 0;
                hole = next;
            }
            next = (next + 1) & mask;
        }
    }

    private int homeOf(final int entry, final int direction)
    {
        final int proto = protocol[entry] & 0xFF;
        return direction == ORIGINAL ?
            slot(proto, originalSource[entry], originalDestination[entry], originalPorts[entry]) :
            slot(proto, replySource[entry], replyDestination[entry], replyPorts[entry]);
    }

    /** Names the Service port behind a connection's original destination, for {@link #snapshot}. */
    @FunctionalInterface
    public interface ServiceNamer
    {
        /** {@code ns/name:port} of the Service port at {@code ip:port}, or "" */
        String name(int proto, int ip, int port);
    }

    /** The live connections (data-plane thread; allocates: for the API). */
    public List<ConntrackEntry> snapshot(final long nowNanos, final ServiceNamer namer)
    {
        final List<ConntrackEntry> result = new ArrayList<>(size);
        for (int entry = 0; entry < capacity; entry++)
        {
            if ((status[entry] & IN_USE) == 0 || nowNanos - expiresAt[entry] >= 0)
            {
                continue;
            }
            final int proto = protocol[entry] & 0xFF;
            result.add(new ConntrackEntry(proto, Math.max(0, (expiresAt[entry] - nowNanos) / 1_000_000_000L),
                (status[entry] & ASSURED) != 0, (status[entry] & SEEN_REPLY) != 0,
                originalSource[entry], originalDestination[entry], originalPorts[entry] >>> 16, originalPorts[entry] & 0xFFFF,
                replySource[entry], replyDestination[entry], replyPorts[entry] >>> 16, replyPorts[entry] & 0xFFFF,
                originalPackets[entry], originalBytes[entry], replyPackets[entry], replyBytes[entry],
                namer.name(proto, originalDestination[entry], originalPorts[entry] & 0xFFFF), tcpStateName(entry)));
        }
        return result;
    }
}
