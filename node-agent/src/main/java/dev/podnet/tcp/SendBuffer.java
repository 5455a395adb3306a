package dev.podnet.tcp;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * What a connection has to send: the bytes from SND.UNA on, acknowledged bytes dropped from the head, new ones
 * appended by the application at the tail. Segments (first sends and retransmissions alike) are cut out of it by
 * offset from SND.UNA, so a retransmission after a path MTU change simply cuts smaller ones. Bounded: the
 * application's writes are accepted up to {@link #free()}.
 */
final class SendBuffer
{
    private final ByteRing ring;
    private int size;

    SendBuffer(final int initialCapacity, final int maxCapacity)
    {
        this.ring = new ByteRing(initialCapacity, maxCapacity);
    }

    /** @return bytes held: unacknowledged and unsent. */
    int size()
    {
        return size;
    }

    /** @return bytes the application may still write. */
    int free()
    {
        return ring.maxCapacity() - size;
    }

    /** @return bytes of storage held now. */
    int capacity()
    {
        return ring.capacity();
    }

    /**
     * Append up to {@code length} bytes.
     *
     * @return bytes accepted: all, or as many as there is room for.
     */
    int write(final DirectBuffer src, final int offset, final int length)
    {
        final int accepted = Math.min(length, free());
        if (accepted <= 0)
        {
            return 0;
        }
        ring.ensure(size + accepted, size);
        ring.copyIn(size, src, offset, accepted);
        size += accepted;
        return accepted;
    }

    /** Copy {@code length} bytes starting {@code from} bytes after SND.UNA into a segment. */
    void copy(final int from, final MutableDirectBuffer dst, final int dstOffset, final int length)
    {
        ring.copyOut(from, dst, dstOffset, length);
    }

    /** Drop {@code length} acknowledged bytes from the head. */
    void acknowledge(final int length)
    {
        final int dropped = Math.min(length, size);
        ring.advance(dropped);
        size -= dropped;
    }
}
