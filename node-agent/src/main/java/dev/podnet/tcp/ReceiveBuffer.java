package dev.podnet.tcp;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * What a connection received and its application has not read yet, and the reassembly of what arrived out of
 * order (RFC 9293 3.10.7.4, "seventh, process the segment text"; RFC 2018 for the SACK blocks that describe it).
 * <p>
 * In-order bytes sit at the head of a ring; bytes that arrived ahead of RCV.NXT are stored where they belong
 * behind them, and remembered as at most {@value #MAX_RANGES} disjoint ranges measured from the in-order end.
 * When a segment fills the gap before a range, the range joins the in-order bytes. A segment that would need
 * a range beyond the bound is not stored (the sender retransmits it; Linux prunes its out-of-order queue too).
 * The window this buffer offers is the room between the in-order end and the bound: the connection never
 * announces more than that, so whatever the peer may send fits.
 */
final class ReceiveBuffer
{
    /** Out-of-order ranges kept at most (a burst of losses leaves one per lost segment). */
    static final int MAX_RANGES = 64;

    private final ByteRing ring;
    private final int maxCapacity;
    private int readable;
    private int ranges;
    private final int[] starts = new int[MAX_RANGES];
    private final int[] ends = new int[MAX_RANGES];
    private final long[] stamps = new long[MAX_RANGES];
    private long stamp;

    /**
     * @param initialCapacity bytes of storage at first.
     * @param maxCapacity     bytes held at most: the largest window; the ring may take {@code slack} more.
     * @param slack           extra storage for a window rounded up to the window scale's granularity.
     */
    ReceiveBuffer(final int initialCapacity, final int maxCapacity, final int slack)
    {
        this.ring = new ByteRing(initialCapacity, maxCapacity + slack);
        this.maxCapacity = maxCapacity;
    }

    /** @return in-order bytes the application may read. */
    int readable()
    {
        return readable;
    }

    /** @return room from the in-order end to the bound: the window to offer. */
    int window()
    {
        return Math.max(0, maxCapacity - readable);
    }

    /** @return bytes of storage held now. */
    int capacity()
    {
        return ring.capacity();
    }

    /** @return whether bytes are held beyond a gap. */
    boolean hasOutOfOrder()
    {
        return ranges > 0;
    }

    /** @return bytes held beyond a gap. */
    int outOfOrderBytes()
    {
        int total = 0;
        for (int i = 0; i < ranges; i++)
        {
            total += ends[i] - starts[i];
        }
        return total;
    }

    /**
     * Store {@code length} bytes that belong {@code ahead} bytes after the in-order end (0: they are the next ones).
     * The caller trimmed them to the window: {@code ahead + length} fits the ring's bound.
     *
     * @return bytes by which the in-order end moved (what RCV.NXT advances by), 0 when they were stored out of
     * order, or -1 when they were not stored (too many ranges).
     */
    int insert(final int ahead, final DirectBuffer src, final int srcOffset, final int length)
    {
        if (length <= 0)
        {
            return 0;
        }
        final int end = ahead + length;
        if (ahead > 0 && !canStore(ahead, end))
        {
            return -1;
        }
        ring.ensure(readable + Math.max(end, highestEnd()), readable + highestEnd());
        ring.copyIn(readable + ahead, src, srcOffset, length);
        if (ahead > 0)
        {
            addRange(ahead, end);
            return 0;
        }
        int advance = end;
        // ranges now reached join the in-order bytes
        int kept = 0;
        for (int i = 0; i < ranges; i++)
        {
            if (starts[i] <= advance)
            {
                advance = Math.max(advance, ends[i]);
            }
            else
            {
                starts[kept] = starts[i];
                ends[kept] = ends[i];
                stamps[kept] = stamps[i];
                kept++;
            }
        }
        ranges = kept;
        for (int i = 0; i < ranges; i++)
        {
            starts[i] -= advance;
            ends[i] -= advance;
        }
        readable += advance;
        return advance;
    }

    /**
     * Read up to {@code length} in-order bytes.
     *
     * @return bytes read.
     */
    int read(final MutableDirectBuffer dst, final int dstOffset, final int length)
    {
        final int count = Math.min(length, readable);
        ring.copyOut(0, dst, dstOffset, count);
        consume(count);
        return count;
    }

    /**
     * Copy in-order bytes without consuming them.
     *
     * @return bytes copied.
     */
    int peek(final int from, final MutableDirectBuffer dst, final int dstOffset, final int length)
    {
        final int count = Math.max(0, Math.min(length, readable - from));
        ring.copyOut(from, dst, dstOffset, count);
        return count;
    }

    /** @return the in-order byte at {@code index} from the head; {@code index < readable()}. */
    byte get(final int index)
    {
        return ring.get(index);
    }

    /**
     * Drop up to {@code length} in-order bytes unread.
     *
     * @return bytes dropped.
     */
    int skip(final int length)
    {
        final int count = Math.min(length, readable);
        consume(count);
        return count;
    }

    /**
     * The out-of-order ranges as SACK blocks (RFC 2018 4): the most recently changed first.
     *
     * @param rcvNxt sequence number of the in-order end.
     * @param left   where left edges go.
     * @param right  where right edges go.
     * @param max    blocks wanted at most.
     * @return blocks written.
     */
    int sackBlocks(final int rcvNxt, final int[] left, final int[] right, final int max)
    {
        final int count = Math.min(max, ranges);
        long below = Long.MAX_VALUE;
        for (int n = 0; n < count; n++)
        {
            int best = -1;
            for (int i = 0; i < ranges; i++)
            {
                if (stamps[i] < below && (best < 0 || stamps[i] > stamps[best]))
                {
                    best = i;
                }
            }
            left[n] = rcvNxt + starts[best];
            right[n] = rcvNxt + ends[best];
            below = stamps[best];
        }
        return count;
    }

    private void consume(final int count)
    {
        ring.advance(count);
        readable -= count;
    }

    private int highestEnd()
    {
        return ranges == 0 ? 0 : ends[ranges - 1];
    }

    /** Whether [start, end) merges with a range or a free slot is left for it. */
    private boolean canStore(final int start, final int end)
    {
        if (ranges < MAX_RANGES)
        {
            return true;
        }
        for (int i = 0; i < ranges; i++)
        {
            if (start <= ends[i] && end >= starts[i])
            {
                return true;
            }
        }
        return false;
    }

    /** Add [start, end) to the sorted, disjoint, non-adjacent ranges, merging what it touches. */
    private void addRange(final int start, final int end)
    {
        int first = 0;
        while (first < ranges && ends[first] < start)
        {
            first++;
        }
        int last = first;
        int mergedStart = start;
        int mergedEnd = end;
        while (last < ranges && starts[last] <= end)
        {
            mergedStart = Math.min(mergedStart, starts[last]);
            mergedEnd = Math.max(mergedEnd, ends[last]);
            last++;
        }
        final int removed = last - first;
        if (removed == 0)
        {
            System.arraycopy(starts, first, starts, first + 1, ranges - first);
            System.arraycopy(ends, first, ends, first + 1, ranges - first);
            System.arraycopy(stamps, first, stamps, first + 1, ranges - first);
            ranges++;
        }
        else if (removed > 1)
        {
            System.arraycopy(starts, last, starts, first + 1, ranges - last);
            System.arraycopy(ends, last, ends, first + 1, ranges - last);
            System.arraycopy(stamps, last, stamps, first + 1, ranges - last);
            ranges -= removed - 1;
        }
        starts[first] = mergedStart;
        ends[first] = mergedEnd;
        stamps[first] = ++stamp;
    }
}
