package dev.podnet.packet;

import org.agrona.MutableDirectBuffer;

import static java.nio.ByteOrder.BIG_ENDIAN;

/**
 * Flyweight over an ARP packet (RFC 826) for IPv4 over Ethernet, the only kind podnet speaks.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |      Hardware Type (1)        |     Protocol Type (0x0800)    |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  | Hw Length (6) |Proto Length(4)|           Operation           |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                    Sender Hardware Address                    |
 *  +                               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                               |    Sender Protocol Address    |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                               |                               |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               +
 *  |                    Target Hardware Address                    |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                    Target Protocol Address                    |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 * Wrap it at the Ethernet payload: {@code (buffer, ethernet.payloadOffset(), ethernet.payloadLength())}.
 * Accessors do no checks beyond the buffer's own bounds checks; call {@link #check()} once per received packet.
 * Not thread-safe: one instance per agent, reused for every packet.
 */
public final class ArpFlyweight
{
    /**
     * Hardware type, 2 bytes.
     */
    public static final int HARDWARE_TYPE_OFFSET = 0;

    /**
     * Protocol type, 2 bytes.
     */
    public static final int PROTOCOL_TYPE_OFFSET = HARDWARE_TYPE_OFFSET + 2;

    /**
     * Hardware address length, 1 byte.
     */
    public static final int HARDWARE_LENGTH_OFFSET = PROTOCOL_TYPE_OFFSET + 2;

    /**
     * Protocol address length, 1 byte.
     */
    public static final int PROTOCOL_LENGTH_OFFSET = HARDWARE_LENGTH_OFFSET + 1;

    /**
     * Operation, 2 bytes.
     */
    public static final int OPERATION_OFFSET = PROTOCOL_LENGTH_OFFSET + 1;

    /**
     * Sender hardware address, 6 bytes.
     */
    public static final int SENDER_HARDWARE_OFFSET = OPERATION_OFFSET + 2;

    /**
     * Sender protocol address, 4 bytes.
     */
    public static final int SENDER_PROTOCOL_OFFSET = SENDER_HARDWARE_OFFSET + MacAddress.LENGTH;

    /**
     * Target hardware address, 6 bytes.
     */
    public static final int TARGET_HARDWARE_OFFSET = SENDER_PROTOCOL_OFFSET + Ipv4Address.LENGTH;

    /**
     * Target protocol address, 4 bytes.
     */
    public static final int TARGET_PROTOCOL_OFFSET = TARGET_HARDWARE_OFFSET + MacAddress.LENGTH;

    /**
     * Length of an ARP packet for IPv4 over Ethernet: 28 bytes.
     */
    public static final int LENGTH = TARGET_PROTOCOL_OFFSET + Ipv4Address.LENGTH;

    /**
     * Hardware type of Ethernet.
     */
    public static final int HARDWARE_TYPE_ETHERNET = 1;

    /**
     * Protocol type of IPv4 (its EtherType).
     */
    public static final int PROTOCOL_TYPE_IPV4 = EthernetFlyweight.ETHER_TYPE_IPV4;

    /**
     * ARP request: who has target IP? tell sender.
     */
    public static final int OP_REQUEST = 1;

    /**
     * ARP reply: sender IP is at sender MAC.
     */
    public static final int OP_REPLY = 2;

    private MutableDirectBuffer buffer;
    private int offset;
    private int length;

    /**
     * Wrap a packet. No checks: see {@link #check()}.
     *
     * @param buffer holding the packet.
     * @param offset of the first byte of the packet.
     * @param length of the packet in bytes (bytes available, Ethernet padding included).
     * @return this for a fluent API.
     */
    public ArpFlyweight wrap(final MutableDirectBuffer buffer, final int offset, final int length)
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
     * Index of the first byte of the packet in the buffer.
     *
     * @return index of the first byte of the packet in the buffer.
     */
    public int offset()
    {
        return offset;
    }

    /**
     * Length of the packet in bytes, as wrapped.
     *
     * @return length of the packet in bytes.
     */
    public int length()
    {
        return length;
    }

    /**
     * Hardware type.
     *
     * @return 0..0xFFFF, 1 for Ethernet.
     */
    public int hardwareType()
    {
        return buffer.getShort(offset + HARDWARE_TYPE_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    /**
     * Set the hardware type.
     *
     * @param hardwareType 1 for Ethernet.
     * @return this for a fluent API.
     */
    public ArpFlyweight hardwareType(final int hardwareType)
    {
        buffer.putShort(offset + HARDWARE_TYPE_OFFSET, (short)hardwareType, BIG_ENDIAN);
        return this;
    }

    /**
     * Protocol type.
     *
     * @return 0..0xFFFF, 0x0800 for IPv4.
     */
    public int protocolType()
    {
        return buffer.getShort(offset + PROTOCOL_TYPE_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    /**
     * Set the protocol type.
     *
     * @param protocolType 0x0800 for IPv4.
     * @return this for a fluent API.
     */
    public ArpFlyweight protocolType(final int protocolType)
    {
        buffer.putShort(offset + PROTOCOL_TYPE_OFFSET, (short)protocolType, BIG_ENDIAN);
        return this;
    }

    /**
     * Hardware address length.
     *
     * @return 0..255, 6 for Ethernet.
     */
    public int hardwareLength()
    {
        return buffer.getByte(offset + HARDWARE_LENGTH_OFFSET) & 0xFF;
    }

    /**
     * Set the hardware address length.
     *
     * @param hardwareLength 6 for Ethernet.
     * @return this for a fluent API.
     */
    public ArpFlyweight hardwareLength(final int hardwareLength)
    {
        buffer.putByte(offset + HARDWARE_LENGTH_OFFSET, (byte)hardwareLength);
        return this;
    }

    /**
     * Protocol address length.
     *
     * @return 0..255, 4 for IPv4.
     */
    public int protocolLength()
    {
        return buffer.getByte(offset + PROTOCOL_LENGTH_OFFSET) & 0xFF;
    }

    /**
     * Set the protocol address length.
     *
     * @param protocolLength 4 for IPv4.
     * @return this for a fluent API.
     */
    public ArpFlyweight protocolLength(final int protocolLength)
    {
        buffer.putByte(offset + PROTOCOL_LENGTH_OFFSET, (byte)protocolLength);
        return this;
    }

    /**
     * Operation.
     *
     * @return 0..0xFFFF, {@link #OP_REQUEST} or {@link #OP_REPLY} once checked.
     */
    public int operation()
    {
        return buffer.getShort(offset + OPERATION_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    /**
     * Set the operation.
     *
     * @param operation {@link #OP_REQUEST} or {@link #OP_REPLY}.
     * @return this for a fluent API.
     */
    public ArpFlyweight operation(final int operation)
    {
        buffer.putShort(offset + OPERATION_OFFSET, (short)operation, BIG_ENDIAN);
        return this;
    }

    /**
     * Sender hardware address.
     *
     * @return 48-bit MAC in the low bits.
     */
    public long senderMac()
    {
        return MacAddress.getMac(buffer, offset + SENDER_HARDWARE_OFFSET);
    }

    /**
     * Set the sender hardware address.
     *
     * @param mac 48-bit MAC in the low bits.
     * @return this for a fluent API.
     */
    public ArpFlyweight senderMac(final long mac)
    {
        MacAddress.putMac(buffer, offset + SENDER_HARDWARE_OFFSET, mac);
        return this;
    }

    /**
     * Sender protocol address.
     *
     * @return IPv4 address in network order.
     */
    public int senderIp()
    {
        return buffer.getInt(offset + SENDER_PROTOCOL_OFFSET, BIG_ENDIAN);
    }

    /**
     * Set the sender protocol address.
     *
     * @param ip IPv4 address in network order.
     * @return this for a fluent API.
     */
    public ArpFlyweight senderIp(final int ip)
    {
        buffer.putInt(offset + SENDER_PROTOCOL_OFFSET, ip, BIG_ENDIAN);
        return this;
    }

    /**
     * Target hardware address; zero in a request.
     *
     * @return 48-bit MAC in the low bits.
     */
    public long targetMac()
    {
        return MacAddress.getMac(buffer, offset + TARGET_HARDWARE_OFFSET);
    }

    /**
     * Set the target hardware address.
     *
     * @param mac 48-bit MAC in the low bits.
     * @return this for a fluent API.
     */
    public ArpFlyweight targetMac(final long mac)
    {
        MacAddress.putMac(buffer, offset + TARGET_HARDWARE_OFFSET, mac);
        return this;
    }

    /**
     * Target protocol address.
     *
     * @return IPv4 address in network order.
     */
    public int targetIp()
    {
        return buffer.getInt(offset + TARGET_PROTOCOL_OFFSET, BIG_ENDIAN);
    }

    /**
     * Set the target protocol address.
     *
     * @param ip IPv4 address in network order.
     * @return this for a fluent API.
     */
    public ArpFlyweight targetIp(final int ip)
    {
        buffer.putInt(offset + TARGET_PROTOCOL_OFFSET, ip, BIG_ENDIAN);
        return this;
    }

    /**
     * Write all {@link #LENGTH} bytes of an IPv4-over-Ethernet ARP packet.
     *
     * @param operation {@link #OP_REQUEST} or {@link #OP_REPLY}.
     * @param senderMac sender hardware address.
     * @param senderIp  sender protocol address.
     * @param targetMac target hardware address, {@link MacAddress#ZERO} in a request.
     * @param targetIp  target protocol address.
     * @return this for a fluent API.
     */
    public ArpFlyweight writeIpv4OverEthernet(
        final int operation, final long senderMac, final int senderIp, final long targetMac, final int targetIp)
    {
        return hardwareType(HARDWARE_TYPE_ETHERNET)
            .protocolType(PROTOCOL_TYPE_IPV4)
            .hardwareLength(MacAddress.LENGTH)
            .protocolLength(Ipv4Address.LENGTH)
            .operation(operation)
            .senderMac(senderMac)
            .senderIp(senderIp)
            .targetMac(targetMac)
            .targetIp(targetIp);
    }

    /**
     * Check the packet is a complete IPv4-over-Ethernet request or reply. Never throws, never allocates.
     *
     * @return {@link PacketError#NONE}, {@link PacketError#TRUNCATED_ARP} or {@link PacketError#UNSUPPORTED_ARP}.
     */
    public PacketError check()
    {
        if (length < LENGTH)
        {
            return PacketError.TRUNCATED_ARP;
        }

        final int operation = operation();
        if (HARDWARE_TYPE_ETHERNET != hardwareType() ||
            PROTOCOL_TYPE_IPV4 != protocolType() ||
            MacAddress.LENGTH != hardwareLength() ||
            Ipv4Address.LENGTH != protocolLength() ||
            (OP_REQUEST != operation && OP_REPLY != operation))
        {
            return PacketError.UNSUPPORTED_ARP;
        }

        return PacketError.NONE;
    }

    /**
     * {@link #check()} for API/CLI edges.
     *
     * @throws MalformedPacketException naming the first field that is not as expected.
     */
    public void validate()
    {
        final PacketError error = check();
        switch (error)
        {
            case NONE:
                return;

            case TRUNCATED_ARP:
                throw new MalformedPacketException(
                    error, "truncated ARP packet: " + length + " bytes (expected: " + LENGTH + "+ bytes)");

            default:
                throw new MalformedPacketException(error, "unsupported ARP packet: " + unsupportedReason());
        }
    }

    /**
     * One line for logs, tcpdump style, e.g. {@code "ARP who-has 10.244.1.3 tell 10.244.1.2"}.
     *
     * @return the description; allocates.
     */
    @Override
    public String toString()
    {
        if (null == buffer)
        {
            return "ARP (unwrapped)";
        }

        final PacketError error = check();
        if (PacketError.NONE != error)
        {
            return "ARP " + error.label() + ", length " + length;
        }

        final StringBuilder builder = new StringBuilder(64).append("ARP ");
        if (OP_REQUEST == operation())
        {
            builder.append("who-has ");
            Ipv4Address.appendTo(builder, targetIp()).append(" tell ");
            Ipv4Address.appendTo(builder, senderIp()).append(" (");
            MacAddress.appendTo(builder, senderMac()).append(')');
        }
        else
        {
            builder.append("reply ");
            Ipv4Address.appendTo(builder, senderIp()).append(" is-at ");
            MacAddress.appendTo(builder, senderMac()).append(" to ");
            Ipv4Address.appendTo(builder, targetIp());
        }

        return builder.toString();
    }

    private String unsupportedReason()
    {
        if (HARDWARE_TYPE_ETHERNET != hardwareType())
        {
            return "hardware type " + hardwareType() + " (expected: " + HARDWARE_TYPE_ETHERNET + " (Ethernet))";
        }
        if (PROTOCOL_TYPE_IPV4 != protocolType())
        {
            return "protocol type 0x" + PacketFormat.hex(protocolType(), 4) + " (expected: 0x0800 (IPv4))";
        }
        if (MacAddress.LENGTH != hardwareLength())
        {
            return "hardware length " + hardwareLength() + " (expected: " + MacAddress.LENGTH + ")";
        }
        if (Ipv4Address.LENGTH != protocolLength())
        {
            return "protocol length " + protocolLength() + " (expected: " + Ipv4Address.LENGTH + ")";
        }

        return "operation " + operation() + " (expected: " + OP_REQUEST + " (request) or " + OP_REPLY + " (reply))";
    }
}
