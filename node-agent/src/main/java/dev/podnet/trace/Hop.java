package dev.podnet.trace;

/**
 * One observation point a traced packet passed: where (node, component), what happened there (action:
 * {@code sent}, {@code passed}, {@code forwarded}, {@code flooded}, {@code delayed}, {@code encapsulated},
 * {@code received}, {@code delivered}, {@code answered}, {@code dropped}), the details the stage reports (the
 * FDB entry used, the route matched, the peer's underlay address, the drop's reason), the headers as the stage
 * saw them and, where the stage rewrote them, after.
 *
 * @param traceId      the trace
 * @param node         the node whose data plane observed it
 * @param seq          the order of observations on that node
 * @param timeMicros   wall-clock time, microseconds since the epoch (nodes of one host share the clock)
 * @param component    the stage: {@code pod a1}, {@code anti-spoofing}, {@code bridge}, {@code router}, {@code link},
 *                     {@code tunnel}, ...
 * @param action       what the stage did
 * @param detail       what it used to decide, in words
 * @param headers      the frame's headers as the stage got them (one line)
 * @param headersAfter the headers as the stage passed them on, when it rewrote them (TTL, addresses); null otherwise
 */
public record Hop(int traceId, String node, long seq, long timeMicros, String component, String action, String detail,
                  String headers, String headersAfter)
{
    /** Whether this observation ends the packet's way here. */
    public boolean dropped()
    {
        return "dropped".equals(action);
    }
}
