package dev.podnet.packet;

import org.agrona.MutableDirectBuffer;

import static java.nio.ByteOrder.BIG_ENDIAN;

/**
 * Flyweight over a UDP datagram (RFC 768).
 * <pre>
 *   0      7 8     15 16    23 24    31
 *  +--------+--------+--------+--------+
 *  |     Source      |   Destination   |
 *  |      Port       |      Port       |
 *  +--------+--------+--------+--------+
 *  |                 |                 |
 *  |     Length      |    Checksum     |
 *  +--------+--------+--------+--------+
 *  |
 *  |          data octets ...
 *  +---------------- ...
 * </pre>
 * The checksum covers the IPv4 pseudo-header (see {@link Checksum#pseudoHeaderSum(int, int, int, int)}), the
 * header and the data; a checksum field of zero means the sender computed none, and a computed zero is sent as
 * 0xFFFF. Wrap it at the IPv4 payload: {@code (buffer, ipv4.payloadOffset(), ipv4.payloadLength())}.
 * Accessors do no checks beyond the buffer's own bounds checks; call {@link #check(int, int)} once per received
 * datagram. Not thread-safe: one instance per agent.
 */
public final class UdpFlyweight
{
    /**
     * Source port, 2 bytes.
     */
    public static final int SOURCE_PORT_OFFSET = 0;

    /**
     * Destination port, 2 bytes.
     */
    public static final int DESTINATION_PORT_OFFSET = SOURCE_PORT_OFFSET + 2;

    /**
     * Length of header and data in bytes, 2 bytes.
     */
    public static final int LENGTH_OFFSET = DESTINATION_PORT_OFFSET + 2;

    /**
     * Checksum, 2 bytes.
     */
    public static final int CHECKSUM_OFFSET = LENGTH_OFFSET + 2;

    /**
     * Length of the header: 8 bytes.
     */
    public static final int HEADER_LENGTH = CHECKSUM_OFFSET + 2;

    /**
     * Checksum field value meaning "no checksum computed".
     */
    public static final int NO_CHECKSUM = 0;

    private MutableDirectBuffer buffer;
    private int offset;
    private int length;

    /**
     * Wrap a datagram. No checks: see {@link #check(int, int)}.
     *
     * @param buffer holding the datagram.
     * @param offset of the first byte of the header.
     * @param length bytes available for the datagram, normally the IPv4 payload length.
     * @return this for a fluent API.
     */
    public UdpFlyweight wrap(final MutableDirectBuffer buffer, final int offset, final int length)
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
     * Bytes available for the datagram, as wrapped.
     *
     * @return bytes available for the datagram.
     */
    public int length()
    {
        return length;
    }

    /**
     * Source port.
     *
     * @return 0..65535.
     */
    public int sourcePort()
    {
        return buffer.getShort(offset + SOURCE_PORT_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    /**
     * Set the source port.
     *
     * @param port 0..65535.
     * @return this for a fluent API.
     */
    public UdpFlyweight sourcePort(final int port)
    {
        buffer.putShort(offset + SOURCE_PORT_OFFSET, (short)port, BIG_ENDIAN);
        return this;
    }

    /**
     * Destination port.
     *
     * @return 0..65535.
     */
    public int destinationPort()
    {
        return buffer.getShort(offset + DESTINATION_PORT_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    /**
     * Set the destination port.
     *
     * @param port 0..65535.
     * @return this for a fluent API.
     */
    public UdpFlyweight destinationPort(final int port)
    {
        buffer.putShort(offset + DESTINATION_PORT_OFFSET, (short)port, BIG_ENDIAN);
        return this;
    }

    /**
     * The length field: header and data in bytes.
     *
     * @return 0..65535, at least 8 once checked.
     */
    public int udpLength()
    {
        return buffer.getShort(offset + LENGTH_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    /**
     * Set the length field.
     *
     * @param udpLength header and data in bytes.
     * @return this for a fluent API.
     */
    public UdpFlyweight udpLength(final int udpLength)
    {
        buffer.putShort(offset + LENGTH_OFFSET, (short)udpLength, BIG_ENDIAN);
        return this;
    }

    /**
     * Checksum field as found; 0 means none.
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
     * @param checksum 0..0xFFFF, 0 for none.
     * @return this for a fluent API.
     */
    public UdpFlyweight checksum(final int checksum)
    {
        buffer.putShort(offset + CHECKSUM_OFFSET, (short)checksum, BIG_ENDIAN);
        return this;
    }

    /**
     * Index in the buffer of the first data byte.
     *
     * @return {@code offset() + HEADER_LENGTH}.
     */
    public int payloadOffset()
    {
        return offset + HEADER_LENGTH;
    }

    /**
     * Data length from the length field.
     *
     * @return {@code udpLength() - HEADER_LENGTH}.
     */
    public int payloadLength()
    {
        return udpLength() - HEADER_LENGTH;
    }

    /**
     * Compute the checksum over the pseudo-header and {@link #udpLength()} bytes, the checksum field taken as
     * zero. The datagram must lie within the buffer: call after {@link #check(int, int)} has got past the length
     * checks, or after writing.
     *
     * @param sourceIp      IPv4 source address of the enclosing packet.
     * @param destinationIp IPv4 destination address of the enclosing packet.
     * @return the checksum to write, never 0 (a computed 0 is returned as 0xFFFF).
     */
    public int computeChecksum(final int sourceIp, final int destinationIp)
    {
        final int udpLength = udpLength();
        int sum = Checksum.pseudoHeaderSum(sourceIp, destinationIp, Ipv4Flyweight.PROTOCOL_UDP, udpLength);
        sum = Checksum.sum(buffer, offset, CHECKSUM_OFFSET, sum);
        sum = Checksum.sum(buffer, offset + HEADER_LENGTH, udpLength - HEADER_LENGTH, sum);

        final int checksum = Checksum.fold(sum);

        return 0 == checksum ? 0xFFFF : checksum;
    }

    /**
     * Compute and write the checksum; call after the data is written.
     *
     * @param sourceIp      IPv4 source address of the enclosing packet.
     * @param destinationIp IPv4 destination address of the enclosing packet.
     * @return this for a fluent API.
     */
    public UdpFlyweight updateChecksum(final int sourceIp, final int destinationIp)
    {
        return checksum(computeChecksum(sourceIp, destinationIp));
    }

    /**
     * Is the checksum absent (zero), or do pseudo-header and datagram, checksum field included, sum to the one's
     * complement zero?
     *
     * @param sourceIp      IPv4 source address of the enclosing packet.
     * @param destinationIp IPv4 destination address of the enclosing packet.
     * @return true if there is no checksum or it verifies.
     */
    public boolean isChecksumValid(final int sourceIp, final int destinationIp)
    {
        if (NO_CHECKSUM == checksum())
        {
            return true;
        }

        final int udpLength = udpLength();
        final int sum = Checksum.pseudoHeaderSum(sourceIp, destinationIp, Ipv4Flyweight.PROTOCOL_UDP, udpLength);

        return 0 == Checksum.fold(Checksum.sum(buffer, offset, udpLength, sum));
    }

    /**
     * Write the header: ports, length {@code 8 + payloadLength}, checksum 0.
     * Write the data next, then call {@link #updateChecksum(int, int)} (or leave the checksum out).
     *
     * @param sourcePort      source port.
     * @param destinationPort destination port.
     * @param payloadLength   data length in bytes.
     * @return this for a fluent API.
     */
    public UdpFlyweight writeHeader(final int sourcePort, final int destinationPort, final int payloadLength)
    {
        return sourcePort(sourcePort)
            .destinationPort(destinationPort)
            .udpLength(HEADER_LENGTH + payloadLength)
            .checksum(NO_CHECKSUM);
    }

    /**
     * Check header length, length field and checksum, in that order.
     * Never throws and never allocates for any {@code (offset, length)} within the buffer.
     *
     * @param sourceIp      IPv4 source address of the enclosing packet.
     * @param destinationIp IPv4 destination address of the enclosing packet.
     * @return {@link PacketError#NONE} or the first problem found.
     */
    public PacketError check(final int sourceIp, final int destinationIp)
    {
        if (length < HEADER_LENGTH)
        {
            return PacketError.TRUNCATED_UDP;
        }

        final int udpLength = udpLength();
        if (udpLength < HEADER_LENGTH || udpLength > length)
        {
            return PacketError.BAD_UDP_LENGTH;
        }

        if (!isChecksumValid(sourceIp, destinationIp))
        {
            return PacketError.BAD_UDP_CHECKSUM;
        }

        return PacketError.NONE;
    }

    /**
     * {@link #check(int, int)} for API/CLI edges.
     *
     * @param sourceIp      IPv4 source address of the enclosing packet.
     * @param destinationIp IPv4 destination address of the enclosing packet.
     * @throws MalformedPacketException saying what was found and what was expected.
     */
    public void validate(final int sourceIp, final int destinationIp)
    {
        final PacketError error = check(sourceIp, destinationIp);
        switch (error)
        {
            case NONE:
                return;

            case TRUNCATED_UDP:
                throw new MalformedPacketException(
                    error, "truncated UDP header: " + length + " bytes (expected: " + HEADER_LENGTH + "+ bytes)");

            case BAD_UDP_LENGTH:
                throw new MalformedPacketException(
                    error,
                    "bad UDP length: " + udpLength() + " bytes (expected: " + HEADER_LENGTH + ".." +
                    Math.min(0xFFFF, length) + " bytes, " + length + " available)");

            default:
                throw new MalformedPacketException(
                    error,
                    "bad UDP checksum: 0x" + PacketFormat.hex(checksum(), 4) +
                    " (expected: 0x" + PacketFormat.hex(computeChecksum(sourceIp, destinationIp), 4) + " or 0)");
        }
    }

    /**
     * One line for logs, tcpdump style, e.g. {@code "UDP 40000 > 7, length 12"}; the checksum is not verified
     * here because the addresses are not known.
     *
     * @return the description; allocates.
     */
    @Override
    public String toString()
    {
        if (null == buffer)
        {
            return "UDP (unwrapped)";
        }

        if (length < HEADER_LENGTH)
        {
            return "UDP " + PacketError.TRUNCATED_UDP.label() + ", length " + length;
        }

        return "UDP " + sourcePort() + " > " + destinationPort() + ", length " + udpLength();
    }
}
