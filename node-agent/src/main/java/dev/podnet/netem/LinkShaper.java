package dev.podnet.netem;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.util.SplittableRandom;

/**
 * One direction of one link with an {@link Impairment}: what netem's {@code netem_enqueue} and
 * {@code netem_dequeue} do to a frame, in the same order, on the data-plane thread.
 * <p>
 * Offering a frame ({@link #offer}):
 * <ol>
 *   <li>a partition, or a flapping link in its down phase, drops it;</li>
 *   <li>duplication decides whether two copies go; loss (random with correlation, or the Gilbert-Elliott
 *       chain) takes one away; none left is a loss;</li>
 *   <li>each copy gets its time to leave: the delay with its jitter drawn from the distribution (a
 *       negative draw is 0), or none when reordering picks it; with a rate, the link is a serial line: a
 *       copy leaves no earlier than the one queued last plus its own transmission time,
 *       {@code 8 × length / rate} (netem's rate: the delay already spent behind the last frame counts
 *       towards the new one's);</li>
 *   <li>a link holding {@code limit} frames drops the copy ({@code queue-full}, a qdisc's tail drop);
 *       corruption flips one random bit of one random byte of the copy held.</li>
 * </ol>
 * {@link #release} hands on, in time order, every frame whose time has come; a transmitter that cannot
 * take one now (back-pressure) leaves it at the head for the next duty cycle.
 * <p>
 * All random decisions come from one generator seeded with the impairment's {@code seed}, drawn in a
 * fixed order per frame: the same seed and the same frames give the same losses, delays and copies.
 * Nothing here allocates per frame; changing the impairment may (a new {@code limit} is a new delay line,
 * the frames held move over in order).
 */
public final class LinkShaper
{
    /** {@link #offer} verdicts. */
    public static final int QUEUED = 0;
    public static final int LOST = 1;
    public static final int PARTITIONED = 2;
    public static final int LINK_DOWN = 3;
    public static final int QUEUE_FULL = 4;

    /** Where due frames go. */
    @FunctionalInterface
    public interface Transmitter
    {
        /** True when the frame was taken (sent, or dropped and counted); false to keep it and retry later. */
        boolean transmit(MutableDirectBuffer buffer, int offset, int length, long tag);
    }

    private final int slotSize;
    private Impairment impairment;
    private DelayLine line;
    private SplittableRandom random;
    private final CorrelatedRandom delayRandom = new CorrelatedRandom();
    private final CorrelatedRandom lossRandom = new CorrelatedRandom();
    private final CorrelatedRandom duplicateRandom = new CorrelatedRandom();
    private final CorrelatedRandom reorderRandom = new CorrelatedRandom();
    private final CorrelatedRandom corruptRandom = new CorrelatedRandom();
    private final GilbertElliott.Chain chain = new GilbertElliott.Chain();
    private long flapEpoch;
    private long lastDue;
    private long lastDelayNanos;

    private long offered;
    private long sent;
    private long sentBytes;
    private long lost;
    private long duplicated;
    private long corrupted;
    private long reordered;
    private long queueFull;
    private long partitioned;
    private long linkDown;

    /**
     * @param slotSize the largest frame the link carries
     * @param now      when the impairment starts (a flap's phase counts from here)
     */
    public LinkShaper(final Impairment impairment, final int slotSize, final long now)
    {
        this.slotSize = slotSize;
        this.line = new DelayLine(impairment.limit(), slotSize);
        this.random = new SplittableRandom(impairment.seed());
        this.impairment = impairment;
        this.flapEpoch = now;
        correlations(impairment);
    }

    public Impairment impairment()
    {
        return impairment;
    }

    /** Changes the impairment; frames held keep the time they were given. */
    public void impairment(final Impairment next, final long now)
    {
        if (next.limit() != line.capacity())
        {
            final DelayLine resized = new DelayLine(next.limit(), slotSize);
            while (!line.isEmpty())
            {
                final int slot = line.head();
                if (resized.offer(line.buffer(), line.offset(slot), line.length(slot), line.due(slot), line.tag(slot)) < 0)
                {
                    queueFull++;
                }
                line.pop();
            }
            line = resized;
        }
        if (next.seed() != impairment.seed())
        {
            random = new SplittableRandom(next.seed());
        }
        if (next.flapUpNanos() != impairment.flapUpNanos() || next.flapDownNanos() != impairment.flapDownNanos())
        {
            flapEpoch = now;
        }
        impairment = next;
        correlations(next);
    }

    private void correlations(final Impairment impairment)
    {
        delayRandom.correlation(impairment.delayCorrelation());
        lossRandom.correlation(impairment.lossCorrelation());
        duplicateRandom.correlation(impairment.duplicateCorrelation());
        reorderRandom.correlation(impairment.reorderCorrelation());
        corruptRandom.correlation(impairment.corruptCorrelation());
    }

    /** Whether a flapping link is in its down phase at {@code now}. */
    public boolean down(final long now)
    {
        final Impairment i = impairment;
        if (i.flapUpNanos() == 0)
        {
            return false;
        }
        return (now - flapEpoch) % (i.flapUpNanos() + i.flapDownNanos()) >= i.flapUpNanos();
    }

    /**
     * Takes a frame onto the link (copied: the caller keeps its buffer). Returns {@link #QUEUED} when at
     * least one copy is held, else why not.
     */
    public int offer(final DirectBuffer frame, final int offset, final int length, final long tag, final long now)
    {
        offered++;
        final Impairment i = impairment;
        if (i.partition())
        {
            partitioned++;
            return PARTITIONED;
        }
        if (down(now))
        {
            linkDown++;
            return LINK_DOWN;
        }
        int copies = 1;
        if (i.duplicate() > 0 && duplicateRandom.next(random) < i.duplicate())
        {
            copies++;
        }
        if (lose(i))
        {
            copies--;
        }
        if (copies == 0)
        {
            lost++;
            return LOST;
        }
        if (copies == 2)
        {
            duplicated++;
        }
        int verdict = QUEUE_FULL;
        for (int copy = 0; copy < copies; copy++)
        {
            if (enqueue(i, frame, offset, length, tag, now))
            {
                verdict = QUEUED;
            }
        }
        return verdict;
    }

    private boolean lose(final Impairment i)
    {
        if (i.gilbertElliott() != null)
        {
            return chain.lose(i.gilbertElliott(), random);
        }
        return i.loss() > 0 && lossRandom.next(random) < i.loss();
    }

    private boolean enqueue(
        final Impairment i, final DirectBuffer frame, final int offset, final int length, final long tag, final long now)
    {
        if (line.isFull())
        {
            queueFull++;
            return false;
        }
        long delay = i.delayNanos();
        if (i.jitterNanos() > 0)
        {
            delay += Math.round(i.jitterNanos() * i.distribution().standardValue(delayRandom.next(random)));
        }
        if (i.reorder() > 0 && reorderRandom.next(random) < i.reorder())
        {
            delay = 0;
            reordered++;
        }
        delay = Math.max(0, delay);
        long due = now + delay;
        if (i.rateBitsPerSecond() > 0)
        {
            final long start = Math.max(now + delay, lastDue);
            due = start + transmissionNanos(length, i.rateBitsPerSecond());
        }
        lastDue = Math.max(lastDue, due);
        final int slot = line.offer(frame, offset, length, due, tag);
        if (slot < 0)
        {
            queueFull++;
            return false;
        }
        if (i.corrupt() > 0 && corruptRandom.next(random) < i.corrupt())
        {
            final int at = line.offset(slot) + random.nextInt(length);
            final MutableDirectBuffer buffer = line.buffer();
            buffer.putByte(at, (byte)(buffer.getByte(at) ^ (1 << random.nextInt(8))));
            corrupted++;
        }
        lastDelayNanos = due - now;
        return true;
    }

    /** How long a frame of {@code length} bytes takes on a line of {@code bitsPerSecond}. */
    static long transmissionNanos(final int length, final long bitsPerSecond)
    {
        return length * 8L * 1_000_000_000L / bitsPerSecond;
    }

    /** The time the last frame queued was given to spend on the link (delay, jitter, waiting for the rate). */
    public long lastDelayNanos()
    {
        return lastDelayNanos;
    }

    /** Hands on every frame due at {@code now}, in time order; returns how many. */
    public int release(final long now, final Transmitter transmitter)
    {
        int count = 0;
        while (!line.isEmpty() && line.nextDue() <= now)
        {
            final int slot = line.head();
            final int length = line.length(slot);
            if (!transmitter.transmit(line.buffer(), line.offset(slot), length, line.tag(slot)))
            {
                break;
            }
            line.pop();
            sent++;
            sentBytes += length;
            count++;
        }
        return count;
    }

    /** When the next frame is due; {@link Long#MAX_VALUE} when none is held. */
    public long nextDue()
    {
        return line.nextDue();
    }

    public int queued()
    {
        return line.size();
    }

    /** Makes every frame held due now (the impairment was removed: what was on the wire arrives). */
    public void expedite(final long now)
    {
        line.expedite(now);
        lastDue = Math.min(lastDue, now);
    }

    public LinkStats stats()
    {
        return new LinkStats(offered, sent, sentBytes, lost, duplicated, corrupted, reordered, queueFull, partitioned, linkDown,
            line.size());
    }
}
