package dev.podnet.trace;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The observations of the last {@value #MAX_TRACES} traces a node took part in, at most {@value #MAX_HOPS} each
 * (a traced broadcast or a loop cannot fill memory). Written by the data-plane thread, read by API threads: a
 * trace is a rare, diagnostic event, so one lock serves, and nothing here is touched for untraced frames.
 */
public final class TraceStore
{
    static final int MAX_TRACES = 64;
    static final int MAX_HOPS = 256;

    private final Map<Integer, List<Hop>> traces = new LinkedHashMap<>(16, 0.75f, false)
    {
        @Override
        protected boolean removeEldestEntry(final Map.Entry<Integer, List<Hop>> eldest)
        {
            return size() > MAX_TRACES;
        }
    };

    synchronized void add(final Hop hop)
    {
        final List<Hop> hops = traces.computeIfAbsent(hop.traceId(), id -> new ArrayList<>());
        if (hops.size() < MAX_HOPS)
        {
            hops.add(hop);
        }
    }

    /** The observations of {@code traceId} so far, in the order they were made (empty when none). */
    public synchronized List<Hop> hops(final int traceId)
    {
        final List<Hop> hops = traces.get(traceId);
        return hops == null ? List.of() : List.copyOf(hops);
    }
}
