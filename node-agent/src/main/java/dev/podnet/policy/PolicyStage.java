package dev.podnet.policy;

import dev.podnet.conntrack.ConntrackTable;
import dev.podnet.conntrack.QuotedPacket;
import dev.podnet.packet.IcmpFlyweight;
import dev.podnet.packet.Ipv4Flyweight;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * NetworkPolicy enforcement on one node, as a stage of the data-plane pipeline: after the Service
 * stage (so Service traffic is judged after DNAT, by its endpoint pod), before routing or switching.
 * Denied packets are dropped, never rejected (Calico's and Cilium's default), and counted per
 * isolating policies and direction.
 * <p>
 * Connection tracking is the node's one table ({@link ConntrackTable}), shared with the Service stage:
 * <ul>
 *   <li>a packet of a tracked connection passes when the connection is ESTABLISHED (a reply was seen) or
 *       policy allowed it before — so replies pass, and a connection allowed once keeps going after a
 *       policy change until its entry times out (as on Calico, whose chains accept
 *       {@code ctstate RELATED,ESTABLISHED} first);</li>
 *   <li>a tracked connection policy has not judged — one the Service stage has just translated — is judged
 *       as its original direction after DNAT (client to endpoint, the endpoint's port); denied, the packet
 *       is dropped and the entry deleted (Linux discards the unconfirmed entry of a dropped packet);</li>
 *   <li>anything else is a new connection: judged by the {@link PolicyTable}; allowed, it is tracked
 *       (original tuple and its mirror), marked allowed, and passes.</li>
 * </ul>
 * Packets are looked up by their mirror image: after the Service stage a packet of either direction is
 * the mirror of the other direction's tuple, for translated and untranslated connections alike. ICMP
 * echo is tracked by its identifier; an ICMP error passes when the packet it quotes belongs to a tracked
 * connection (RELATED), else it is judged like any packet without ports. Later fragments follow their
 * first fragment's verdict (Linux reassembles before conntrack; podnet remembers a few datagrams).
 * Traffic from or to the node's own addresses (its gateway and tunnel addresses) is never judged: in
 * Kubernetes traffic from the node to its pods is always allowed. When no pod of the node is isolated,
 * nothing is judged or tracked.
 * <p>
 * Single-threaded (the data-plane thread); nothing here allocates per packet. Counters may be read from
 * any thread.
 */
public final class PolicyStage
{
    public static final int PASS = 0;
    /** Denied by policy: drop it silently. */
    public static final int DROP = 1;
    public static final int INGRESS = 0;
    public static final int EGRESS = 1;
    public static final String[] DIRECTIONS = {"ingress", "egress"};

    /** Counter names, by index: see {@link #counter(int)}. */
    public static final String[] COUNTERS = {"allowed-new", "established", "related-icmp", "denied-ingress", "denied-egress",
        "untracked"};
    private static final int C_ALLOWED = 0;
    private static final int C_ESTABLISHED = 1;
    private static final int C_RELATED = 2;
    private static final int C_DENIED_INGRESS = 3;
    private static final int C_DENIED_EGRESS = 4;
    private static final int C_UNTRACKED = 5;

    private static final int TCP = Ipv4Flyweight.PROTOCOL_TCP;
    private static final int UDP = Ipv4Flyweight.PROTOCOL_UDP;
    private static final int ICMP = Ipv4Flyweight.PROTOCOL_ICMP;
    private static final int FRAGMENTS = 64;
    private static final long FRAGMENT_LIFETIME_NANOS = 30_000_000_000L;

    private final ConntrackTable conntrack;
    private final int nodeAddress;
    private final int tunnelAddress;
    private final AtomicLongArray counters = new AtomicLongArray(COUNTERS.length);
    /** Denied packets by the isolating policies' label, [ingress, egress]; entries made at install, never per packet. */
    private final ConcurrentHashMap<String, AtomicLongArray> denied = new ConcurrentHashMap<>();
    private final QuotedPacket quoted = new QuotedPacket();
    private PolicyTable table = PolicyTable.empty();

    // first fragments that passed: (source, destination, id << 8 | protocol) until they expire
    private final int[] fragmentSource = new int[FRAGMENTS];
    private final int[] fragmentDestination = new int[FRAGMENTS];
    private final int[] fragmentKey = new int[FRAGMENTS];
    private final long[] fragmentExpires = new long[FRAGMENTS];
    private int nextFragment;

    /**
     * @param conntrack     the node's connection-tracking table (the Service stage's)
     * @param nodeAddress   the node's bridge address (gateway {@code .1})
     * @param tunnelAddress the node's tunnel address ({@code .0})
     */
    public PolicyStage(final ConntrackTable conntrack, final int nodeAddress, final int tunnelAddress)
    {
        this.conntrack = conntrack;
        this.nodeAddress = nodeAddress;
        this.tunnelAddress = tunnelAddress;
        for (int i = 0; i < FRAGMENTS; i++)
        {
            fragmentExpires[i] = Long.MIN_VALUE;
        }
    }

    public PolicyTable table()
    {
        return table;
    }

    /** Swaps in a new table: new connections are judged by it from the next packet on. */
    public void install(final PolicyTable next)
    {
        for (final PolicyTable.Subject subject : next.subjects())
        {
            if (subject.ingress() != null)
            {
                denied.computeIfAbsent(subject.ingress().policies(), label -> new AtomicLongArray(2));
            }
            if (subject.egress() != null)
            {
                denied.computeIfAbsent(subject.egress().policies(), label -> new AtomicLongArray(2));
            }
        }
        table = next;
    }

    public long counter(final int index)
    {
        return counters.get(index);
    }

    /** Denied packets by isolating policies ({@code ns/name,...}) and direction: {@code [ingress, egress]}. Any thread. */
    public Map<String, long[]> deniedByPolicy()
    {
        final Map<String, long[]> result = new LinkedHashMap<>();
        denied.forEach((label, counts) ->
        {
            if (counts.get(0) != 0 || counts.get(1) != 0)
            {
                result.put(label, new long[] {counts.get(0), counts.get(1)});
            }
        });
        return result;
    }

    private void increment(final int index)
    {
        counters.lazySet(index, counters.get(index) + 1);
    }

    /** Judges a packet (after the Service stage); {@link #PASS} or {@link #DROP}. */
    public int judge(final Ipv4Flyweight ipv4, final long nowNanos)
    {
        if (!table.anyIsolated())
        {
            return PASS;
        }
        final int source = ipv4.source();
        final int destination = ipv4.destination();
        if (source == destination || source == nodeAddress || source == tunnelAddress || destination == nodeAddress ||
            destination == tunnelAddress)
        {
            return PASS;
        }
        final int protocol = ipv4.protocol();
        if (ipv4.fragmentOffset() != 0)
        {
            return followsPassedFragment(source, destination, ipv4.identification() << 8 | protocol, nowNanos) ? PASS :
                deny(table.judge(source, destination, protocol, 0), source, destination);
        }
        final MutableDirectBuffer buffer = ipv4.buffer();
        final int l4 = ipv4.payloadOffset();
        int sourcePort = 0;
        int destinationPort = 0;
        int tcpFlags = 0;
        if (protocol == TCP || protocol == UDP)
        {
            if (ipv4.payloadLength() < 4)
            {
                return deny(table.judge(source, destination, protocol, 0), source, destination);
            }
            sourcePort = buffer.getShort(l4, ByteOrder.BIG_ENDIAN) & 0xFFFF;
            destinationPort = buffer.getShort(l4 + 2, ByteOrder.BIG_ENDIAN) & 0xFFFF;
            if (protocol == TCP && ipv4.payloadLength() >= 14)
            {
                tcpFlags = buffer.getByte(l4 + 13) & 0xFF; // conntrack follows the connection's close
            }
        }
        else if (protocol == ICMP && ipv4.payloadLength() >= IcmpFlyweight.HEADER_LENGTH)
        {
            final int type = buffer.getByte(l4) & 0xFF;
            if (type == IcmpFlyweight.TYPE_ECHO_REQUEST || type == IcmpFlyweight.TYPE_ECHO_REPLY)
            {
                sourcePort = buffer.getShort(l4 + 4, ByteOrder.BIG_ENDIAN) & 0xFFFF; // the identifier, both ways
                destinationPort = sourcePort;
            }
            else if (related(ipv4, nowNanos))
            {
                increment(C_RELATED);
                return PASS;
            }
        }
        final int verdict = track(protocol, source, sourcePort, destination, destinationPort, ipv4.totalLength(), tcpFlags, nowNanos);
        if (verdict == PASS && ipv4.moreFragments())
        {
            rememberFragment(source, destination, ipv4.identification() << 8 | protocol, nowNanos);
        }
        return verdict;
    }

    private int track(final int protocol, final int source, final int sourcePort, final int destination, final int destinationPort,
        final int bytes, final int tcpFlags, final long nowNanos)
    {
        final long found = conntrack.lookup(protocol, destination, destinationPort, source, sourcePort, nowNanos);
        if (found != ConntrackTable.NONE)
        {
            final int entry = (int)(found >>> 1);
            // the mirror was found in the original index: this packet is a reply
            final int direction = (int)(found & 1) == ConntrackTable.ORIGINAL ? ConntrackTable.REPLY : ConntrackTable.ORIGINAL;
            final boolean natted = conntrack.natted(entry);
            if (conntrack.policyAllowed(entry) || conntrack.replied(entry))
            {
                if (!natted)
                {
                    conntrack.refresh(entry, direction, bytes, tcpFlags, nowNanos); // a translated one the Service stage refreshed
                }
                increment(C_ESTABLISHED);
                return PASS;
            }
            final int client = conntrack.originalSource(entry);
            final int server = conntrack.replySource(entry);
            final int verdict = table.judge(client, server, protocol, conntrack.replySourcePort(entry));
            if (verdict != PolicyTable.ALLOWED)
            {
                conntrack.delete(entry);
                return deny(verdict, client, server);
            }
            conntrack.allowByPolicy(entry);
            if (!natted)
            {
                conntrack.refresh(entry, direction, bytes, tcpFlags, nowNanos);
            }
            increment(C_ALLOWED);
            return PASS;
        }
        final int verdict = table.judge(source, destination, protocol, destinationPort);
        if (verdict != PolicyTable.ALLOWED)
        {
            return deny(verdict, source, destination);
        }
        final int entry = conntrack.create(protocol, source, sourcePort, destination, destinationPort, destination, destinationPort,
            source, sourcePort, nowNanos);
        if (entry < 0)
        {
            increment(C_UNTRACKED); // the table is full: the packet passes, its replies will be judged on their own
        }
        else
        {
            conntrack.allowByPolicy(entry);
            conntrack.refresh(entry, ConntrackTable.ORIGINAL, bytes, tcpFlags, nowNanos);
        }
        increment(C_ALLOWED);
        return PASS;
    }

    /** Counts a denial against the policies that isolate the side that denied; {@link #DROP} (or PASS when allowed). */
    private int deny(final int verdict, final int source, final int destination)
    {
        if (verdict == PolicyTable.ALLOWED)
        {
            return PASS;
        }
        final boolean ingress = verdict == PolicyTable.DENIED_INGRESS;
        increment(ingress ? C_DENIED_INGRESS : C_DENIED_EGRESS);
        final PolicyTable.Subject subject = table.subject(ingress ? destination : source);
        final PolicyTable.Direction direction = subject == null ? null : ingress ? subject.ingress() : subject.egress();
        final AtomicLongArray counts = direction == null ? null : denied.get(direction.policies());
        if (counts != null)
        {
            final int index = ingress ? INGRESS : EGRESS;
            counts.lazySet(index, counts.get(index) + 1);
        }
        return DROP;
    }

    /** An ICMP error about a tracked connection (either way round): RELATED. */
    private boolean related(final Ipv4Flyweight ipv4, final long nowNanos)
    {
        if (!quoted.wrap(ipv4))
        {
            return false;
        }
        final Ipv4Flyweight inner = quoted.inner();
        return conntrack.lookup(inner.protocol(), inner.source(), quoted.sourcePort(), inner.destination(), quoted.destinationPort(),
            nowNanos) != ConntrackTable.NONE ||
            conntrack.lookup(inner.protocol(), inner.destination(), quoted.destinationPort(), inner.source(), quoted.sourcePort(),
            nowNanos) != ConntrackTable.NONE;
    }

    private void rememberFragment(final int source, final int destination, final int key, final long nowNanos)
    {
        final int slot = nextFragment;
        nextFragment = (nextFragment + 1) % FRAGMENTS;
        fragmentSource[slot] = source;
        fragmentDestination[slot] = destination;
        fragmentKey[slot] = key;
        fragmentExpires[slot] = nowNanos + FRAGMENT_LIFETIME_NANOS;
    }

    private boolean followsPassedFragment(final int source, final int destination, final int key, final long nowNanos)
    {
        for (int i = 0; i < FRAGMENTS; i++)
        {
            if (fragmentKey[i] == key && fragmentSource[i] == source && fragmentDestination[i] == destination &&
                nowNanos - fragmentExpires[i] < 0)
            {
                return true;
            }
        }
        return false;
    }
}
