package dev.podnet.service;

import dev.podnet.conntrack.ConntrackEntry;
import dev.podnet.conntrack.ConntrackTable;
import dev.podnet.packet.Checksum;
import dev.podnet.packet.IcmpFlyweight;
import dev.podnet.packet.Ipv4Address;
import dev.podnet.packet.Ipv4Flyweight;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * kube-proxy on one node, as a stage of the data-plane pipeline: Service translation with connection
 * tracking, after anti-spoofing and before routing. Its rules are kube-proxy's iptables mode, its
 * table Linux's nf_conntrack ({@link ConntrackTable}).
 * <p>
 * A packet a local pod sends:
 * <ol>
 *   <li>belonging to a tracked connection (either direction): rewritten as the connection's NAT says
 *       (the mirror of the other direction's tuple), its timeout pushed out;</li>
 *   <li>else, to a ClusterIP and port of a Service with endpoints ({@code KUBE-SVC-*}): one ready
 *       endpoint is chosen — at random, as the {@code statistic} match spreads it; with ClientIP
 *       affinity the one this client used last within the timeout — and the packet's destination is
 *       translated to it (DNAT), the connection tracked. The source stays the client pod's own address
 *       ({@code KUBE-MARK-MASQ} is not set for traffic from the cluster CIDR), except <b>hairpin</b>: a pod
 *       that reaches itself through its Service is masqueraded ({@code KUBE-SEP-*} marks {@code -s ENDPOINT},
 *       {@code KUBE-POSTROUTING} MASQUERADEs) to the address of the interface the packet leaves by, the
 *       node's bridge address (the gateway {@code .1}), as Linux's MASQUERADE picks it;</li>
 *   <li>to a Service port without endpoints: {@link #REJECT} (kube-proxy's {@code REJECT} rule: ICMP port
 *       unreachable, sent by the node);</li>
 *   <li>to anything else in the Service CIDR — an unallocated ClusterIP, a port the Service does not
 *       expose, a ping: {@link #DROP}. kube-proxy has no rule for it, the node routes it out by its
 *       default route, and nobody answers;</li>
 *   <li>to a node address (its gateway or tunnel address) on a Service's node port: DNAT to an endpoint
 *       and masquerade to the node's address ({@code externalTrafficPolicy: Cluster}).</li>
 * </ol>
 * Packets from the tunnel and packets the bridge switches from pod to pod are looked up too (the
 * bridge call is what {@code br_netfilter} does: a reply from an endpoint on the client's own node is
 * switched, not routed, and still translated back). ICMP errors about a tracked connection are
 * translated as Linux treats RELATED packets: the quoted header back to what its receiver sent, the
 * outer destination to the client, and the outer source to the ClusterIP when the endpoint itself
 * answered. Later fragments of a translated datagram follow their first fragment (Linux reassembles
 * before conntrack; podnet remembers the first fragment's translation for a few datagrams instead).
 * <p>
 * When the table is replaced ({@link #install}), UDP connections to endpoints that are no longer
 * endpoints of their Service are flushed, as kube-proxy does with {@code conntrack -D}: without it a
 * client that keeps sending from the same port would keep reaching a pod that is gone (the stale-UDP
 * black hole).
 * <p>
 * What the last call did to its packet ({@link #lastOutcome()}, {@link #describeLast()}) is what a trace reports as the
 * Service stage's hop: the stage reporting on itself, read at its boundary.
 * <p>
 * Single-threaded (the data-plane thread); nothing here allocates per packet.
 */
public final class ServiceStage
{
    /** Carry on routing the packet (possibly rewritten). */
    public static final int PASS = 0;
    /** No rule for it: drop it silently (counted). */
    public static final int DROP = 1;
    /** A Service port without endpoints: answer ICMP port unreachable. */
    public static final int REJECT = 2;
    /** The connection could not be tracked (table full): drop it. */
    public static final int DROP_CONNTRACK_FULL = 3;
    /** A later fragment of a datagram to a ClusterIP whose first fragment was not seen: drop it. */
    public static final int DROP_FRAGMENT = 4;

    private static final int UDP = Ipv4Flyweight.PROTOCOL_UDP;
    private static final int TCP = Ipv4Flyweight.PROTOCOL_TCP;
    private static final int ICMP = Ipv4Flyweight.PROTOCOL_ICMP;
    private static final int EPHEMERAL_FIRST = 32768;
    private static final int EPHEMERAL_COUNT = 60999 - 32768 + 1;
    /** Where a TCP header keeps its flags (RFC 9293 3.1). */
    private static final int TCP_FLAGS_OFFSET = 13;
    private static final int PORT_ATTEMPTS = 32;
    private static final int FRAGMENTS = 64;
    private static final long FRAGMENT_LIFETIME_NANOS = 30_000_000_000L;

    /** What the last call did to its packet: nothing (not a Service's, or dropped: see the verdict). */
    public static final int OUTCOME_NONE = 0;
    /** A new connection: an endpoint chosen, the destination translated (DNAT), the connection tracked. */
    public static final int OUTCOME_NEW = 1;
    /** A packet of a tracked connection in its original direction: translated as the connection's first was. */
    public static final int OUTCOME_ESTABLISHED = 2;
    /** A reply of a tracked connection: its source translated back to the Service address (un-DNAT). */
    public static final int OUTCOME_REPLY = 3;
    /** An ICMP error about a tracked connection (RELATED): translated back, the quoted header too. */
    public static final int OUTCOME_RELATED = 4;
    /** A later fragment of a translated datagram: given its first fragment's addresses. */
    public static final int OUTCOME_FRAGMENT = 5;

    /** Counter names, by index: see {@link #counter(int)}. */
    public static final String[] COUNTERS = {"new-connections", "translated", "rejected", "no-rule", "hairpin", "affinity-hits",
        "flushed", "related-icmp"};
    private static final int C_NEW = 0;
    private static final int C_TRANSLATED = 1;
    private static final int C_REJECTED = 2;
    private static final int C_NO_RULE = 3;
    private static final int C_HAIRPIN = 4;
    private static final int C_AFFINITY = 5;
    private static final int C_FLUSHED = 6;
    private static final int C_RELATED = 7;

    private final ConntrackTable conntrack;
    private final AffinityTable affinity;
    private final int nodeAddress;
    private final int tunnelAddress;
    private final AtomicLongArray counters = new AtomicLongArray(COUNTERS.length);
    private final Ipv4Flyweight inner = new Ipv4Flyweight();
    private final IcmpFlyweight icmp = new IcmpFlyweight();
    private ServiceTable table;
    private long random;

    // later fragments follow their first: (source, destination, id, protocol) -> (new source, new destination)
    private final int[] fragmentSource = new int[FRAGMENTS];
    private final int[] fragmentDestination = new int[FRAGMENTS];
    private final int[] fragmentKey = new int[FRAGMENTS];
    private final int[] fragmentNewSource = new int[FRAGMENTS];
    private final int[] fragmentNewDestination = new int[FRAGMENTS];
    private final long[] fragmentExpires = new long[FRAGMENTS];
    private int nextFragment;

    // what the last call did: read by a trace at the stage's boundary
    private int lastOutcome;
    private int lastEntry;
    private int lastEndpoints;
    private boolean lastAffinity;
    private int lastProtocol;

    /**
     * @param nodeAddress   the node's bridge address (gateway {@code .1}): what hairpin and node-port traffic is masqueraded to
     * @param tunnelAddress the node's tunnel address ({@code .0}), also a node address for node ports
     */
    public ServiceStage(final ConntrackTable conntrack, final ServiceTable table, final int nodeAddress, final int tunnelAddress,
        final int affinityCapacity)
    {
        this.conntrack = conntrack;
        this.table = table;
        this.nodeAddress = nodeAddress;
        this.tunnelAddress = tunnelAddress;
        this.affinity = new AffinityTable(affinityCapacity);
        this.random = System.nanoTime() ^ ((long)nodeAddress << 32) | 1;
    }

    public ServiceTable table()
    {
        return table;
    }

    public ConntrackTable conntrack()
    {
        return conntrack;
    }

    public long counter(final int index)
    {
        return counters.get(index);
    }

    private void increment(final int index)
    {
        counters.lazySet(index, counters.get(index) + 1);
    }

    /** Seeds endpoint choice (tests that want a repeatable sequence). */
    public void seed(final long seed)
    {
        random = seed | 1;
    }

    /**
     * Replaces the Service table, flushing the UDP connections whose endpoint is no longer an endpoint
     * of its Service (or whose Service port is gone).
     *
     * @return how many connections were flushed
     */
    public int install(final ServiceTable next)
    {
        int flushed = 0;
        for (final ServiceTable.Frontend old : table.frontends())
        {
            if (old.protocol() != UDP)
            {
                continue;
            }
            final ServiceTable.Frontend now = next.frontend(old.clusterIp(), UDP, old.port());
            if (now == null)
            {
                flushed += conntrack.flush(UDP, old.clusterIp(), old.port(), 0);
                continue;
            }
            for (int i = 0; i < old.endpointIps().length; i++)
            {
                if (!now.hasEndpoint(old.endpointIps()[i], old.endpointPorts()[i]))
                {
                    flushed += conntrack.flush(UDP, old.clusterIp(), old.port(), old.endpointIps()[i]);
                }
            }
        }
        table = next;
        counters.lazySet(C_FLUSHED, counters.get(C_FLUSHED) + flushed);
        return flushed;
    }

    /** Ages the connection table a little (call once per timer tick). */
    public void onTimer(final long nowNanos)
    {
        conntrack.expire(nowNanos, 64);
    }

    // ---------------------------------------------------------------- the three places packets meet the stage

    /** A packet a local pod sent to the gateway, before it is routed. */
    public int fromPod(final Ipv4Flyweight ipv4, final long nowNanos)
    {
        lastOutcome = OUTCOME_NONE;
        final int destination = ipv4.destination();
        final boolean serviceAddress = table.inServiceCidr(destination);
        final boolean nodeAddressed = destination == nodeAddress || destination == tunnelAddress;
        if (!serviceAddress && !nodeAddressed)
        {
            return PASS;
        }
        final int verdict = translate(ipv4, nowNanos, serviceAddress, nodeAddressed);
        if (verdict == DROP)
        {
            increment(C_NO_RULE);
        }
        return verdict;
    }

    /** A packet that came through the tunnel from another node, before it is routed. */
    public int fromTunnel(final Ipv4Flyweight ipv4, final long nowNanos)
    {
        lastOutcome = OUTCOME_NONE;
        final int destination = ipv4.destination();
        final boolean nodeAddressed = table.hasNodePorts() && (destination == nodeAddress || destination == tunnelAddress);
        if (conntrack.size() == 0 && !nodeAddressed)
        {
            return PASS;
        }
        final int verdict = translate(ipv4, nowNanos, false, nodeAddressed);
        return verdict == DROP ? PASS : verdict;
    }

    /**
     * A frame the bridge switches from one pod to another ({@code br_netfilter}): only tracked
     * connections are translated (a reply from an endpoint to a client on the same node).
     */
    public void bridged(final Ipv4Flyweight ipv4, final long nowNanos)
    {
        lastOutcome = OUTCOME_NONE;
        if (conntrack.size() != 0)
        {
            translate(ipv4, nowNanos, false, false);
        }
    }

    /** An ICMP error this node's router made about the packet it was routing (translated back, if tracked). */
    public void generatedError(final Ipv4Flyweight error, final long nowNanos)
    {
        lastOutcome = OUTCOME_NONE;
        if (conntrack.size() != 0)
        {
            relatedError(error, nowNanos);
        }
    }

    // ---------------------------------------------------------------- translation

    private int translate(final Ipv4Flyweight ipv4, final long nowNanos, final boolean serviceAddress, final boolean nodeAddressed)
    {
        final int protocol = ipv4.protocol();
        if (ipv4.fragmentOffset() != 0)
        {
            if (followFragment(ipv4, nowNanos))
            {
                return PASS;
            }
            return serviceAddress ? DROP_FRAGMENT : PASS;
        }
        if (protocol == ICMP)
        {
            if (relatedError(ipv4, nowNanos))
            {
                return PASS;
            }
            return serviceAddress ? DROP : PASS; // kube-proxy has no rule for ICMP to a ClusterIP: a ping gets no answer
        }
        if (protocol != UDP && protocol != TCP)
        {
            return serviceAddress ? DROP : PASS;
        }
        final int l4 = ipv4.payloadOffset();
        if (ipv4.payloadLength() < (protocol == UDP ? 8 : 20))
        {
            return serviceAddress ? DROP : PASS;
        }
        final MutableDirectBuffer buffer = ipv4.buffer();
        final int source = ipv4.source();
        final int destination = ipv4.destination();
        final int sourcePort = buffer.getShort(l4, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        final int destinationPort = buffer.getShort(l4 + 2, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        final long found = conntrack.lookup(protocol, source, sourcePort, destination, destinationPort, nowNanos);
        if (found != ConntrackTable.NONE)
        {
            lastEntry = (int)(found >>> 1);
            lastProtocol = protocol;
            lastOutcome = (found & 1) == ConntrackTable.ORIGINAL ? OUTCOME_ESTABLISHED : OUTCOME_REPLY;
            apply(ipv4, lastEntry, (int)(found & 1), nowNanos);
            return PASS;
        }
        final ServiceTable.Frontend frontend;
        final boolean masquerade;
        if (serviceAddress)
        {
            frontend = table.frontend(destination, protocol, destinationPort);
            if (frontend == null)
            {
                return DROP;
            }
            masquerade = false;
        }
        else if (nodeAddressed)
        {
            frontend = table.nodePort(protocol, destinationPort);
            if (frontend == null)
            {
                return PASS; // the router answers for its own address
            }
            masquerade = true;
        }
        else
        {
            return PASS;
        }
        if (!frontend.hasEndpoints())
        {
            increment(C_REJECTED);
            return REJECT;
        }
        final int chosen = choose(frontend, source, nowNanos);
        final int endpoint = frontend.endpointIps()[chosen];
        final int endpointPort = frontend.endpointPorts()[chosen];
        final boolean hairpin = endpoint == source;
        final int natSource = masquerade || hairpin ? nodeAddress : source;
        final int natSourcePort = uniqueSourcePort(protocol, endpoint, endpointPort, natSource, sourcePort, nowNanos);
        if (natSourcePort < 0)
        {
            return DROP_CONNTRACK_FULL;
        }
        final int entry = conntrack.create(protocol, source, sourcePort, destination, destinationPort,
            endpoint, endpointPort, natSource, natSourcePort, nowNanos);
        if (entry < 0)
        {
            return DROP_CONNTRACK_FULL;
        }
        increment(C_NEW);
        if (hairpin)
        {
            increment(C_HAIRPIN);
        }
        lastOutcome = OUTCOME_NEW;
        lastEntry = entry;
        lastProtocol = protocol;
        lastEndpoints = frontend.endpointIps().length;
        apply(ipv4, entry, ConntrackTable.ORIGINAL, nowNanos);
        return PASS;
    }

    /** An endpoint of {@code frontend} for a new connection from {@code client}. */
    private int choose(final ServiceTable.Frontend frontend, final int client, final long nowNanos)
    {
        final int count = frontend.endpointIps().length;
        lastAffinity = false;
        final int protocolAndPort = frontend.protocol() << 16 | frontend.port();
        if (frontend.affinityNanos() > 0)
        {
            final int slot = affinity.lookup(client, frontend.clusterIp(), protocolAndPort, frontend.affinityNanos(), nowNanos);
            if (slot >= 0)
            {
                final int ip = affinity.endpoint(slot);
                final int port = affinity.endpointPort(slot);
                for (int i = 0; i < count; i++)
                {
                    if (frontend.endpointIps()[i] == ip && frontend.endpointPorts()[i] == port)
                    {
                        increment(C_AFFINITY);
                        lastAffinity = true;
                        affinity.record(client, frontend.clusterIp(), protocolAndPort, ip, port, nowNanos);
                        return i;
                    }
                }
            }
        }
        final int chosen = count == 1 ? 0 : (int)((nextRandom() >>> 33) % count);
        if (frontend.affinityNanos() > 0)
        {
            affinity.record(client, frontend.clusterIp(), protocolAndPort, frontend.endpointIps()[chosen],
                frontend.endpointPorts()[chosen], nowNanos);
        }
        return chosen;
    }

    /**
     * The source port the connection's replies will be addressed to: the client's own unless another
     * connection's replies already carry that tuple (Linux's NAT picks a unique one then, even without
     * an SNAT rule), else one at random from the ephemeral range; -1 when none was found.
     */
    private int uniqueSourcePort(final int protocol, final int endpoint, final int endpointPort, final int source, final int port,
        final long nowNanos)
    {
        int candidate = port;
        for (int attempt = 0; attempt < PORT_ATTEMPTS; attempt++)
        {
            if (!conntrack.replyTupleTaken(protocol, endpoint, endpointPort, source, candidate, nowNanos))
            {
                return candidate;
            }
            candidate = EPHEMERAL_FIRST + (int)((nextRandom() >>> 33) % EPHEMERAL_COUNT);
        }
        return -1;
    }

    private long nextRandom()
    {
        long x = random;
        x ^= x << 13;
        x ^= x >>> 7;
        x ^= x << 17;
        random = x;
        return x * 0x2545_F491_4F6C_DD1DL;
    }

    /** A TCP segment's flags byte (FIN, SYN, RST, …) for connection tracking; 0 for anything else or a later fragment. */
    private static int tcpFlags(final Ipv4Flyweight ipv4, final int protocol)
    {
        return protocol != Ipv4Flyweight.PROTOCOL_TCP || ipv4.fragmentOffset() != 0 || ipv4.payloadLength() < TCP_FLAGS_OFFSET + 1 ?
            0 : ipv4.buffer().getByte(ipv4.payloadOffset() + TCP_FLAGS_OFFSET) & 0xFF;
    }

    /** Rewrites the packet as connection {@code entry} says for {@code direction}, and counts it. */
    private void apply(final Ipv4Flyweight ipv4, final int entry, final int direction, final long nowNanos)
    {
        final int protocol = ipv4.protocol();
        final int oldSource = ipv4.source();
        final int oldDestination = ipv4.destination();
        final int newSource = conntrack.translatedSource(entry, direction);
        final int newDestination = conntrack.translatedDestination(entry, direction);
        rewrite(ipv4, protocol, newSource, conntrack.translatedSourcePort(entry, direction), newDestination,
            conntrack.translatedDestinationPort(entry, direction));
        conntrack.refresh(entry, direction, ipv4.totalLength(), tcpFlags(ipv4, protocol), nowNanos);
        increment(C_TRANSLATED);
        if (ipv4.moreFragments())
        {
            rememberFragment(oldSource, oldDestination, ipv4.identification() << 8 | protocol, newSource, newDestination, nowNanos);
        }
    }

    /** New addresses and ports, with the IPv4 header checksum and the UDP/TCP checksum adjusted (RFC 1624). */
    private static void rewrite(
        final Ipv4Flyweight ipv4, final int protocol, final int source, final int sourcePort, final int destination,
        final int destinationPort)
    {
        final MutableDirectBuffer buffer = ipv4.buffer();
        final int l4 = ipv4.payloadOffset();
        final int checksumAt = l4 + (protocol == UDP ? 6 : 16);
        final int oldSource = ipv4.source();
        final int oldDestination = ipv4.destination();
        final int oldSourcePort = buffer.getShort(l4, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        final int oldDestinationPort = buffer.getShort(l4 + 2, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        int checksum = buffer.getShort(checksumAt, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        if (protocol == TCP || checksum != 0) // a UDP checksum of 0 means none (RFC 768)
        {
            checksum = Checksum.adjust32(checksum, oldSource, source);
            checksum = Checksum.adjust32(checksum, oldDestination, destination);
            checksum = Checksum.adjust(checksum, oldSourcePort, sourcePort);
            checksum = Checksum.adjust(checksum, oldDestinationPort, destinationPort);
            if (protocol == UDP && checksum == 0)
            {
                checksum = 0xFFFF;
            }
            buffer.putShort(checksumAt, (short)checksum, ByteOrder.BIG_ENDIAN);
        }
        buffer.putShort(l4, (short)sourcePort, ByteOrder.BIG_ENDIAN);
        buffer.putShort(l4 + 2, (short)destinationPort, ByteOrder.BIG_ENDIAN);
        ipv4.source(source).destination(destination).updateHeaderChecksum();
    }

    // ---------------------------------------------------------------- ICMP errors (RELATED)

    /**
     * Translates an ICMP error about a tracked connection; returns false (untouched) when it is no error
     * or not about one.
     */
    private boolean relatedError(final Ipv4Flyweight ipv4, final long nowNanos)
    {
        final MutableDirectBuffer buffer = ipv4.buffer();
        final int icmpOffset = ipv4.payloadOffset();
        final int icmpLength = ipv4.payloadLength();
        if (icmpLength < IcmpFlyweight.HEADER_LENGTH + Ipv4Flyweight.MIN_HEADER_LENGTH + 8)
        {
            return false;
        }
        final int type = buffer.getByte(icmpOffset) & 0xFF;
        if (type != IcmpFlyweight.TYPE_DESTINATION_UNREACHABLE && type != IcmpFlyweight.TYPE_TIME_EXCEEDED)
        {
            return false;
        }
        final int innerOffset = icmpOffset + IcmpFlyweight.HEADER_LENGTH;
        inner.wrap(buffer, innerOffset, icmpLength - IcmpFlyweight.HEADER_LENGTH);
        final int innerHeader = inner.headerLength();
        final int innerProtocol = inner.protocol();
        if (inner.version() != 4 || innerHeader < Ipv4Flyweight.MIN_HEADER_LENGTH ||
            icmpLength < IcmpFlyweight.HEADER_LENGTH + innerHeader + 8 || (innerProtocol != UDP && innerProtocol != TCP))
        {
            return false;
        }
        final int innerL4 = innerOffset + innerHeader;
        final int innerSource = inner.source();
        final int innerDestination = inner.destination();
        final int innerSourcePort = buffer.getShort(innerL4, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        final int innerDestinationPort = buffer.getShort(innerL4 + 2, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        // the error travels the opposite way of the packet it quotes
        final long found = conntrack.lookup(innerProtocol, innerDestination, innerDestinationPort, innerSource, innerSourcePort,
            nowNanos);
        if (found == ConntrackTable.NONE)
        {
            return false;
        }
        final int entry = (int)(found >>> 1);
        final int direction = (int)(found & 1);
        final int restoredSource = conntrack.translatedDestination(entry, direction);
        final int restoredSourcePort = conntrack.translatedDestinationPort(entry, direction);
        final int restoredDestination = conntrack.translatedSource(entry, direction);
        final int restoredDestinationPort = conntrack.translatedSourcePort(entry, direction);

        // the quoted packet: back to what its sender sent; its UDP checksum is within the quoted 8 bytes
        if (innerProtocol == UDP)
        {
            int checksum = buffer.getShort(innerL4 + 6, ByteOrder.BIG_ENDIAN) & 0xFFFF;
            if (checksum != 0)
            {
                checksum = Checksum.adjust32(checksum, innerSource, restoredSource);
                checksum = Checksum.adjust32(checksum, innerDestination, restoredDestination);
                checksum = Checksum.adjust(checksum, innerSourcePort, restoredSourcePort);
                checksum = Checksum.adjust(checksum, innerDestinationPort, restoredDestinationPort);
                buffer.putShort(innerL4 + 6, (short)(checksum == 0 ? 0xFFFF : checksum), ByteOrder.BIG_ENDIAN);
            }
        }
        buffer.putShort(innerL4, (short)restoredSourcePort, ByteOrder.BIG_ENDIAN);
        buffer.putShort(innerL4 + 2, (short)restoredDestinationPort, ByteOrder.BIG_ENDIAN);
        inner.source(restoredSource).destination(restoredDestination).updateHeaderChecksum();

        // the outer header: to the client; from the ClusterIP when the endpoint itself answered
        final int outerSource = ipv4.source() == innerDestination ? restoredDestination : ipv4.source();
        ipv4.source(outerSource).destination(restoredSource).updateHeaderChecksum();
        icmp.wrap(buffer, icmpOffset, icmpLength).updateChecksum();
        increment(C_RELATED);
        lastOutcome = OUTCOME_RELATED;
        lastEntry = entry;
        lastProtocol = innerProtocol;
        return true;
    }

    // ---------------------------------------------------------------- fragments

    private void rememberFragment(final int source, final int destination, final int key, final int newSource,
        final int newDestination, final long nowNanos)
    {
        final int slot = nextFragment;
        nextFragment = (nextFragment + 1) % FRAGMENTS;
        fragmentSource[slot] = source;
        fragmentDestination[slot] = destination;
        fragmentKey[slot] = key;
        fragmentNewSource[slot] = newSource;
        fragmentNewDestination[slot] = newDestination;
        fragmentExpires[slot] = nowNanos + FRAGMENT_LIFETIME_NANOS;
    }

    /** A later fragment of a datagram whose first fragment was translated: the same addresses. */
    private boolean followFragment(final Ipv4Flyweight ipv4, final long nowNanos)
    {
        final int source = ipv4.source();
        final int destination = ipv4.destination();
        final int key = ipv4.identification() << 8 | ipv4.protocol();
        for (int slot = 0; slot < FRAGMENTS; slot++)
        {
            if (fragmentKey[slot] == key && fragmentSource[slot] == source && fragmentDestination[slot] == destination &&
                nowNanos - fragmentExpires[slot] < 0)
            {
                ipv4.source(fragmentNewSource[slot]).destination(fragmentNewDestination[slot]).updateHeaderChecksum();
                increment(C_TRANSLATED);
                lastOutcome = OUTCOME_FRAGMENT;
                return true;
            }
        }
        return false;
    }

    // ---------------------------------------------------------------- what the last call did (traces)

    /** What the last call did to its packet: one of the {@code OUTCOME_*}. */
    public int lastOutcome()
    {
        return lastOutcome;
    }

    /**
     * What the last call did to its packet, in words (the Service, the endpoint, how it was chosen, which way it was
     * translated); null when it did nothing. Call right after the call; it allocates, so only for a traced packet.
     */
    public String describeLast()
    {
        if (lastOutcome == OUTCOME_NONE)
        {
            return null;
        }
        if (lastOutcome == OUTCOME_FRAGMENT)
        {
            return "a later fragment: given the addresses its first fragment was translated to";
        }
        final int entry = lastEntry;
        final int clusterIp = conntrack.originalDestination(entry);
        final int clusterPort = conntrack.originalDestinationPort(entry);
        final String name = table.name(lastProtocol, clusterIp, clusterPort);
        final String service = (name.isEmpty() ? "a Service that is gone" : "Service " + name) + " (" +
            address(clusterIp, clusterPort) + ")";
        final String endpoint = address(conntrack.translatedDestination(entry, ConntrackTable.ORIGINAL),
            conntrack.translatedDestinationPort(entry, ConntrackTable.ORIGINAL));
        final int client = conntrack.translatedDestination(entry, ConntrackTable.REPLY);
        final int natSource = conntrack.translatedSource(entry, ConntrackTable.ORIGINAL);
        final String masqueraded = natSource == client ? "" : ", source masqueraded to " + Ipv4Address.format(natSource) +
            (conntrack.translatedDestination(entry, ConntrackTable.ORIGINAL) == client ? " (hairpin)" : " (node port)");
        switch (lastOutcome)
        {
            case OUTCOME_NEW:
                return "new connection to " + service + ": DNAT to endpoint " + endpoint +
                    (lastAffinity ? ", the client's by ClientIP affinity" : ", chosen at random of " + lastEndpoints) +
                    masqueraded + "; tracked";
            case OUTCOME_ESTABLISHED:
                return "tracked connection to " + service + ": DNAT to endpoint " + endpoint + masqueraded;
            case OUTCOME_REPLY:
                return "reply of a tracked connection to " + service + " from endpoint " + endpoint +
                    ": source back to " + address(clusterIp, clusterPort) + " (un-DNAT)" +
                    (masqueraded.isEmpty() ? "" : ", destination back to the client " + Ipv4Address.format(client));
            default:
                return "ICMP error about a tracked connection to " + service + " (RELATED): translated back, its quoted " +
                    "header too";
        }
    }

    private static String address(final int ip, final int port)
    {
        return Ipv4Address.format(ip) + ":" + port;
    }

    /** The live connections, with the Service port each was made for (data-plane thread; for the API). */
    public List<ConntrackEntry> connections(final long nowNanos)
    {
        return conntrack.snapshot(nowNanos, table::name);
    }
}
