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
    /** An IPv4 protocol other than ICMP and UDP. */
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
    /** An IPv4 fragment: reassembly arrives with the overlay. */
    FRAGMENT_UNSUPPORTED("fragment-unsupported"),
    /** An ICMP error not sent because of the rate limit. */
    ICMP_RATE_LIMITED("icmp-rate-limited"),
    /** An IPv4 packet for an address this host does not own. */
    NOT_OUR_ADDRESS("not-our-address");

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
