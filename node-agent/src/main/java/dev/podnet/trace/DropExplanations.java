package dev.podnet.trace;

import java.util.Map;

/**
 * A drop explained in one line: what each drop counter's reason means for the packet that was dropped (the
 * counters' labels as {@code /api/v1/drops} shows them).
 */
public final class DropExplanations
{
    private static final Map<String, String> EXPLANATIONS = Map.ofEntries(
        Map.entry("queue-full", "the node's frame queue was full"),
        Map.entry("frame-too-large", "the frame is larger than the port's MTU allows"),
        Map.entry("bad-source-mac", "its source MAC is a group address, which no switch forwards"),
        Map.entry("same-port", "its destination MAC is on the port it came in on: the bridge filters it"),
        Map.entry("not-for-host", "a unicast frame for another MAC, flooded to this pod"),
        Map.entry("unsupported-ether-type", "an EtherType other than IPv4 and ARP"),
        Map.entry("unsupported-protocol", "an IPv4 protocol this pod's stack does not speak"),
        Map.entry("unsupported-icmp", "an ICMP type the receiver has no use for"),
        Map.entry("no-socket", "no socket listens on that UDP port: answered with ICMP port unreachable"),
        Map.entry("arp-failed", "nobody answered the ARP request for the next hop: answered with ICMP host unreachable"),
        Map.entry("arp-queue-full", "pushed out of the queue of frames waiting for ARP by newer ones"),
        Map.entry("ttl-exceeded", "its TTL ran out at this router: answered with ICMP time exceeded"),
        Map.entry("no-route", "no route to the destination's network: answered with ICMP net unreachable"),
        Map.entry("no-host", "no pod holds the destination address in its node's CIDR: answered with ICMP host unreachable"),
        Map.entry("fragmentation-needed", "larger than the next hop's MTU (with don't-fragment: answered with ICMP " +
            "fragmentation needed)"),
        Map.entry("icmp-rate-limited", "an ICMP error about it was not sent: the rate limit"),
        Map.entry("not-our-address", "an IPv4 packet for an address this pod does not own"),
        Map.entry("reassembly-timeout", "its datagram was still missing fragments when reassembly timed out"),
        Map.entry("reassembly-overlap", "a fragment overlapping another of its datagram differently"),
        Map.entry("reassembly-too-large", "a fragment reaching past the largest datagram IPv4 can carry"),
        Map.entry("reassembly-evicted", "its incomplete datagram was pushed out of reassembly by a newer one"),
        Map.entry("bad-fragment", "an empty fragment, or a non-last one whose payload is not a multiple of 8 bytes"),
        Map.entry("ipv6", "IPv6: podnet's network is IPv4 only"),
        Map.entry("tap-read-failed", "the real pod's TAP device could not be read"),
        Map.entry("tap-write-failed", "the real pod's TAP device did not take it"),
        Map.entry("service-no-endpoints", "the Service port has no ready endpoint: answered with ICMP port unreachable " +
            "(kube-proxy's REJECT)"),
        Map.entry("service-no-match", "in the Service CIDR but no Service rule matches (an unallocated ClusterIP, a port the " +
            "Service does not expose, a ping): nobody answers, as with kube-proxy"),
        Map.entry("policy-denied", "NetworkPolicy does not allow it (the source pod's egress and the destination pod's " +
            "ingress must both allow a new connection): dropped, not rejected, as Calico and Cilium do; podnetctl policy " +
            "explain says which policies select either side"),
        Map.entry("service-fragment", "a later fragment to a ClusterIP whose first fragment was never translated"),
        Map.entry("conntrack-full", "a new connection through a Service and no room left in the connection-tracking table"),
        Map.entry("dns-not-a-query", "sent to the cluster DNS port but not a DNS query"),
        Map.entry("spoofed-source", "anti-spoofing: its source MAC or IP is not the sending pod's own"),
        Map.entry("unknown-peer", "it came through the tunnel from a node this one has no route to"),
        Map.entry("tunnel-unknown-source", "it came through the tunnel from an underlay address that is not its node's"),
        Map.entry("wrong-network", "a tunnel frame of another cluster network"),
        Map.entry("tunnel-spoofed-source", "its source address is outside the sending node's CIDR"),
        Map.entry("tunnel-not-our-cidr", "its destination is outside this node's CIDR (podnet does not transit)"),
        Map.entry("tunnel-truncated", "a tunnel message cut short"),
        Map.entry("tunnel-malformed", "a tunnel message that is not a valid TunnelFrame"),
        Map.entry("tunnel-missing-frame", "a tunnel message without a frame"),
        Map.entry("tunnel-frame-too-large", "a tunnel message larger than one datagram or than a frame may be"),
        Map.entry("tunnel-back-pressured", "the tunnel to the peer pushed back (its window was full)"),
        Map.entry("tunnel-not-connected", "the tunnel to the peer is not connected"),
        Map.entry("tunnel-hold-full", "the tunnel to the peer was idle and coming back, and held its share of frames already"),
        Map.entry("tunnel-hold-expired", "the tunnel to the peer was idle and did not come back within the hold limit"),
        Map.entry("netem-loss", "lost on the impaired link (netem loss)"),
        Map.entry("netem-queue-full", "the impaired link already held its limit of frames"),
        Map.entry("netem-partition", "the link to the peer is partitioned in this direction"),
        Map.entry("netem-link-down", "the flapping link to the peer was down"),
        Map.entry("bad-ipv4-checksum", "its IPv4 header checksum is wrong (corrupted)"),
        Map.entry("bad-icmp-checksum", "its ICMP checksum is wrong (corrupted)"),
        Map.entry("bad-udp-checksum", "its UDP checksum is wrong (corrupted)"));

    private DropExplanations()
    {
    }

    /** {@code no-route: no route to the destination's network: ...}; the label alone for a reason without words. */
    public static String explain(final String reason)
    {
        final String words = EXPLANATIONS.get(reason);
        return words == null ? reason : reason + ": " + words;
    }
}
