package dev.podnet.dataplane;

import org.agrona.BufferUtil;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The frames in flight inside one node: a FIFO of preallocated frame slots, each tagged with the
 * bridge port the frame came in on.
 * <p>
 * Every device on the bridge (a pod's NIC, the gateway) transmits by claiming the slot at the tail,
 * writing its frame there and committing it; the data plane drains the head through the bridge.
 * Queueing instead of calling the bridge directly keeps delivery non-reentrant (a pod answering a
 * ping from inside its receive path cannot recurse) and keeps the order frames were sent in.
 * <p>
 * Single-threaded: used only from the data-plane duty cycle. No allocation after construction.
 * At most one claim is open at a time; a claim is either committed or abandoned (the next claim
 * returns the same slot).
 */
public final class FrameQueue
{
    private final UnsafeBuffer[] slots;
    private final int[] lengths;
    private final int[] ingressPorts;
    private final int[] traceIds;
    private final int slotCapacity;
    private int head;
    private int size;
    private long queuedBytes;

    public FrameQueue(final int capacity, final int slotCapacity)
    {
        if (capacity < 2)
        {
            throw new IllegalArgumentException("frame queue capacity must be >= 2: " + capacity);
        }
        this.slots = new UnsafeBuffer[capacity];
        this.lengths = new int[capacity];
        this.ingressPorts = new int[capacity];
        this.traceIds = new int[capacity];
        this.slotCapacity = slotCapacity;
        for (int i = 0; i < capacity; i++)
        {
            slots[i] = new UnsafeBuffer(BufferUtil.allocateDirectAligned(align(slotCapacity), 64));
        }
    }

    private static int align(final int value)
    {
        return (value + 63) & ~63;
    }

    /** Bytes one frame may have at most. */
    public int slotCapacity()
    {
        return slotCapacity;
    }

    public int capacity()
    {
        return slots.length;
    }

    public int size()
    {
        return size;
    }

    public boolean isEmpty()
    {
        return size == 0;
    }

    /** Bytes of the frames queued. */
    public long queuedBytes()
    {
        return queuedBytes;
    }

    /**
     * The buffer of the next free slot, to write one frame at index 0; {@code null} when the queue is
     * full (the caller counts the drop). Nothing is queued until {@link #commit(int, int)}.
     */
    public MutableDirectBuffer claim()
    {
        if (size == slots.length)
        {
            return null;
        }
        return slots[(head + size) % slots.length];
    }

    /** Queues the frame written into the last claimed slot. */
    public void commit(final int length, final int ingressPort)
    {
        commit(length, ingressPort, 0);
    }

    /** Queues the frame written into the last claimed slot, as part of trace {@code traceId} (0: none). */
    public void commit(final int length, final int ingressPort, final int traceId)
    {
        if (length <= 0 || length > slotCapacity)
        {
            throw new IllegalArgumentException("frame length " + length + " outside 1.." + slotCapacity);
        }
        final int index = (head + size) % slots.length;
        lengths[index] = length;
        ingressPorts[index] = ingressPort;
        traceIds[index] = traceId;
        size++;
        queuedBytes += length;
    }

    /** Buffer of the oldest queued frame; valid until {@link #pop()}. Only when not empty. */
    public MutableDirectBuffer headBuffer()
    {
        return slots[head];
    }

    public int headLength()
    {
        return lengths[head];
    }

    public int headIngressPort()
    {
        return ingressPorts[head];
    }

    /** The trace the oldest queued frame belongs to; 0: none. */
    public int headTraceId()
    {
        return traceIds[head];
    }

    /** Releases the oldest slot. */
    public void pop()
    {
        queuedBytes -= lengths[head];
        head = (head + 1) % slots.length;
        size--;
    }
}
