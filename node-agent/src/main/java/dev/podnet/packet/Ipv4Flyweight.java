package dev.podnet.packet;

import org.agrona.MutableDirectBuffer;

import static java.nio.ByteOrder.BIG_ENDIAN;

/**
 * Flyweight over an IPv4 header (RFC 791). Options are tolerated: a header longer than 20 bytes (IHL &gt; 5) is
 * accepted, covered by the checksum and skipped by {@link #payloadOffset()}; their content is never interpreted.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |Version|  IHL  |Type of Service|          Total Length         |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |         Identification        |Flags|      Fragment Offset    |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |  Time to Live |    Protocol   |         Header Checksum       |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                       Source Address                          |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                    Destination Address                        |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                    Options                    |    Padding    |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 *  Flags: bit 0 reserved (zero), bit 1 DF (don't fragment), bit 2 MF (more fragments).
 *  Fragment Offset: in units of 8 bytes; {@link #fragmentOffset()} returns bytes.
 * </pre>
 * Wrap it at the Ethernet payload: {@code (buffer, ethernet.payloadOffset(), ethernet.payloadLength())}; the
 * length may exceed {@link #totalLength()} because of Ethernet padding. Accessors do no checks beyond the
 * buffer's own bounds checks; call {@link #check()} once per received packet.
 * Not thread-safe: one instance per agent, reused for every packet.
 */
public final class Ipv4Flyweight
{
    /**
     * Version (high nibble) and IHL (low nibble, header length in 32-bit words), 1 byte.
     */
    public static final int VERSION_IHL_OFFSET = 0;

    /**
     * Type of service (DSCP and ECN), 1 byte.
     */
    public static final int TOS_OFFSET = VERSION_IHL_OFFSET + 1;

    /**
     * Total length of header and payload in bytes, 2 bytes.
     */
    public static final int TOTAL_LENGTH_OFFSET = TOS_OFFSET + 1;

    /**
     * Identification, 2 bytes.
     */
    public static final int IDENTIFICATION_OFFSET = TOTAL_LENGTH_OFFSET + 2;

    /**
     * Flags (3 bits) and fragment offset (13 bits, in 8-byte units), 2 bytes.
     */
    public static final int FLAGS_FRAGMENT_OFFSET = IDENTIFICATION_OFFSET + 2;

    /**
     * Time to live, 1 byte.
     */
    public static final int TTL_OFFSET = FLAGS_FRAGMENT_OFFSET + 2;

    /**
     * Protocol of the payload, 1 byte.
     */
    public static final int PROTOCOL_OFFSET = TTL_OFFSET + 1;

    /**
     * Header checksum, 2 bytes.
     */
    public static final int CHECKSUM_OFFSET = PROTOCOL_OFFSET + 1;

    /**
     * Source address, 4 bytes.
     */
    public static final int SOURCE_OFFSET = CHECKSUM_OFFSET + 2;

    /**
     * Destination address, 4 bytes.
     */
    public static final int DESTINATION_OFFSET = SOURCE_OFFSET + Ipv4Address.LENGTH;

    /**
     * Length of a header without options: 20 bytes.
     */
    public static final int MIN_HEADER_LENGTH = DESTINATION_OFFSET + Ipv4Address.LENGTH;

    /**
     * Length of the longest header, IHL 15: 60 bytes.
     */
    public static final int MAX_HEADER_LENGTH = 15 * 4;

    /**
     * The only version spoken.
     */
    public static final int VERSION = 4;

    /**
     * Protocol number of ICMP.
     */
    public static final int PROTOCOL_ICMP = 1;

    /**
     * Protocol number of TCP.
     */
    public static final int PROTOCOL_TCP = 6;

    /**
     * Protocol number of UDP.
     */
    public static final int PROTOCOL_UDP = 17;

    private static final int FLAG_DONT_FRAGMENT = 0x4000;
    private static final int FLAG_MORE_FRAGMENTS = 0x2000;
    private static final int FRAGMENT_OFFSET_MASK = 0x1FFF;

    private MutableDirectBuffer buffer;
    private int offset;
    private int length;

    /**
     * Wrap a packet. No checks: see {@link #check()}.
     *
     * @param buffer holding the packet.
     * @param offset of the first byte of the header.
     * @param length bytes available from {@code offset}, at least {@link #totalLength()} for a valid packet.
     * @return this for a fluent API.
     */
    public Ipv4Flyweight wrap(final MutableDirectBuffer buffer, final int offset, final int length)
    {
        this.buffer = buffer;
        this.offset = offset;
        this.length = length;

        return this;
    }

    /**
     * The wrapped buffer.
     *
     * @return the wrapped buffer.
     */
    public MutableDirectBuffer buffer()
    {
        return buffer;
    }

    /**
     * Index of the first byte of the header in the buffer.
     *
     * @return index of the first byte of the header in the buffer.
     */
    public int offset()
    {
        return offset;
    }

    /**
     * Bytes available from {@link #offset()}, as wrapped.
     *
     * @return bytes available from {@link #offset()}.
     */
    public int length()
    {
        return length;
    }

    /**
     * IP version.
     *
     * @return 0..15, 4 once checked.
     */
    public int version()
    {
        return (buffer.getByte(offset + VERSION_IHL_OFFSET) >>> 4) & 0xF;
    }

    /**
     * Header length in bytes: IHL * 4.
     *
     * @return 0..60, 20 without options.
     */
    public int headerLength()
    {
        return (buffer.getByte(offset + VERSION_IHL_OFFSET) & 0xF) << 2;
    }

    /**
     * Set version and header length.
     *
     * @param version            IP version, 4.
     * @param headerLengthBytes header length in bytes, a multiple of 4 from 20 to 60.
     * @return this for a fluent API.
     */
    public Ipv4Flyweight versionAndHeaderLength(final int version, final int headerLengthBytes)
    {
        buffer.putByte(offset + VERSION_IHL_OFFSET, (byte)((version << 4) | ((headerLengthBytes >>> 2) & 0xF)));
        return this;
    }

    /**
     * Type of service.
     *
     * @return 0..255.
     */
    public int tos()
    {
        return buffer.getByte(offset + TOS_OFFSET) & 0xFF;
    }

    /**
     * Set the type of service.
     *
     * @param tos 0..255.
     * @return this for a fluent API.
     */
    public Ipv4Flyweight tos(final int tos)
    {
        buffer.putByte(offset + TOS_OFFSET, (byte)tos);
        return this;
    }

    /**
     * Total length of header and payload.
     *
     * @return 0..65535 bytes.
     */
    public int totalLength()
    {
        return buffer.getShort(offset + TOTAL_LENGTH_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    /**
     * Set the total length of header and payload.
     *
     * @param totalLength in bytes.
     * @return this for a fluent API.
     */
    public Ipv4Flyweight totalLength(final int totalLength)
    {
        buffer.putShort(offset + TOTAL_LENGTH_OFFSET, (short)totalLength, BIG_ENDIAN);
        return this;
    }

    /**
     * Identification, shared by the fragments of a datagram.
     *
     * @return 0..65535.
     */
    public int identification()
    {
        return buffer.getShort(offset + IDENTIFICATION_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    /**
     * Set the identification.
     *
     * @param identification 0..65535.
     * @return this for a fluent API.
     */
    public Ipv4Flyweight identification(final int identification)
    {
        buffer.putShort(offset + IDENTIFICATION_OFFSET, (short)identification, BIG_ENDIAN);
        return this;
    }

    /**
     * The raw flags and fragment offset field.
     *
     * @return 0..0xFFFF: reserved, DF and MF flags in the top 3 bits, the offset in 8-byte units below.
     */
    public int flagsAndFragment()
    {
        return buffer.getShort(offset + FLAGS_FRAGMENT_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    /**
     * The DF flag.
     *
     * @return true if the datagram must not be fragmented.
     */
    public boolean dontFragment()
    {
        return (flagsAndFragment() & FLAG_DONT_FRAGMENT) != 0;
    }

    /**
     * The MF flag.
     *
     * @return true if more fragments follow this one.
     */
    public boolean moreFragments()
    {
        return (flagsAndFragment() & FLAG_MORE_FRAGMENTS) != 0;
    }

    /**
     * Offset of this fragment's payload in the original datagram.
     *
     * @return offset in bytes (the field times 8).
     */
    public int fragmentOffset()
    {
        return (flagsAndFragment() & FRAGMENT_OFFSET_MASK) << 3;
    }

    /**
     * Is this a fragment of a larger datagram (MF set, or a non-zero fragment offset)?
     *
     * @return true for any fragment, first and last included.
     */
    public boolean isFragment()
    {
        return (flagsAndFragment() & (FLAG_MORE_FRAGMENTS | FRAGMENT_OFFSET_MASK)) != 0;
    }

    /**
     * Set the flags and fragment offset; the reserved flag is written as zero.
     *
     * @param dontFragment        the DF flag.
     * @param moreFragments       the MF flag.
     * @param fragmentOffsetBytes offset in bytes, a multiple of 8 (the low 3 bits are dropped) below 65536.
     * @return this for a fluent API.
     */
    public Ipv4Flyweight flagsAndFragment(
        final boolean dontFragment, final boolean moreFragments, final int fragmentOffsetBytes)
    {
        final int value = (dontFragment ? FLAG_DONT_FRAGMENT : 0) |
            (moreFragments ? FLAG_MORE_FRAGMENTS : 0) |
            ((fragmentOffsetBytes >>> 3) & FRAGMENT_OFFSET_MASK);
        buffer.putShort(offset + FLAGS_FRAGMENT_OFFSET, (short)value, BIG_ENDIAN);
        return this;
    }

    /**
     * Time to live.
     *
     * @return 0..255.
     */
    public int ttl()
    {
        return buffer.getByte(offset + TTL_OFFSET) & 0xFF;
    }

    /**
     * Set the time to live; the checksum is not updated (see {@link #decrementTtl()}).
     *
     * @param ttl 0..255.
     * @return this for a fluent API.
     */
    public Ipv4Flyweight ttl(final int ttl)
    {
        buffer.putByte(offset + TTL_OFFSET, (byte)ttl);
        return this;
    }

    /**
     * Protocol of the payload.
     *
     * @return 0..255, e.g. {@link #PROTOCOL_UDP}.
     */
    public int protocol()
    {
        return buffer.getByte(offset + PROTOCOL_OFFSET) & 0xFF;
    }

    /**
     * Set the protocol of the payload.
     *
     * @param protocol e.g. {@link #PROTOCOL_ICMP}.
     * @return this for a fluent API.
     */
    public Ipv4Flyweight protocol(final int protocol)
    {
        buffer.putByte(offset + PROTOCOL_OFFSET, (byte)protocol);
        return this;
    }

    /**
     * Header checksum field as found.
     *
     * @return 0..0xFFFF.
     */
    public int headerChecksum()
    {
        return buffer.getShort(offset + CHECKSUM_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    /**
     * Set the header checksum field.
     *
     * @param checksum 0..0xFFFF.
     * @return this for a fluent API.
     */
    public Ipv4Flyweight headerChecksum(final int checksum)
    {
        buffer.putShort(offset + CHECKSUM_OFFSET, (short)checksum, BIG_ENDIAN);
        return this;
    }

    /**
     * Source address.
     *
     * @return IPv4 address in network order.
     */
    public int source()
    {
        return buffer.getInt(offset + SOURCE_OFFSET, BIG_ENDIAN);
    }

    /**
     * Set the source address.
     *
     * @param ip IPv4 address in network order.
     * @return this for a fluent API.
     */
    public Ipv4Flyweight source(final int ip)
    {
        buffer.putInt(offset + SOURCE_OFFSET, ip, BIG_ENDIAN);
        return this;
    }

    /**
     * Destination address.
     *
     * @return IPv4 address in network order.
     */
    public int destination()
    {
        return buffer.getInt(offset + DESTINATION_OFFSET, BIG_ENDIAN);
    }

    /**
     * Set the destination address.
     *
     * @param ip IPv4 address in network order.
     * @return this for a fluent API.
     */
    public Ipv4Flyweight destination(final int ip)
    {
        buffer.putInt(offset + DESTINATION_OFFSET, ip, BIG_ENDIAN);
        return this;
    }

    /**
     * Write a 20-byte header without options (IHL 5), its checksum included.
     *
     * @param tos                 type of service.
     * @param totalLength         header plus payload in bytes.
     * @param identification      identification.
     * @param dontFragment        the DF flag.
     * @param moreFragments       the MF flag.
     * @param fragmentOffsetBytes fragment offset in bytes, a multiple of 8.
     * @param ttl                 time to live.
     * @param protocol            protocol of the payload.
     * @param source              source address.
     * @param destination         destination address.
     * @return this for a fluent API.
     */
    public Ipv4Flyweight writeHeader(
        final int tos,
        final int totalLength,
        final int identification,
        final boolean dontFragment,
        final boolean moreFragments,
        final int fragmentOffsetBytes,
        final int ttl,
        final int protocol,
        final int source,
        final int destination)
    {
        return versionAndHeaderLength(VERSION, MIN_HEADER_LENGTH)
            .tos(tos)
            .totalLength(totalLength)
            .identification(identification)
            .flagsAndFragment(dontFragment, moreFragments, fragmentOffsetBytes)
            .ttl(ttl)
            .protocol(protocol)
            .headerChecksum(0)
            .source(source)
            .destination(destination)
            .updateHeaderChecksum();
    }

    /**
     * Compute the header checksum over {@link #headerLength()} bytes, the checksum field taken as zero.
     * The header must lie within the buffer: call after {@link #check()} has got past the length checks.
     *
     * @return the checksum to write in the header.
     */
    public int computeHeaderChecksum()
    {
        final int sum = Checksum.sum(buffer, offset, CHECKSUM_OFFSET, 0);
        final int afterChecksum = CHECKSUM_OFFSET + 2;

        return Checksum.fold(Checksum.sum(buffer, offset + afterChecksum, headerLength() - afterChecksum, sum));
    }

    /**
     * Compute and write the header checksum.
     *
     * @return this for a fluent API.
     */
    public Ipv4Flyweight updateHeaderChecksum()
    {
        return headerChecksum(computeHeaderChecksum());
    }

    /**
     * Does the header, checksum field included, sum to the one's complement zero?
     *
     * @return true if the header checksum verifies.
     */
    public boolean isHeaderChecksumValid()
    {
        return 0 == Checksum.compute(buffer, offset, headerLength());
    }

    /**
     * Decrement the TTL as a router does and update the checksum incrementally, RFC 1624 equation 3:
     * {@code HC' = ~(~HC + ~m + m')} where m is the 16-bit word holding TTL and protocol. The result equals a full
     * recompute for a header whose checksum was valid. The caller drops packets whose TTL is 1 or 0 first;
     * a TTL of 0 wraps to 255.
     */
    public void decrementTtl()
    {
        final int index = offset + TTL_OFFSET;
        final int oldWord = buffer.getShort(index, BIG_ENDIAN) & 0xFFFF;
        final int newWord = (oldWord - 0x0100) & 0xFFFF;
        buffer.putShort(index, (short)newWord, BIG_ENDIAN);

        final int sum = (~headerChecksum() & 0xFFFF) + (~oldWord & 0xFFFF) + newWord;
        headerChecksum(Checksum.fold(sum));
    }

    /**
     * Index in the buffer of the first payload byte, after any options.
     *
     * @return {@code offset() + headerLength()}.
     */
    public int payloadOffset()
    {
        return offset + headerLength();
    }

    /**
     * Payload length from the header fields, Ethernet padding excluded.
     *
     * @return {@code totalLength() - headerLength()}.
     */
    public int payloadLength()
    {
        return totalLength() - headerLength();
    }

    /**
     * Check the header: length, version, IHL, total length and checksum, in that order.
     * Never throws and never allocates for any {@code (offset, length)} within the buffer.
     *
     * @return {@link PacketError#NONE} or the first problem found.
     */
    public PacketError check()
    {
        if (length < MIN_HEADER_LENGTH)
        {
            return PacketError.TRUNCATED_IPV4;
        }

        if (VERSION != version())
        {
            return PacketError.BAD_IPV4_VERSION;
        }

        final int headerLength = headerLength();
        if (headerLength < MIN_HEADER_LENGTH || headerLength > length)
        {
            return PacketError.BAD_IPV4_HEADER_LENGTH;
        }

        final int totalLength = totalLength();
        if (totalLength < headerLength || totalLength > length)
        {
            return PacketError.BAD_IPV4_TOTAL_LENGTH;
        }

        if (!isHeaderChecksumValid())
        {
            return PacketError.BAD_IPV4_CHECKSUM;
        }

        return PacketError.NONE;
    }

    /**
     * {@link #check()} for API/CLI edges.
     *
     * @throws MalformedPacketException saying what was found and what was expected.
     */
    public void validate()
    {
        final PacketError error = check();
        switch (error)
        {
            case NONE:
                return;

            case TRUNCATED_IPV4:
                throw new MalformedPacketException(
                    error,
                    "truncated IPv4 header: " + length + " bytes (expected: " + MIN_HEADER_LENGTH + "+ bytes)");

            case BAD_IPV4_VERSION:
                throw new MalformedPacketException(
                    error, "bad IPv4 version: " + version() + " (expected: " + VERSION + ")");

            case BAD_IPV4_HEADER_LENGTH:
                throw new MalformedPacketException(
                    error,
                    "bad IPv4 header length: " + headerLength() + " bytes (expected: " + MIN_HEADER_LENGTH + ".." +
                    Math.min(MAX_HEADER_LENGTH, length) + " bytes, " + length + " available)");

            case BAD_IPV4_TOTAL_LENGTH:
                throw new MalformedPacketException(
                    error,
                    "bad IPv4 total length: " + totalLength() + " bytes (expected: " + headerLength() + ".." +
                    Math.min(0xFFFF, length) + " bytes, " + length + " available)");

            default:
                throw new MalformedPacketException(
                    error,
                    "bad IPv4 header checksum: 0x" + PacketFormat.hex(headerChecksum(), 4) +
                    " (expected: 0x" + PacketFormat.hex(computeHeaderChecksum(), 4) + ")");
        }
    }

    /**
     * Name of an IP protocol number for logs and metrics; unknown values are named, never refused.
     *
     * @param protocol 0..255.
     * @return {@code "ICMP"}, {@code "TCP"}, {@code "UDP"} or e.g. {@code "UNKNOWN(0x2f)"}.
     */
    public static String protocolName(final int protocol)
    {
        switch (protocol)
        {
            case PROTOCOL_ICMP:
                return "ICMP";
            case PROTOCOL_TCP:
                return "TCP";
            case PROTOCOL_UDP:
                return "UDP";
            default:
                return "UNKNOWN(0x" + PacketFormat.hex(protocol, 2) + ")";
        }
    }

    /**
     * One line for logs, tcpdump style, e.g.
     * {@code "IPv4 10.244.1.2 > 10.244.2.3: UDP, ttl 64, id 1, length 48"}.
     *
     * @return the description; allocates.
     */
    @Override
    public String toString()
    {
        if (null == buffer)
        {
            return "IPv4 (unwrapped)";
        }

        if (length < MIN_HEADER_LENGTH)
        {
            return "IPv4 " + PacketError.TRUNCATED_IPV4.label() + ", length " + length;
        }

        final StringBuilder builder = new StringBuilder(96).append("IPv4 ");
        Ipv4Address.appendTo(builder, source()).append(" > ");
        Ipv4Address.appendTo(builder, destination())
            .append(": ").append(protocolName(protocol()))
            .append(", ttl ").append(ttl())
            .append(", id ").append(identification());
        if (dontFragment())
        {
            builder.append(", DF");
        }
        if (isFragment())
        {
            builder.append(", frag ").append(fragmentOffset()).append(moreFragments() ? "+" : "");
        }
        builder.append(", length ").append(totalLength());

        final PacketError error = check();
        if (PacketError.NONE != error)
        {
            builder.append(" [").append(error.label()).append(']');
        }

        return builder.toString();
    }
}
