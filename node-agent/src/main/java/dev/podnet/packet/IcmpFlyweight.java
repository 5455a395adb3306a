package dev.podnet.packet;

import org.agrona.MutableDirectBuffer;

import static java.nio.ByteOrder.BIG_ENDIAN;

/**
 * Flyweight over an ICMP message (RFC 792): echo request/reply and the errors a router sends
 * (destination unreachable, with the RFC 1191 next-hop MTU for "fragmentation needed", and time exceeded).
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |     Type      |     Code      |          Checksum             |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |           Identifier          |        Sequence Number        |  echo request / reply
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |     Data ...
 *  +-+-+-+-+-
 *
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |     Type      |     Code      |          Checksum             |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |           unused = 0          |  Next-Hop MTU (code 4) or 0   |  unreachable / time exceeded
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |      Internet Header + 64 bits of Original Data Datagram      |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 * Wrap it at the IPv4 payload: {@code (buffer, ipv4.payloadOffset(), ipv4.payloadLength())}; the length is the
 * whole ICMP message, which the checksum covers. Accessors do no checks beyond the buffer's own bounds checks;
 * call {@link #check()} once per received message. Not thread-safe: one instance per agent.
 */
public final class IcmpFlyweight
{
    /**
     * Type, 1 byte.
     */
    public static final int TYPE_OFFSET = 0;

    /**
     * Code, 1 byte.
     */
    public static final int CODE_OFFSET = TYPE_OFFSET + 1;

    /**
     * Checksum over the whole message, 2 bytes.
     */
    public static final int CHECKSUM_OFFSET = CODE_OFFSET + 1;

    /**
     * Echo identifier, 2 bytes.
     */
    public static final int IDENTIFIER_OFFSET = CHECKSUM_OFFSET + 2;

    /**
     * Echo sequence number, 2 bytes.
     */
    public static final int SEQUENCE_OFFSET = IDENTIFIER_OFFSET + 2;

    /**
     * Next-hop MTU of "fragmentation needed" (RFC 1191), 2 bytes; shares its place with the sequence number.
     */
    public static final int NEXT_HOP_MTU_OFFSET = SEQUENCE_OFFSET;

    /**
     * Length of the header: 8 bytes.
     */
    public static final int HEADER_LENGTH = SEQUENCE_OFFSET + 2;

    /**
     * Echo reply.
     */
    public static final int TYPE_ECHO_REPLY = 0;

    /**
     * Destination unreachable, see the {@code CODE_*_UNREACHABLE} codes.
     */
    public static final int TYPE_DESTINATION_UNREACHABLE = 3;

    /**
     * Echo request.
     */
    public static final int TYPE_ECHO_REQUEST = 8;

    /**
     * Time exceeded, see {@link #CODE_TTL_EXCEEDED} and {@link #CODE_REASSEMBLY_TIME_EXCEEDED}.
     */
    public static final int TYPE_TIME_EXCEEDED = 11;

    /**
     * Destination unreachable: no route to the network.
     */
    public static final int CODE_NET_UNREACHABLE = 0;

    /**
     * Destination unreachable: the host does not answer (e.g. no ARP reply).
     */
    public static final int CODE_HOST_UNREACHABLE = 1;

    /**
     * Destination unreachable: protocol not handled by the host.
     */
    public static final int CODE_PROTOCOL_UNREACHABLE = 2;

    /**
     * Destination unreachable: no socket bound to the UDP port.
     */
    public static final int CODE_PORT_UNREACHABLE = 3;

    /**
     * Destination unreachable: fragmentation needed and DF set; carries the next-hop MTU.
     */
    public static final int CODE_FRAGMENTATION_NEEDED = 4;

    /**
     * Time exceeded: TTL reached zero in transit.
     */
    public static final int CODE_TTL_EXCEEDED = 0;

    /**
     * Time exceeded: fragment reassembly time exceeded.
     */
    public static final int CODE_REASSEMBLY_TIME_EXCEEDED = 1;

    /**
     * Bytes of the offending datagram quoted after its IP header in an error (RFC 792: "64 bits").
     */
    public static final int ERROR_QUOTE_DATA_LENGTH = 8;

    private MutableDirectBuffer buffer;
    private int offset;
    private int length;

    /**
     * Wrap a message. No checks: see {@link #check()}.
     *
     * @param buffer holding the message.
     * @param offset of the first byte of the message.
     * @param length of the whole message in bytes, header and data.
     * @return this for a fluent API.
     */
    public IcmpFlyweight wrap(final MutableDirectBuffer buffer, final int offset, final int length)
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
     * Index of the first byte of the message in the buffer.
     *
     * @return index of the first byte of the message in the buffer.
     */
    public int offset()
    {
        return offset;
    }

    /**
     * Length of the whole message in bytes, as wrapped.
     *
     * @return length of the whole message in bytes.
     */
    public int length()
    {
        return length;
    }

    /**
     * Type.
     *
     * @return 0..255, e.g. {@link #TYPE_ECHO_REQUEST}.
     */
    public int type()
    {
        return buffer.getByte(offset + TYPE_OFFSET) & 0xFF;
    }

    /**
     * Set the type.
     *
     * @param type e.g. {@link #TYPE_ECHO_REPLY}.
     * @return this for a fluent API.
     */
    public IcmpFlyweight type(final int type)
    {
        buffer.putByte(offset + TYPE_OFFSET, (byte)type);
        return this;
    }

    /**
     * Code.
     *
     * @return 0..255.
     */
    public int code()
    {
        return buffer.getByte(offset + CODE_OFFSET) & 0xFF;
    }

    /**
     * Set the code.
     *
     * @param code e.g. {@link #CODE_PORT_UNREACHABLE}.
     * @return this for a fluent API.
     */
    public IcmpFlyweight code(final int code)
    {
        buffer.putByte(offset + CODE_OFFSET, (byte)code);
        return this;
    }

    /**
     * Checksum field as found.
     *
     * @return 0..0xFFFF.
     */
    public int checksum()
    {
        return buffer.getShort(offset + CHECKSUM_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    /**
     * Set the checksum field.
     *
     * @param checksum 0..0xFFFF.
     * @return this for a fluent API.
     */
    public IcmpFlyweight checksum(final int checksum)
    {
        buffer.putShort(offset + CHECKSUM_OFFSET, (short)checksum, BIG_ENDIAN);
        return this;
    }

    /**
     * Echo identifier.
     *
     * @return 0..0xFFFF.
     */
    public int identifier()
    {
        return buffer.getShort(offset + IDENTIFIER_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    /**
     * Set the echo identifier.
     *
     * @param identifier 0..0xFFFF.
     * @return this for a fluent API.
     */
    public IcmpFlyweight identifier(final int identifier)
    {
        buffer.putShort(offset + IDENTIFIER_OFFSET, (short)identifier, BIG_ENDIAN);
        return this;
    }

    /**
     * Echo sequence number.
     *
     * @return 0..0xFFFF.
     */
    public int sequence()
    {
        return buffer.getShort(offset + SEQUENCE_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    /**
     * Set the echo sequence number.
     *
     * @param sequence 0..0xFFFF.
     * @return this for a fluent API.
     */
    public IcmpFlyweight sequence(final int sequence)
    {
        buffer.putShort(offset + SEQUENCE_OFFSET, (short)sequence, BIG_ENDIAN);
        return this;
    }

    /**
     * Next-hop MTU of a "fragmentation needed" error.
     *
     * @return 0..0xFFFF bytes.
     */
    public int nextHopMtu()
    {
        return buffer.getShort(offset + NEXT_HOP_MTU_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    /**
     * Set the next-hop MTU of a "fragmentation needed" error.
     *
     * @param mtu in bytes.
     * @return this for a fluent API.
     */
    public IcmpFlyweight nextHopMtu(final int mtu)
    {
        buffer.putShort(offset + NEXT_HOP_MTU_OFFSET, (short)mtu, BIG_ENDIAN);
        return this;
    }

    /**
     * Index in the buffer of the first byte after the 8-byte header: echo data or the quoted datagram.
     *
     * @return {@code offset() + HEADER_LENGTH}.
     */
    public int payloadOffset()
    {
        return offset + HEADER_LENGTH;
    }

    /**
     * Bytes after the 8-byte header.
     *
     * @return {@code length() - HEADER_LENGTH}.
     */
    public int payloadLength()
    {
        return length - HEADER_LENGTH;
    }

    /**
     * Compute the checksum over {@link #length()} bytes, the checksum field taken as zero.
     *
     * @return the checksum to write.
     */
    public int computeChecksum()
    {
        final int sum = Checksum.sum(buffer, offset, CHECKSUM_OFFSET, 0);
        final int afterChecksum = CHECKSUM_OFFSET + 2;

        return Checksum.fold(Checksum.sum(buffer, offset + afterChecksum, length - afterChecksum, sum));
    }

    /**
     * Compute and write the checksum over {@link #length()} bytes; call after the data is written.
     *
     * @return this for a fluent API.
     */
    public IcmpFlyweight updateChecksum()
    {
        return checksum(computeChecksum());
    }

    /**
     * Does the message, checksum field included, sum to the one's complement zero?
     *
     * @return true if the checksum verifies.
     */
    public boolean isChecksumValid()
    {
        return 0 == Checksum.compute(buffer, offset, length);
    }

    /**
     * Write the header of an echo request or reply: type, code 0, identifier, sequence, checksum 0.
     * Write the data next, then call {@link #updateChecksum()}.
     *
     * @param type       {@link #TYPE_ECHO_REQUEST} or {@link #TYPE_ECHO_REPLY}.
     * @param identifier echo identifier.
     * @param sequence   echo sequence number.
     * @return this for a fluent API.
     */
    public IcmpFlyweight writeEcho(final int type, final int identifier, final int sequence)
    {
        return type(type)
            .code(0)
            .checksum(0)
            .identifier(identifier)
            .sequence(sequence);
    }

    /**
     * Write the header of an error: type, code, checksum 0, four bytes of zero except the next-hop MTU in
     * bytes 6-7 of "fragmentation needed". Copy the quote of the offending datagram next
     * (see {@link #errorQuoteLength(int, int)}), then call {@link #updateChecksum()}.
     *
     * @param type       {@link #TYPE_DESTINATION_UNREACHABLE} or {@link #TYPE_TIME_EXCEEDED}.
     * @param code       e.g. {@link #CODE_PORT_UNREACHABLE}.
     * @param nextHopMtu MTU of the next hop for {@link #CODE_FRAGMENTATION_NEEDED}; ignored for other errors.
     * @return this for a fluent API.
     */
    public IcmpFlyweight writeError(final int type, final int code, final int nextHopMtu)
    {
        final boolean fragmentationNeeded =
            TYPE_DESTINATION_UNREACHABLE == type && CODE_FRAGMENTATION_NEEDED == code;

        return type(type)
            .code(code)
            .checksum(0)
            .identifier(0)
            .nextHopMtu(fragmentationNeeded ? nextHopMtu : 0);
    }

    /**
     * Check the message is long enough for the header and its checksum verifies.
     * Never throws and never allocates for any {@code (offset, length)} within the buffer.
     *
     * @return {@link PacketError#NONE}, {@link PacketError#TRUNCATED_ICMP} or {@link PacketError#BAD_ICMP_CHECKSUM}.
     */
    public PacketError check()
    {
        if (length < HEADER_LENGTH)
        {
            return PacketError.TRUNCATED_ICMP;
        }

        if (!isChecksumValid())
        {
            return PacketError.BAD_ICMP_CHECKSUM;
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

            case TRUNCATED_ICMP:
                throw new MalformedPacketException(
                    error, "truncated ICMP header: " + length + " bytes (expected: " + HEADER_LENGTH + "+ bytes)");

            default:
                throw new MalformedPacketException(
                    error,
                    "bad ICMP checksum: 0x" + PacketFormat.hex(checksum(), 4) +
                    " (expected: 0x" + PacketFormat.hex(computeChecksum(), 4) + ")");
        }
    }

    /**
     * How many bytes of an offending datagram an error quotes: its IP header and the first 8 bytes of its
     * payload (RFC 792), or less if less is available.
     *
     * @param originalIpHeaderLength header length of the offending datagram in bytes.
     * @param originalAvailable      bytes of the offending datagram available from its first byte.
     * @return {@code min(originalAvailable, originalIpHeaderLength + 8)}.
     */
    public static int errorQuoteLength(final int originalIpHeaderLength, final int originalAvailable)
    {
        return Math.min(originalAvailable, originalIpHeaderLength + ERROR_QUOTE_DATA_LENGTH);
    }

    /**
     * Name of a type and code for logs and metrics; unknown combinations are named, never refused.
     *
     * @param type 0..255.
     * @param code 0..255.
     * @return e.g. {@code "echo-request"}, {@code "port-unreachable"}, {@code "frag-needed"},
     * {@code "time-exceeded"} or {@code "UNKNOWN(42/0)"}.
     */
    public static String typeName(final int type, final int code)
    {
        switch (type)
        {
            case TYPE_ECHO_REPLY:
                return "echo-reply";

            case TYPE_ECHO_REQUEST:
                return "echo-request";

            case TYPE_DESTINATION_UNREACHABLE:
                switch (code)
                {
                    case CODE_NET_UNREACHABLE:
                        return "net-unreachable";
                    case CODE_HOST_UNREACHABLE:
                        return "host-unreachable";
                    case CODE_PROTOCOL_UNREACHABLE:
                        return "protocol-unreachable";
                    case CODE_PORT_UNREACHABLE:
                        return "port-unreachable";
                    case CODE_FRAGMENTATION_NEEDED:
                        return "frag-needed";
                    default:
                        break;
                }
                break;

            case TYPE_TIME_EXCEEDED:
                switch (code)
                {
                    case CODE_TTL_EXCEEDED:
                        return "time-exceeded";
                    case CODE_REASSEMBLY_TIME_EXCEEDED:
                        return "reassembly-time-exceeded";
                    default:
                        break;
                }
                break;

            default:
                break;
        }

        return "UNKNOWN(" + type + "/" + code + ")";
    }

    /**
     * One line for logs, tcpdump style, e.g. {@code "ICMP echo-request, id 7, seq 1, length 64"}.
     *
     * @return the description; allocates.
     */
    @Override
    public String toString()
    {
        if (null == buffer)
        {
            return "ICMP (unwrapped)";
        }

        if (length < HEADER_LENGTH)
        {
            return "ICMP " + PacketError.TRUNCATED_ICMP.label() + ", length " + length;
        }

        final int type = type();
        final StringBuilder builder = new StringBuilder(64).append("ICMP ").append(typeName(type, code()));
        if (TYPE_ECHO_REQUEST == type || TYPE_ECHO_REPLY == type)
        {
            builder.append(", id ").append(identifier()).append(", seq ").append(sequence());
        }
        else if (TYPE_DESTINATION_UNREACHABLE == type && CODE_FRAGMENTATION_NEEDED == code())
        {
            builder.append(", mtu ").append(nextHopMtu());
        }
        builder.append(", length ").append(length);

        if (!isChecksumValid())
        {
            builder.append(" [").append(PacketError.BAD_ICMP_CHECKSUM.label()).append(']');
        }

        return builder.toString();
    }
}
