package dev.podnet.tcp;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A pod's TCP counters: one writer (the data-plane thread, ordered stores, no allocation), any reader.
 */
public final class TcpCounters
{
    private static final TcpCounter[] COUNTERS = TcpCounter.values();

    private final AtomicLongArray values = new AtomicLongArray(COUNTERS.length);

    void increment(final TcpCounter counter)
    {
        final int i = counter.ordinal();
        values.lazySet(i, values.get(i) + 1);
    }

    /**
     * @param counter which.
     * @return its value.
     */
    public long get(final TcpCounter counter)
    {
        return values.get(counter.ordinal());
    }

    /** @return every counter by label, zeros included, in declaration order. */
    public Map<String, Long> snapshot()
    {
        final Map<String, Long> result = new LinkedHashMap<>();
        for (final TcpCounter counter : COUNTERS)
        {
            result.put(counter.label(), values.get(counter.ordinal()));
        }
        return result;
    }
}
