package dev.podnet.trace;

import org.agrona.DirectBuffer;

import java.time.Instant;
import java.util.Arrays;

/**
 * How one node's data plane reports on a traced packet: the pipeline reporting on itself. Each stage (pod port,
 * anti-spoofing, bridge, router, link, tunnel) calls {@link #hop} with the decision it just made, and every drop
 * counter reports through {@link #dropped}, only while the frame it handles is traced ({@link #active()}).
 * <p>
 * Which frame is traced: the data plane sets {@link #current(int)} to the trace id a frame carries while it
 * handles it (its queue slot's, or the tunnel frame's {@code trace_id}) and back to 0 after; a frame made while a
 * traced one is handled (the router's next hop, a pod's reply, an ICMP error) carries the same id, so the way
 * back is traced too. A trace starts when a frame a pod sends matches an armed {@link TraceFilter} ({@link #arm}):
 * the next such frame, injected by the trace itself or live.
 * <p>
 * Cost for untraced frames: a field read per stage, and a look at the armed filters for each frame a pod sends
 * while one is armed. Traced frames allocate (their observations are kept in the {@link TraceStore}).
 * Single-threaded (the data-plane thread) but for the store.
 */
public final class Tracer
{
    private static final int MAX_ARMED = 16;

    private final String node;
    private final TraceStore store = new TraceStore();
    private final int[] armedIds = new int[MAX_ARMED];
    private final TraceFilter[] armedFilters = new TraceFilter[MAX_ARMED];
    private final long[] armedUntil = new long[MAX_ARMED];
    private int armed;
    private int current;
    private String stage = "tunnel";
    private long seq;

    public Tracer(final String node)
    {
        this.node = node;
    }

    public String node()
    {
        return node;
    }

    public TraceStore store()
    {
        return store;
    }

    /** Whether the frame being handled now is traced. */
    public boolean active()
    {
        return current != 0;
    }

    /** The trace id of the frame being handled now; 0: none. */
    public int current()
    {
        return current;
    }

    /** The frame handled from now on carries trace {@code traceId} (0: none). */
    public void current(final int traceId)
    {
        this.current = traceId;
    }

    /** As {@link #current(int)}, the frame entering at {@code component}. */
    public void current(final int traceId, final String component)
    {
        this.current = traceId;
        this.stage = component;
    }

    /**
     * Traces the next frame a pod sends that matches {@code filter}, until {@code untilNanos} (data-plane clock).
     *
     * @throws IllegalStateException when {@value #MAX_ARMED} traces already wait for their packet
     */
    public void arm(final int traceId, final TraceFilter filter, final long nowNanos, final long untilNanos)
    {
        for (int i = 0; i < armed; i++)
        {
            if (nowNanos > armedUntil[i])
            {
                remove(i--);
            }
        }
        if (armed == MAX_ARMED)
        {
            throw new IllegalStateException("already " + MAX_ARMED + " traces wait for their packet on node " + node +
                ": try again when one has ended");
        }
        armedIds[armed] = traceId;
        armedFilters[armed] = filter;
        armedUntil[armed] = untilNanos;
        armed++;
    }

    /** Stops waiting for trace {@code traceId}'s packet; false when it was no longer waiting (its packet came). */
    public boolean disarm(final int traceId)
    {
        for (int i = 0; i < armed; i++)
        {
            if (armedIds[i] == traceId)
            {
                remove(i);
                return true;
            }
        }
        return false;
    }

    /**
     * The trace a frame a pod just sent starts, if it matches an armed filter (the filter is used up), else the
     * trace in progress ({@link #current()}, 0 for none).
     */
    public int traceOfSent(final DirectBuffer frame, final int offset, final int length, final long nowNanos)
    {
        if (current != 0 || armed == 0)
        {
            return current;
        }
        for (int i = 0; i < armed; i++)
        {
            if (nowNanos > armedUntil[i])
            {
                remove(i--);
            }
            else if (armedFilters[i].matches(frame, offset, length))
            {
                final int traceId = armedIds[i];
                remove(i);
                return traceId;
            }
        }
        return 0;
    }

    private void remove(final int index)
    {
        armed--;
        armedIds[index] = armedIds[armed];
        armedFilters[index] = armedFilters[armed];
        armedUntil[index] = armedUntil[armed];
        armedFilters[armed] = null;
    }

    /** The traced frame now handled enters {@code component}: a drop counted from now on is that stage's. */
    public void enter(final String component)
    {
        if (current != 0)
        {
            stage = component;
        }
    }

    /** Records what {@code component} did with the traced frame now handled (no-op when none is). */
    public void hop(final String component, final String action, final String detail)
    {
        if (current != 0)
        {
            record(current, component, action, detail, null, null);
        }
    }

    /** As {@link #hop(String, String, String)}, with the headers of the frame as the stage got it. */
    public void hop(final String component, final String action, final String detail,
        final DirectBuffer frame, final int offset, final int length)
    {
        if (current != 0)
        {
            record(current, component, action, detail, Headers.describe(frame, offset, length), null);
        }
    }

    /** Records an observation of trace {@code traceId}, whichever frame is handled now (a pod sending a new one). */
    public void hop(final int traceId, final String component, final String action, final String detail,
        final DirectBuffer frame, final int offset, final int length)
    {
        record(traceId, component, action, detail, Headers.describe(frame, offset, length), null);
    }

    /** As {@link #hop(String, String, String)}, with the headers before and after the stage rewrote them. */
    public void hop(final String component, final String action, final String detail, final String headers, final String after)
    {
        if (current != 0)
        {
            record(current, component, action, detail, headers, after);
        }
    }

    /** A drop counter counted the traced frame now handled: the stage named by the last hop dropped it. */
    public void dropped(final String reason)
    {
        if (current != 0)
        {
            record(current, stage, "dropped", DropExplanations.explain(reason), null, null);
        }
    }

    private void record(final int traceId, final String component, final String action, final String detail,
        final String headers, final String after)
    {
        final Instant now = Instant.now();
        store.add(new Hop(traceId, node, ++seq, now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000, component, action,
            detail, headers, after));
    }

    @Override
    public String toString()
    {
        return "Tracer{" + node + ", current " + current + ", armed " + Arrays.toString(Arrays.copyOf(armedIds, armed)) + "}";
    }
}
