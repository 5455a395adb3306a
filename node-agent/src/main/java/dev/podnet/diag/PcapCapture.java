package dev.podnet.diag;

import dev.podnet.dataplane.FrameTap;
import org.agrona.BitUtil;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.SystemEpochNanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code tcpdump} for the bridge: a {@link FrameTap} that records frames into a pcap file without
 * blocking the data plane.
 * <p>
 * The data-plane thread copies each frame with its timestamp into a one-to-one ring buffer (a full
 * ring is a counted overrun, never a wait); a writer thread of its own drains the ring into a
 * {@link PcapWriter}. With no pod filter, it records each frame once, as it enters the bridge (what
 * {@code tcpdump -i cni0} sees); with a pod filter, the frames that pod sends and receives (its veth).
 */
public final class PcapCapture implements FrameTap, AutoCloseable
{
    private static final int FRAME_MSG = 1;
    /** The ring between the data plane and the writer: 4 MiB, about 2800 full frames. */
    public static final int RING_CAPACITY = 4 * 1024 * 1024;

    private final PcapWriter writer;
    private final String podFilter;
    private final EpochNanoClock clock = new SystemEpochNanoClock();
    private final RingBuffer ring;
    private final AtomicLong overruns = new AtomicLong();
    private final Thread drainer;
    private volatile boolean closing;

    /**
     * @param writer    where frames go
     * @param podFilter a pod name to record only its frames, or {@code null} for the whole bridge
     */
    public PcapCapture(final PcapWriter writer, final String podFilter)
    {
        this(writer, podFilter, RING_CAPACITY);
    }

    /**
     * @param writer       where frames go
     * @param podFilter    a pod name to record only its frames, or {@code null} for the whole bridge
     * @param ringCapacity bytes of frames held for the writer, a power of two (more for a capture that must not lose
     *                     a frame of a fast transfer on a busy machine)
     */
    public PcapCapture(final PcapWriter writer, final String podFilter, final int ringCapacity)
    {
        this.writer = writer;
        this.podFilter = podFilter;
        this.ring = new OneToOneRingBuffer(new UnsafeBuffer(
            ByteBuffer.allocateDirect(ringCapacity + RingBufferDescriptor.TRAILER_LENGTH)));
        this.drainer = new Thread(this::drain, "podnet-pcap");
        drainer.setDaemon(true);
        drainer.start();
    }

    @Override
    public void onFrame(final String portName, final boolean ingress, final DirectBuffer buffer, final int offset, final int length)
    {
        if (podFilter == null ? !ingress : !podFilter.equals(portName))
        {
            return;
        }
        final int index = ring.tryClaim(FRAME_MSG, BitUtil.SIZE_OF_LONG + length);
        if (index <= 0)
        {
            overruns.incrementAndGet();
            return;
        }
        final var target = ring.buffer();
        target.putLong(index, clock.nanoTime());
        target.putBytes(index + BitUtil.SIZE_OF_LONG, buffer, offset, length);
        ring.commit(index);
    }

    /** Frames lost because the writer fell behind. */
    public long overruns()
    {
        return overruns.get();
    }

    /** Frames written so far. */
    public long packets()
    {
        return writer.packets();
    }

    private void drain()
    {
        while (true)
        {
            final boolean last = closing;
            final int read = ring.read((type, buffer, index, length) ->
            {
                final long nanos = buffer.getLong(index);
                writer.write(nanos, buffer, index + BitUtil.SIZE_OF_LONG, length - BitUtil.SIZE_OF_LONG);
            });
            if (read == 0)
            {
                if (last)
                {
                    return;
                }
                writer.flush();
                parkMillis();
            }
        }
    }

    private static void parkMillis()
    {
        java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
    }

    /**
     * Writes what is still in the ring and closes the file. Detach the tap from the data plane first,
     * so nothing is added while it drains.
     */
    @Override
    public void close()
    {
        closing = true;
        try
        {
            drainer.join(TimeUnit.SECONDS.toMillis(10));
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        writer.close();
    }
}
