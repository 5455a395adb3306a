package dev.podnet.conntrack;

import dev.podnet.packet.Ipv4Address;
import dev.podnet.packet.Ipv4Flyweight;

/**
 * One tracked connection as {@code conntrack -L} shows it: the tuple the connection began with
 * (original direction) and the tuple its replies carry (reply direction). Where the two are not each
 * other's mirror image, the connection is NATed: a reply source other than the original destination
 * is destination NAT (a Service's ClusterIP translated to an endpoint), a reply destination other
 * than the original source is source NAT (hairpin masquerade). For the API only: made on a snapshot.
 *
 * @param protocol      IP protocol number
 * @param secondsLeft   until it expires without more traffic
 * @param assured       seen in both directions long enough not to be evicted early (Linux's ASSURED)
 * @param seenReply     a reply came (not UNREPLIED)
 * @param service       the Service port that created it ({@code ns/name:port}), or empty
 */
public record ConntrackEntry(
    int protocol, long secondsLeft, boolean assured, boolean seenReply,
    int originalSource, int originalDestination, int originalSourcePort, int originalDestinationPort,
    int replySource, int replyDestination, int replySourcePort, int replyDestinationPort,
    long originalPackets, long originalBytes, long replyPackets, long replyBytes, String service, String state)
{
    public boolean destinationNat()
    {
        return replySource != originalDestination || replySourcePort != originalDestinationPort;
    }

    public boolean sourceNat()
    {
        return replyDestination != originalSource || replyDestinationPort != originalSourcePort;
    }

    /** The line {@code conntrack -L} prints. */
    public String line()
    {
        final String name = Ipv4Flyweight.protocolName(protocol).toLowerCase(java.util.Locale.ROOT);
        return name + " " + protocol + " " + secondsLeft + " " + (state.isEmpty() ? "" : state + " ") +
            tuple(originalSource, originalDestination, originalSourcePort, originalDestinationPort) +
            (seenReply ? " " : " [UNREPLIED] ") +
            tuple(replySource, replyDestination, replySourcePort, replyDestinationPort) +
            (assured ? " [ASSURED]" : "") +
            " packets=" + (originalPackets + replyPackets) + " bytes=" + (originalBytes + replyBytes);
    }

    private String tuple(final int source, final int destination, final int sourcePort, final int destinationPort)
    {
        return "src=" + Ipv4Address.format(source) + " dst=" + Ipv4Address.format(destination) +
            (protocol == Ipv4Flyweight.PROTOCOL_ICMP ? " type=8 code=0 id=" + sourcePort :
                " sport=" + sourcePort + " dport=" + destinationPort);
    }
}
