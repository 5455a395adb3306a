package dev.podnet.policy;

import dev.podnet.packet.Ipv4Address;
import org.agrona.collections.Int2IntHashMap;
import org.agrona.collections.Int2ObjectHashMap;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;

/**
 * NetworkPolicy as one node's data plane runs it: compiled per pod ("pod P's ingress rules are ..."),
 * immutable, swapped in whole. Kubernetes' semantics, and how they map here:
 * <ul>
 *   <li>a pod is isolated for ingress (egress) only when some policy whose policyTypes include it selects
 *       the pod: {@link Subject#ingress()} ({@link Subject#egress()}) is null otherwise, and everything is
 *       allowed in that direction;</li>
 *   <li>what an isolated direction allows is the union of the rules of every policy that selects the pod
 *       for it: a {@link Direction} is the list of all those rules, any one of which allows;</li>
 *   <li>a rule allows a peer and a port when any of its peers and any of its ports match (no peers: any
 *       peer; no ports: any port of any protocol). Pod and namespace selectors are resolved at compile time
 *       into the peer pods' addresses (a selector and a namespace selector in one peer ANDed, peers ORed);
 *       an ipBlock is a CIDR minus its excepts, matched against any address, pods' included;</li>
 *   <li>a named port is resolved on the pod that serves it: for ingress the subject itself (at compile
 *       time), for egress the destination (a per-rule map from the destination pods' addresses to their
 *       port of that name and protocol);</li>
 *   <li>a packet needs the source's egress and the destination's ingress ({@link #judge}); a pod's traffic
 *       to itself is never judged. Each node compiles only its own pods, so a packet between nodes is
 *       judged for egress on the source's node and for ingress on the destination's.</li>
 * </ul>
 * Connection tracking (replies and established connections pass) is the stage's ({@link PolicyStage}),
 * not the table's: the table judges new connections only.
 * <p>
 * Lookups take primitive keys and allocate nothing: a hash lookup per side, then the side's rules in
 * order (a binary search in a rule's peer addresses, a scan of its CIDRs and ports).
 */
public final class PolicyTable
{
    public static final int ALLOWED = 0;
    public static final int DENIED_EGRESS = 1;
    public static final int DENIED_INGRESS = 2;
    /** Returned by {@link Direction#allowingRule} when no rule allows. */
    public static final int NO_RULE = -1;
    public static final int PROTOCOL_ICMP = 1;
    public static final int PROTOCOL_TCP = 6;
    public static final int PROTOCOL_UDP = 17;
    public static final int PROTOCOL_SCTP = 132;

    private static final PolicyTable EMPTY = new PolicyTable(List.of(), 0);

    /**
     * One rule of one policy, for one pod and direction.
     *
     * @param policy      {@code namespace/name}
     * @param index       its index in the policy's ingress or egress list
     * @param anyPeer     the rule names no peers: every address
     * @param podIps      the addresses of the pods its selector peers select, sorted
     * @param blockNetworks the networks of its ipBlocks (host bits clear)
     * @param blockMasks  their masks
     * @param exceptOwner for each except, the index of its ipBlock
     * @param exceptNetworks the excepts' networks
     * @param exceptMasks their masks
     * @param anyPort     the rule names no ports: every port of every protocol
     * @param portProtocols per numeric port entry its IP protocol number
     * @param portFirst   its first port (0 for "every port of the protocol")
     * @param portLast    its last port
     * @param namedProtocols per named port resolved on the destination (egress), its protocol
     * @param namedPorts  per named port, the destination pods' port of that name by address
     */
    public record Rule(String policy, int index, boolean anyPeer, int[] podIps, int[] blockNetworks, int[] blockMasks,
        int[] exceptOwner, int[] exceptNetworks, int[] exceptMasks, boolean anyPort, int[] portProtocols, int[] portFirst,
        int[] portLast, int[] namedProtocols, Int2IntHashMap[] namedPorts)
    {
        /** Whether the rule allows {@code peer} (the other end) on {@code protocol} port {@code port} of {@code destination}. */
        public boolean allows(final int peer, final int protocol, final int port, final int destination)
        {
            return peerMatches(peer) && portMatches(protocol, port, destination);
        }

        public boolean peerMatches(final int peer)
        {
            if (anyPeer || Arrays.binarySearch(podIps, peer) >= 0)
            {
                return true;
            }
            for (int b = 0; b < blockNetworks.length; b++)
            {
                if ((peer & blockMasks[b]) == blockNetworks[b] && !excepted(b, peer))
                {
                    return true;
                }
            }
            return false;
        }

        private boolean excepted(final int block, final int peer)
        {
            for (int e = 0; e < exceptOwner.length; e++)
            {
                if (exceptOwner[e] == block && (peer & exceptMasks[e]) == exceptNetworks[e])
                {
                    return true;
                }
            }
            return false;
        }

        public boolean portMatches(final int protocol, final int port, final int destination)
        {
            if (anyPort)
            {
                return true;
            }
            for (int p = 0; p < portProtocols.length; p++)
            {
                if (portProtocols[p] == protocol && port >= portFirst[p] && port <= portLast[p])
                {
                    return true;
                }
            }
            for (int n = 0; n < namedProtocols.length; n++)
            {
                if (namedProtocols[n] == protocol && namedPorts[n].get(destination) == port)
                {
                    return true;
                }
            }
            return false;
        }

        /** {@code x/allow-client ingress[0]}. */
        public String describe(final boolean ingress)
        {
            return policy + " " + (ingress ? "ingress" : "egress") + "[" + index + "]";
        }
    }

    /**
     * One isolated direction of one pod: every rule of every policy that selects it for that direction.
     *
     * @param policies the policies, {@code namespace/name}, comma-separated in name order: the metric label
     * @param rules    their rules, any of which allows
     */
    public record Direction(String policies, Rule[] rules)
    {
        /** The index of the first rule that allows, or {@link #NO_RULE}. */
        public int allowingRule(final int peer, final int protocol, final int port, final int destination)
        {
            for (int r = 0; r < rules.length; r++)
            {
                if (rules[r].allows(peer, protocol, port, destination))
                {
                    return r;
                }
            }
            return NO_RULE;
        }
    }

    /**
     * One pod this node enforces policy for.
     *
     * @param name    {@code namespace/name}
     * @param ip      its address
     * @param ingress its ingress rules, or null when no policy isolates it for ingress
     * @param egress  its egress rules, or null when no policy isolates it for egress
     */
    public record Subject(String name, int ip, Direction ingress, Direction egress)
    {
    }

    private final Int2ObjectHashMap<Subject> subjects = new Int2ObjectHashMap<>();
    private final List<Subject> subjectList;
    private final long version;
    private final boolean anyIsolated;

    public PolicyTable(final Collection<Subject> subjects, final long version)
    {
        boolean isolated = false;
        for (final Subject subject : subjects)
        {
            if (subject.ingress() != null || subject.egress() != null)
            {
                this.subjects.put(subject.ip(), subject);
                isolated = true;
            }
        }
        this.subjectList = List.copyOf(this.subjects.values());
        this.version = version;
        this.anyIsolated = isolated;
    }

    public static PolicyTable empty()
    {
        return EMPTY;
    }

    public long version()
    {
        return version;
    }

    /** Whether any pod here is isolated in either direction (else every packet is allowed without a lookup). */
    public boolean anyIsolated()
    {
        return anyIsolated;
    }

    /** The isolated pods. */
    public List<Subject> subjects()
    {
        return subjectList;
    }

    /** The pod at {@code ip} when policy isolates it here, else null. */
    public Subject subject(final int ip)
    {
        return subjects.get(ip);
    }

    /**
     * Whether a new connection from {@code source} to {@code destination} on {@code protocol} and
     * {@code port} (0 for protocols without ports) is allowed: the source's egress, then the destination's
     * ingress, each judged only when that pod is isolated here in that direction.
     *
     * @return {@link #ALLOWED}, {@link #DENIED_EGRESS} or {@link #DENIED_INGRESS}
     */
    public int judge(final int source, final int destination, final int protocol, final int port)
    {
        if (!anyIsolated || source == destination)
        {
            return ALLOWED;
        }
        final Subject from = subjects.get(source);
        if (from != null && from.egress != null && from.egress.allowingRule(destination, protocol, port, destination) == NO_RULE)
        {
            return DENIED_EGRESS;
        }
        final Subject to = subjects.get(destination);
        if (to != null && to.ingress != null && to.ingress.allowingRule(source, protocol, port, destination) == NO_RULE)
        {
            return DENIED_INGRESS;
        }
        return ALLOWED;
    }

    /**
     * What {@link #judge} decides and why, in words: which policies isolate each side and which rule
     * allows, or that none does. Not for the hot path.
     */
    public List<String> explain(final int source, final String sourceName, final int destination, final String destinationName,
        final int protocol, final int port)
    {
        final List<String> lines = new ArrayList<>();
        final String what = protocolName(protocol) + (port == 0 ? "" : " port " + port);
        if (source == destination)
        {
            lines.add("a pod's traffic to itself is not subject to NetworkPolicy: allowed");
            return lines;
        }
        final Subject from = subjects.get(source);
        final Subject to = subjects.get(destination);
        final boolean egress = explainSide(lines, false, from == null ? null : from.egress, sourceName, destinationName, destination,
            destination, protocol, port, what);
        final boolean ingress = explainSide(lines, true, to == null ? null : to.ingress, destinationName, sourceName, source,
            destination, protocol, port, what);
        final boolean allowed = egress && ingress;
        lines.add(sourceName + " -> " + destinationName + " " + what + ": " + (allowed ? "allowed" : "denied"));
        return lines;
    }

    /** One side's line of {@link #explain}; whether that side allows. */
    private static boolean explainSide(final List<String> lines, final boolean ingress, final Direction direction, final String podName,
        final String peerName, final int peer, final int destination, final int protocol, final int port, final String what)
    {
        final String side = (ingress ? "ingress of " : "egress of ") + podName;
        if (direction == null)
        {
            lines.add(side + ": not isolated (no policy with policyType " + (ingress ? "Ingress" : "Egress") + " selects it): allowed");
            return true;
        }
        final int rule = direction.allowingRule(peer, protocol, port, destination);
        lines.add(side + ": isolated by " + direction.policies() + ": " + (rule == NO_RULE ?
            "no rule allows " + what + (ingress ? " from " : " to ") + peerName + ": DENIED" :
            "allowed by " + direction.rules()[rule].describe(ingress)));
        return rule != NO_RULE;
    }

    public static String protocolName(final int protocol)
    {
        return switch (protocol)
        {
            case PROTOCOL_TCP -> "TCP";
            case PROTOCOL_UDP -> "UDP";
            case PROTOCOL_SCTP -> "SCTP";
            case PROTOCOL_ICMP -> "ICMP";
            default -> "protocol " + protocol;
        };
    }

    /** The IP protocol number of {@code TCP}, {@code UDP}, {@code SCTP}; -1 for anything else. */
    public static int protocolNumber(final String name)
    {
        return switch (name)
        {
            case "TCP" -> PROTOCOL_TCP;
            case "UDP" -> PROTOCOL_UDP;
            case "SCTP" -> PROTOCOL_SCTP;
            default -> -1;
        };
    }

    @Override
    public String toString()
    {
        final StringBuilder text = new StringBuilder("PolicyTable{version " + version + ", ");
        for (final Subject subject : subjectList)
        {
            text.append(subject.name()).append(' ').append(Ipv4Address.format(subject.ip())).append(" ingress ")
                .append(subject.ingress() == null ? "open" : subject.ingress().policies()).append(" egress ")
                .append(subject.egress() == null ? "open" : subject.egress().policies()).append("; ");
        }
        return text.append('}').toString();
    }
}
