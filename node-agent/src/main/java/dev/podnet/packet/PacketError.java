package dev.podnet.packet;

import java.util.Locale;

/**
 * Why a frame was judged malformed, returned by the {@code check()} methods of the flyweights.
 * <p>
 * The data plane counts and drops on these values (one drop counter per reason, as Cilium's drop reasons);
 * {@link #label()} is the stable kebab-case name used as the metric label. Only the API/CLI edges turn a
 * value other than {@link #NONE} into a {@link MalformedPacketException}.
 */
public enum PacketError
{
    /**
     * The frame passed the check.
     */
    NONE,

    /**
     * Fewer bytes than an Ethernet II header.
     */
    TRUNCATED_ETHERNET,

    /**
     * Fewer bytes than an ARP packet for IPv4 over Ethernet.
     */
    TRUNCATED_ARP,

    /**
     * ARP for anything but IPv4 over Ethernet, or an operation other than request/reply.
     */
    UNSUPPORTED_ARP,

    /**
     * Fewer bytes than a minimal IPv4 header.
     */
    TRUNCATED_IPV4,

    /**
     * IP version field is not 4.
     */
    BAD_IPV4_VERSION,

    /**
     * IHL below 5 or a header longer than the bytes available.
     */
    BAD_IPV4_HEADER_LENGTH,

    /**
     * Total length shorter than the header or longer than the bytes available.
     */
    BAD_IPV4_TOTAL_LENGTH,

    /**
     * IPv4 header checksum does not verify.
     */
    BAD_IPV4_CHECKSUM,

    /**
     * Fewer bytes than an ICMP header.
     */
    TRUNCATED_ICMP,

    /**
     * ICMP checksum does not verify.
     */
    BAD_ICMP_CHECKSUM,

    /**
     * Fewer bytes than a UDP header.
     */
    TRUNCATED_UDP,

    /**
     * UDP length field shorter than the header or longer than the bytes available.
     */
    BAD_UDP_LENGTH,

    /**
     * UDP checksum present and does not verify.
     */
    BAD_UDP_CHECKSUM,

    /**
     * Fewer bytes than a minimal TCP header.
     */
    TRUNCATED_TCP,

    /**
     * TCP data offset below 5 words or a header longer than the bytes available.
     */
    BAD_TCP_HEADER_LENGTH,

    /**
     * TCP checksum does not verify.
     */
    BAD_TCP_CHECKSUM;

    private final String label;

    PacketError()
    {
        label = name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * Stable kebab-case name, e.g. {@code "truncated-ipv4"} or {@code "bad-ipv4-checksum"}, for metric labels.
     *
     * @return the label of this error.
     */
    public String label()
    {
        return label;
    }
}
