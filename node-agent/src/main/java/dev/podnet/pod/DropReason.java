package dev.podnet.pod;

/**
 * Why the data plane dropped a frame, one counter each (in the spirit of Cilium's drop reasons).
 * Malformed-packet drops are counted by {@link dev.podnet.packet.PacketError} instead.
 */
public enum DropReason
{
    /** The node's frame queue had no free slot. */
    QUEUE_FULL("queue-full"),
    /** A frame longer than the port's MTU plus Ethernet header. */
    FRAME_TOO_LARGE("frame-too-large"),
    /** A frame whose source MAC is a group address: no switch learns or forwards it. */
    BAD_SOURCE_MAC("bad-source-mac"),
    /** A frame whose destination is on the port it came in on (a bridge filters it). */
    SAME_PORT("same-port"),
    /** A pod got a unicast frame for another MAC (flooded unknown unicast). */
    NOT_FOR_HOST("not-for-host"),
    /** An EtherType other than IPv4 and ARP. */
    UNSUPPORTED_ETHER_TYPE("unsupported-ether-type"),
    /** An IPv4 protocol other than ICMP, UDP and TCP (answered with protocol unreachable). */
    UNSUPPORTED_PROTOCOL("unsupported-protocol"),
    /** ICMP of a type the receiver has no use for. */
    UNSUPPORTED_ICMP("unsupported-icmp"),
    /** A UDP datagram to a port with no socket (answered with port unreachable). */
    NO_SOCKET("no-socket"),
    /** Frames held for an ARP resolution that failed (answered with host unreachable). */
    ARP_FAILED("arp-failed"),
    /** A frame waiting for ARP pushed out by newer ones. */
    ARP_QUEUE_FULL("arp-queue-full"),
    /** TTL ran out at a router (answered with time exceeded). */
    TTL_EXCEEDED("ttl-exceeded"),
    /** No route to the destination network (answered with net unreachable). */
    NO_ROUTE("no-route"),
    /** A destination in a local subnet that no pod holds (answered with host unreachable). */
    NO_HOST("no-host"),
    /** A don't-fragment packet larger than the next hop's MTU (answered with fragmentation needed). */
    FRAGMENTATION_NEEDED("fragmentation-needed"),
    /** An ICMP error not sent because of the rate limit. */
    ICMP_RATE_LIMITED("icmp-rate-limited"),
    /** An IPv4 packet for an address this host does not own. */
    NOT_OUR_ADDRESS("not-our-address"),
    /** An incomplete datagram still missing fragments when the reassembly timeout ran out (one per datagram). */
    REASSEMBLY_TIMEOUT("reassembly-timeout"),
    /** A fragment overlapping another one of its datagram with a different extent, or disagreeing on its end. */
    REASSEMBLY_OVERLAP("reassembly-overlap"),
    /** A fragment reaching past the largest datagram IPv4 can carry (65535 bytes, header included). */
    REASSEMBLY_TOO_LARGE("reassembly-too-large"),
    /** An incomplete datagram pushed out of reassembly by a newer one when every slot was taken. */
    REASSEMBLY_EVICTED("reassembly-evicted"),
    /** A fragment with an empty payload, or a non-last fragment whose payload is not a multiple of 8 bytes. */
    BAD_FRAGMENT("bad-fragment"),
    /** A pod sent a frame whose source MAC or IP is not its own (anti-spoofing at the bridge port). */
    SPOOFED_SOURCE("spoofed-source"),
    /** A real pod's kernel sent IPv6 (router solicitations, MLD): podnet's network is IPv4 only. */
    IPV6("ipv6"),
    /** Reading a real pod's TAP device failed (the device went away under the data plane): the port is polled no more. */
    TAP_READ_FAILED("tap-read-failed"),
    /** A real pod's TAP device did not take a frame. */
    TAP_WRITE_FAILED("tap-write-failed"),
    /** A tunnel frame from a node that is not in the route table. */
    UNKNOWN_PEER("unknown-peer"),
    /**
     * A tunnel frame claiming to come from a known node, but not sent from that node's underlay address
     * (its lease's host, resolved as the tunnel resolves it).
     */
    TUNNEL_UNKNOWN_SOURCE("tunnel-unknown-source"),
    /** A tunnel frame of another cluster network (network id). */
    WRONG_NETWORK("wrong-network"),
    /** A tunnel frame whose inner source address is outside the sending node's CIDR. */
    TUNNEL_SPOOFED_SOURCE("tunnel-spoofed-source"),
    /** A tunnel frame whose inner destination is outside this node's CIDR (podnet does not transit). */
    TUNNEL_NOT_OUR_CIDR("tunnel-not-our-cidr"),
    /** A tunnel message cut short. */
    TUNNEL_TRUNCATED("tunnel-truncated"),
    /** A tunnel message that is not a valid TunnelFrame. */
    TUNNEL_MALFORMED("tunnel-malformed"),
    /** A tunnel message without a frame. */
    TUNNEL_MISSING_FRAME("tunnel-missing-frame"),
    /** A tunnel message larger than one datagram or than a frame may be. */
    TUNNEL_FRAME_TOO_LARGE("tunnel-frame-too-large"),
    /** The tunnel to the peer pushed back (its window is full). */
    TUNNEL_BACK_PRESSURED("tunnel-back-pressured"),
    /** The tunnel to the peer is not connected (yet, or any more). */
    TUNNEL_NOT_CONNECTED("tunnel-not-connected"),
    /** Sent to an idle peer while its tunnel came back, and the tunnel held that peer's share of frames (or all it holds). */
    TUNNEL_HOLD_FULL("tunnel-hold-full"),
    /** Held for an idle peer while its tunnel came back, and it did not come back within the hold limit. */
    TUNNEL_HOLD_EXPIRED("tunnel-hold-expired"),
    /** Lost on an impaired link (netem loss: random or Gilbert-Elliott). */
    NETEM_LOSS("netem-loss"),
    /** An impaired link already held its limit of frames (delayed or waiting for its rate). */
    NETEM_QUEUE_FULL("netem-queue-full"),
    /** The link to the peer is partitioned in this direction. */
    NETEM_PARTITION("netem-partition"),
    /** A flapping link to the peer was down. */
    NETEM_LINK_DOWN("netem-link-down"),
    /** A packet to a Service port without endpoints (answered with ICMP port unreachable, as kube-proxy's REJECT rule). */
    SERVICE_NO_ENDPOINTS("service-no-endpoints"),
    /**
     * A packet to the Service CIDR that no Service rule matches: a ping to a ClusterIP, a port the Service
     * does not expose, an unallocated ClusterIP. kube-proxy has no rule for it, so nobody answers.
     */
    SERVICE_NO_MATCH("service-no-match"),
    /** A later fragment of a datagram to a ClusterIP whose first fragment was never translated. */
    SERVICE_FRAGMENT("service-fragment"),
    /** A new connection through a Service that the connection-tracking table had no room for. */
    CONNTRACK_FULL("conntrack-full"),
    /** A datagram to the cluster DNS port that is not a DNS query (a response, or shorter than a header). */
    DNS_NOT_A_QUERY("dns-not-a-query"),
    /** A packet NetworkPolicy does not allow (dropped silently, as Calico and Cilium drop by default). */
    POLICY_DENIED("policy-denied");

    private final String label;

    DropReason(final String label)
    {
        this.label = label;
    }

    /** Kebab-case name used as a metric label. */
    public String label()
    {
        return label;
    }
}
