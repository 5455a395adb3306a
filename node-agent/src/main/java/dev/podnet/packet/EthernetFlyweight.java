package dev.podnet.packet;

import org.agrona.MutableDirectBuffer;

import static java.nio.ByteOrder.BIG_ENDIAN;

/**
 * Flyweight over an Ethernet II frame header (IEEE 802.3 with an EtherType, RFC 894), without preamble or FCS.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                      Destination Address                      |
 *  +                               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                               |                               |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               +
 *  |                        Source Address                         |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |           EtherType           |          Payload ...          |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 * Wrap it at {@code (buffer, offset, length)} where {@code length} is the number of frame bytes available.
 * Accessors do no checks beyond the buffer's own bounds checks; call {@link #check()} once per received frame.
 * Not thread-safe: one instance per agent, reused for every frame.
 */
public final class EthernetFlyweight
{
    /**
     * Destination MAC, 6 bytes.
     */
    public static final int DESTINATION_OFFSET = 0;

    /**
     * Source MAC, 6 bytes.
     */
    public static final int SOURCE_OFFSET = DESTINATION_OFFSET + MacAddress.LENGTH;

    /**
     * EtherType, 2 bytes.
     */
    public static final int ETHER_TYPE_OFFSET = SOURCE_OFFSET + MacAddress.LENGTH;

    /**
     * Length of the header: 14 bytes.
     */
    public static final int HEADER_LENGTH = ETHER_TYPE_OFFSET + 2;

    /**
     * EtherType of IPv4.
     */
    public static final int ETHER_TYPE_IPV4 = 0x0800;

    /**
     * EtherType of ARP.
     */
    public static final int ETHER_TYPE_ARP = 0x0806;

    /**
     * EtherType of IPv6 (named, never handled).
     */
    public static final int ETHER_TYPE_IPV6 = 0x86DD;

    private MutableDirectBuffer buffer;
    private int offset;
    private int length;

    /**
     * Wrap a frame. No checks: see {@link #check()}.
     *
     * @param buffer holding the frame.
     * @param offset of the first byte of the frame.
     * @param length of the frame in bytes (bytes available).
     * @return this for a fluent API.
     */
    public EthernetFlyweight wrap(final MutableDirectBuffer buffer, final int offset, final int length)
    {
        this.buffer = buffer;
        this.offset = offset;
        this.length = length;

        return this;
    }

    /**
     * Wrap a frame that runs to the end of the buffer.
     *
     * @param buffer holding the frame.
     * @param offset of the first byte of the frame.
     * @return this for a fluent API.
     */
    public EthernetFlyweight wrap(final MutableDirectBuffer buffer, final int offset)
    {
        return wrap(buffer, offset, buffer.capacity() - offset);
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
     * Index of the first byte of the frame in the buffer.
     *
     * @return index of the first byte of the frame in the buffer.
     */
    public int offset()
    {
        return offset;
    }

    /**
     * Length of the frame in bytes, as wrapped.
     *
     * @return length of the frame in bytes.
     */
    public int length()
    {
        return length;
    }

    /**
     * Destination MAC.
     *
     * @return 48-bit MAC in the low bits.
     */
    public long destination()
    {
        return MacAddress.getMac(buffer, offset + DESTINATION_OFFSET);
    }

    /**
     * Set the destination MAC.
     *
     * @param mac 48-bit MAC in the low bits.
     * @return this for a fluent API.
     */
    public EthernetFlyweight destination(final long mac)
    {
        MacAddress.putMac(buffer, offset + DESTINATION_OFFSET, mac);
        return this;
    }

    /**
     * Source MAC.
     *
     * @return 48-bit MAC in the low bits.
     */
    public long source()
    {
        return MacAddress.getMac(buffer, offset + SOURCE_OFFSET);
    }

    /**
     * Set the source MAC.
     *
     * @param mac 48-bit MAC in the low bits.
     * @return this for a fluent API.
     */
    public EthernetFlyweight source(final long mac)
    {
        MacAddress.putMac(buffer, offset + SOURCE_OFFSET, mac);
        return this;
    }

    /**
     * EtherType of the payload.
     *
     * @return 0..0xFFFF, e.g. {@link #ETHER_TYPE_IPV4}.
     */
    public int etherType()
    {
        return buffer.getShort(offset + ETHER_TYPE_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    /**
     * Set the EtherType of the payload.
     *
     * @param etherType e.g. {@link #ETHER_TYPE_ARP}.
     * @return this for a fluent API.
     */
    public EthernetFlyweight etherType(final int etherType)
    {
        buffer.putShort(offset + ETHER_TYPE_OFFSET, (short)etherType, BIG_ENDIAN);
        return this;
    }

    /**
     * Index in the buffer of the first payload byte.
     *
     * @return {@code offset() + HEADER_LENGTH}.
     */
    public int payloadOffset()
    {
        return offset + HEADER_LENGTH;
    }

    /**
     * Bytes after the header, padding included.
     *
     * @return {@code length() - HEADER_LENGTH}.
     */
    public int payloadLength()
    {
        return length - HEADER_LENGTH;
    }

    /**
     * Check the frame is long enough for the header. Never throws, never allocates.
     *
     * @return {@link PacketError#NONE} or {@link PacketError#TRUNCATED_ETHERNET}.
     */
    public PacketError check()
    {
        return length < HEADER_LENGTH ? PacketError.TRUNCATED_ETHERNET : PacketError.NONE;
    }

    /**
     * {@link #check()} for API/CLI edges.
     *
     * @throws MalformedPacketException if the frame is shorter than the header.
     */
    public void validate()
    {
        if (PacketError.NONE != check())
        {
            throw new MalformedPacketException(
                PacketError.TRUNCATED_ETHERNET,
                "truncated Ethernet header: " + length + " bytes (expected: " + HEADER_LENGTH + "+ bytes)");
        }
    }

    /**
     * Name of an EtherType for logs and metrics; unknown values are named, never refused.
     *
     * @param etherType 0..0xFFFF.
     * @return {@code "IPv4"}, {@code "ARP"}, {@code "IPv6"} or e.g. {@code "UNKNOWN(0x88cc)"}.
     */
    public static String etherTypeName(final int etherType)
    {
        switch (etherType)
        {
            case ETHER_TYPE_IPV4:
                return "IPv4";
            case ETHER_TYPE_ARP:
                return "ARP";
            case ETHER_TYPE_IPV6:
                return "IPv6";
            default:
                return "UNKNOWN(0x" + PacketFormat.hex(etherType, 4) + ")";
        }
    }

    /**
     * One line for logs, tcpdump style, e.g.
     * {@code "Ethernet 0a:58:0a:f4:01:02 > ff:ff:ff:ff:ff:ff, ethertype ARP (0x0806), length 42"}.
     *
     * @return the description; allocates.
     */
    @Override
    public String toString()
    {
        if (null == buffer)
        {
            return "Ethernet (unwrapped)";
        }

        if (PacketError.NONE != check())
        {
            return "Ethernet truncated, length " + length;
        }

        final StringBuilder builder = new StringBuilder(80).append("Ethernet ");
        MacAddress.appendTo(builder, source()).append(" > ");
        MacAddress.appendTo(builder, destination());

        return builder
            .append(", ethertype ").append(etherTypeName(etherType()))
            .append(" (0x").append(PacketFormat.hex(etherType(), 4)).append(')')
            .append(", length ").append(length)
            .toString();
    }
}
