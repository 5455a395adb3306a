package dev.podnet.tcp;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A ring of bytes that starts small and doubles when asked for room, up to a bound: the storage of the send and
 * receive buffers. Positions are offsets from the ring's head (the oldest byte kept); bytes past the head are
 * addressed modulo the capacity. Growing copies what is kept to the start of a new array: it happens a few times in
 * a connection's life (log2 of max / initial), never per segment once grown.
 */
final class ByteRing
{
    private final int maxCapacity;
    private UnsafeBuffer bytes;
    private int head;

    ByteRing(final int initialCapacity, final int maxCapacity)
    {
        this.maxCapacity = maxCapacity;
        this.bytes = new UnsafeBuffer(new byte[Math.min(initialCapacity, maxCapacity)]);
    }

    /** @return bytes the ring holds now. */
    int capacity()
    {
        return bytes.capacity();
    }

    /** @return bytes the ring may grow to. */
    int maxCapacity()
    {
        return maxCapacity;
    }

    /**
     * Make room for positions {@code 0..needed-1}, keeping the first {@code keep} bytes from the head.
     *
     * @param needed positions wanted, at most {@link #maxCapacity()}.
     * @param keep   bytes from the head whose content matters.
     */
    void ensure(final int needed, final int keep)
    {
        final int capacity = bytes.capacity();
        if (needed <= capacity)
        {
            return;
        }
        int grown = capacity;
        while (grown < needed)
        {
            grown = (int)Math.min(maxCapacity, 2L * grown);
        }
        final UnsafeBuffer larger = new UnsafeBuffer(new byte[grown]);
        copyOut(0, larger, 0, keep);
        bytes = larger;
        head = 0;
    }

    /** Copy {@code length} bytes in at position {@code at} (from the head). */
    void copyIn(final int at, final DirectBuffer src, final int srcOffset, final int length)
    {
        final int capacity = bytes.capacity();
        final int start = index(at);
        final int first = Math.min(length, capacity - start);
        bytes.putBytes(start, src, srcOffset, first);
        if (first < length)
        {
            bytes.putBytes(0, src, srcOffset + first, length - first);
        }
    }

    /** Copy {@code length} bytes out from position {@code at} (from the head). */
    void copyOut(final int at, final MutableDirectBuffer dst, final int dstOffset, final int length)
    {
        final int capacity = bytes.capacity();
        final int start = index(at);
        final int first = Math.min(length, capacity - start);
        dst.putBytes(dstOffset, bytes, start, first);
        if (first < length)
        {
            dst.putBytes(dstOffset + first, bytes, 0, length - first);
        }
    }

    /** @return the byte at position {@code at} (from the head). */
    byte get(final int at)
    {
        return bytes.getByte(index(at));
    }

    /** Forget {@code length} bytes at the head. */
    void advance(final int length)
    {
        head = index(length);
    }

    private int index(final int at)
    {
        final int capacity = bytes.capacity();
        final int index = head + at;
        return index >= capacity ? index - capacity : index;
    }
}
