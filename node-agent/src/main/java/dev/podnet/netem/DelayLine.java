package dev.podnet.netem;

import org.agrona.BufferUtil;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A timed delay line: frames held until their time comes, then handed on in time order — netem's
 * {@code tfifo}, without a sleep and without allocating.
 * <p>
 * Design: {@code capacity} slots of {@code slotSize} bytes in one buffer, allocated when the line is made;
 * a stack of free slots; and a binary min-heap of the occupied ones ordered by (due time, arrival), so the
 * frame due first is always at the top and frames due at the same time leave in the order they came.
 * Offering and taking are O(log n) and touch only primitive arrays. The owner (the data-plane duty cycle)
 * looks at {@link #nextDue()} each cycle and takes what is due; nothing waits, so a delay of a second costs a
 * slot per frame in flight and no time at all from the thread, and throughput does not depend on the delay
 * as long as {@code capacity} covers rate × delay. Each frame carries an opaque {@code tag} (a trace id).
 * <p>
 * Single-threaded.
 */
public final class DelayLine
{
    private final int capacity;
    private final int slotSize;
    private final UnsafeBuffer slots;
    private final int[] lengths;
    private final long[] dueAt;
    private final long[] arrival;
    private final long[] tags;
    private final int[] heap;
    private final int[] free;
    private int size;
    private int freeCount;
    private long arrivals;

    public DelayLine(final int capacity, final int slotSize)
    {
        this.capacity = capacity;
        this.slotSize = (slotSize + 63) & ~63;
        this.slots = new UnsafeBuffer(BufferUtil.allocateDirectAligned(capacity * this.slotSize, 64));
        this.lengths = new int[capacity];
        this.dueAt = new long[capacity];
        this.arrival = new long[capacity];
        this.tags = new long[capacity];
        this.heap = new int[capacity];
        this.free = new int[capacity];
        for (int i = 0; i < capacity; i++)
        {
            free[i] = capacity - 1 - i;
        }
        this.freeCount = capacity;
    }

    public int capacity()
    {
        return capacity;
    }

    /** The largest frame a slot holds. */
    public int slotSize()
    {
        return slotSize;
    }

    public int size()
    {
        return size;
    }

    public boolean isEmpty()
    {
        return size == 0;
    }

    public boolean isFull()
    {
        return size == capacity;
    }

    /**
     * Copies a frame in, to leave at {@code due}. Returns its slot, or -1 when the line is full or the frame
     * larger than a slot.
     */
    public int offer(final DirectBuffer frame, final int offset, final int length, final long due, final long tag)
    {
        if (size == capacity || length > slotSize)
        {
            return -1;
        }
        final int slot = free[--freeCount];
        slots.putBytes(slot * slotSize, frame, offset, length);
        lengths[slot] = length;
        dueAt[slot] = due;
        arrival[slot] = arrivals++;
        tags[slot] = tag;
        heap[size] = slot;
        siftUp(size++);
        return slot;
    }

    /** When the first frame is due; {@link Long#MAX_VALUE} when the line is empty. */
    public long nextDue()
    {
        return size == 0 ? Long.MAX_VALUE : dueAt[heap[0]];
    }

    /** The slot of the frame due first (the line must not be empty). */
    public int head()
    {
        return heap[0];
    }

    public MutableDirectBuffer buffer()
    {
        return slots;
    }

    public int offset(final int slot)
    {
        return slot * slotSize;
    }

    public int length(final int slot)
    {
        return lengths[slot];
    }

    public long due(final int slot)
    {
        return dueAt[slot];
    }

    public long tag(final int slot)
    {
        return tags[slot];
    }

    /** Removes the frame due first and frees its slot. */
    public void pop()
    {
        final int slot = heap[0];
        heap[0] = heap[--size];
        if (size > 0)
        {
            siftDown(0);
        }
        free[freeCount++] = slot;
    }

    /**
     * Makes every frame held due by {@code now}, keeping their order (the link was cleared: what was on the
     * wire arrives at once): every due time moves back by the same amount, so the heap stays as it is.
     */
    public void expedite(final long now)
    {
        long latest = Long.MIN_VALUE;
        for (int i = 0; i < size; i++)
        {
            latest = Math.max(latest, dueAt[heap[i]]);
        }
        final long shift = latest - now;
        if (shift > 0)
        {
            for (int i = 0; i < size; i++)
            {
                dueAt[heap[i]] -= shift;
            }
        }
    }

    private boolean earlier(final int a, final int b)
    {
        return dueAt[a] < dueAt[b] || (dueAt[a] == dueAt[b] && arrival[a] < arrival[b]);
    }

    private void siftUp(final int index)
    {
        int i = index;
        final int slot = heap[i];
        while (i > 0)
        {
            final int parent = (i - 1) >>> 1;
            if (!earlier(slot, heap[parent]))
            {
                break;
            }
            heap[i] = heap[parent];
            i = parent;
        }
        heap[i] = slot;
    }

    private void siftDown(final int index)
    {
        int i = index;
        final int slot = heap[i];
        final int half = size >>> 1;
        while (i < half)
        {
            int child = 2 * i + 1;
            if (child + 1 < size && earlier(heap[child + 1], heap[child]))
            {
                child++;
            }
            if (!earlier(heap[child], slot))
            {
                break;
            }
            heap[i] = heap[child];
            i = child;
        }
        heap[i] = slot;
    }
}
