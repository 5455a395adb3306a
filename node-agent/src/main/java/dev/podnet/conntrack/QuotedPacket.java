package dev.podnet.conntrack;

import dev.podnet.packet.IcmpFlyweight;
import dev.podnet.packet.Ipv4Flyweight;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * The packet an ICMP error quotes (RFC 792: destination unreachable and time exceeded carry the IP header and
 * the first 8 bytes of the datagram that caused them), when it is UDP or TCP: what connection tracking
 * looks up to call the error RELATED. A flyweight over the error's buffer; allocates nothing.
 */
public final class QuotedPacket
{
    private final Ipv4Flyweight inner = new Ipv4Flyweight();
    private int l4Offset;
    private int sourcePort;
    private int destinationPort;

    /** Wraps the packet {@code ipv4} (ICMP) quotes; false when it is no such error or quotes no whole UDP/TCP header start. */
    public boolean wrap(final Ipv4Flyweight ipv4)
    {
        final MutableDirectBuffer buffer = ipv4.buffer();
        final int icmpOffset = ipv4.payloadOffset();
        final int icmpLength = ipv4.payloadLength();
        if (icmpLength < IcmpFlyweight.HEADER_LENGTH + Ipv4Flyweight.MIN_HEADER_LENGTH + 8)
        {
            return false;
        }
        final int type = buffer.getByte(icmpOffset) & 0xFF;
        if (type != IcmpFlyweight.TYPE_DESTINATION_UNREACHABLE && type != IcmpFlyweight.TYPE_TIME_EXCEEDED)
        {
            return false;
        }
        final int innerOffset = icmpOffset + IcmpFlyweight.HEADER_LENGTH;
        inner.wrap(buffer, innerOffset, icmpLength - IcmpFlyweight.HEADER_LENGTH);
        final int innerHeader = inner.headerLength();
        final int protocol = inner.protocol();
        if (inner.version() != 4 || innerHeader < Ipv4Flyweight.MIN_HEADER_LENGTH ||
            icmpLength < IcmpFlyweight.HEADER_LENGTH + innerHeader + 8 ||
            (protocol != Ipv4Flyweight.PROTOCOL_UDP && protocol != Ipv4Flyweight.PROTOCOL_TCP))
        {
            return false;
        }
        l4Offset = innerOffset + innerHeader;
        sourcePort = buffer.getShort(l4Offset, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        destinationPort = buffer.getShort(l4Offset + 2, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        return true;
    }

    /** The quoted IPv4 header (may be rewritten in place). */
    public Ipv4Flyweight inner()
    {
        return inner;
    }

    /** Where the quoted UDP or TCP header starts in the buffer. */
    public int l4Offset()
    {
        return l4Offset;
    }

    public int sourcePort()
    {
        return sourcePort;
    }

    public int destinationPort()
    {
        return destinationPort;
    }
}
