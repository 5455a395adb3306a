package dev.podnet.pod;

import dev.podnet.packet.PacketError;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Drop counters of one node: one per {@link DropReason} and one per {@link PacketError}.
 * <p>
 * Single writer (the data-plane thread, which increments with ordered stores and never allocates),
 * any number of readers.
 */
public final class DropCounters
{
    private static final DropReason[] REASONS = DropReason.values();
    private static final PacketError[] ERRORS = PacketError.values();

    private final AtomicLongArray reasons = new AtomicLongArray(REASONS.length);
    private final AtomicLongArray malformed = new AtomicLongArray(ERRORS.length);
    private java.util.function.Consumer<String> observer = label -> { };

    /**
     * Who hears of every drop as it is counted, by label, on the counting thread (the data plane's tracer, which
     * explains a traced packet's drop); it must not block and, for untraced frames, should cost nothing.
     */
    public void observer(final java.util.function.Consumer<String> observer)
    {
        this.observer = observer;
    }

    public void increment(final DropReason reason)
    {
        final int i = reason.ordinal();
        reasons.lazySet(i, reasons.get(i) + 1);
        observer.accept(reason.label());
    }

    public void increment(final PacketError error)
    {
        final int i = error.ordinal();
        malformed.lazySet(i, malformed.get(i) + 1);
        observer.accept(error.label());
    }

    public long get(final DropReason reason)
    {
        return reasons.get(reason.ordinal());
    }

    public long get(final PacketError error)
    {
        return malformed.get(error.ordinal());
    }

    /** Every non-zero counter by label, malformed-packet reasons included. */
    public Map<String, Long> snapshot()
    {
        final Map<String, Long> result = new LinkedHashMap<>();
        for (final DropReason reason : REASONS)
        {
            final long value = reasons.get(reason.ordinal());
            if (value != 0)
            {
                result.put(reason.label(), value);
            }
        }
        for (final PacketError error : ERRORS)
        {
            final long value = malformed.get(error.ordinal());
            if (value != 0 && error != PacketError.NONE)
            {
                result.put(error.label(), value);
            }
        }
        return result;
    }
}
