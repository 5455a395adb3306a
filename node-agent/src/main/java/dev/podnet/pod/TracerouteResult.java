package dev.podnet.pod;

import java.util.List;

/**
 * What {@code traceroute} (ICMP echo probes with TTL 1, 2, ...) saw.
 *
 * @param target  destination address
 * @param reached whether the destination itself answered
 * @param hops    one per TTL tried, in order
 */
public record TracerouteResult(int target, boolean reached, List<Hop> hops)
{
    /**
     * One hop: {@code address} answered the probe with this TTL (a router's time exceeded, or the
     * target's echo reply, or an unreachable error); 0 when nothing answered in time ({@code *}).
     *
     * @param ttl      the probe's TTL
     * @param address  who answered, 0 for nobody
     * @param rttNanos time to the answer
     * @param kind     {@code time-exceeded}, {@code reply}, an unreachable type, or {@code timeout}
     */
    public record Hop(int ttl, int address, long rttNanos, String kind)
    {
    }
}
