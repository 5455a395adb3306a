package dev.podnet.trace;

import org.agrona.DirectBuffer;

import java.nio.ByteOrder;

/**
 * Which packet a trace follows: IPv4 from {@code source} to {@code destination}, of {@code protocol} (0: any),
 * to {@code port} for UDP and TCP (0: any). Matched on frames as a pod sends them (before any translation).
 */
public record TraceFilter(int source, int destination, int protocol, int port)
{
    private static final int ETH = 14;

    /** Whether the Ethernet frame in {@code buffer} is such a packet. Allocates nothing. */
    public boolean matches(final DirectBuffer buffer, final int offset, final int length)
    {
        if (length < ETH + 20 || (buffer.getShort(offset + 12, ByteOrder.BIG_ENDIAN) & 0xFFFF) != 0x0800)
        {
            return false;
        }
        final int ip = offset + ETH;
        if (buffer.getInt(ip + 12, ByteOrder.BIG_ENDIAN) != source || buffer.getInt(ip + 16, ByteOrder.BIG_ENDIAN) != destination)
        {
            return false;
        }
        final int proto = buffer.getByte(ip + 9) & 0xFF;
        if (protocol != 0 && proto != protocol)
        {
            return false;
        }
        if (port == 0 || (proto != 6 && proto != 17))
        {
            return true;
        }
        final int headerLength = (buffer.getByte(ip) & 0x0F) * 4;
        final boolean firstFragment = (buffer.getShort(ip + 6, ByteOrder.BIG_ENDIAN) & 0x1FFF) == 0;
        return firstFragment && length >= ETH + headerLength + 4 &&
            (buffer.getShort(ip + headerLength + 2, ByteOrder.BIG_ENDIAN) & 0xFFFF) == port;
    }
}
