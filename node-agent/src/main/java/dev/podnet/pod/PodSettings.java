package dev.podnet.pod;

import dev.podnet.tcp.TcpSettings;

import java.time.Duration;

/**
 * How every pod's IP stack behaves. Defaults follow Linux where Linux has a knob.
 *
 * @param mtu               the pod interface MTU in bytes (IPv4 packet size, Ethernet header excluded)
 * @param arpReachableTime  how long a confirmed neighbour is used without asking again
 *                          (Linux {@code base_reachable_time}: 30 s)
 * @param arpStaleTime      how long after that an unused stale neighbour is kept (Linux {@code gc_stale_time}: 60 s)
 * @param arpRetransmit     time between ARP requests for an unresolved neighbour (Linux {@code retrans_time}: 1 s)
 * @param arpMaxProbes      requests sent before the neighbour is declared unreachable (Linux {@code mcast_solicit}: 3)
 * @param arpQueueFrames    frames a pod holds while waiting for ARP replies, all neighbours together
 * @param icmpErrorsPerSecond ICMP errors a pod may send a second (Linux {@code icmp_msgs_per_sec}: 1000)
 * @param icmpErrorBurst    ... and in a burst (Linux {@code icmp_msgs_burst}: 50)
 * @param tcp               how the pod's TCP behaves (buffers, timers, options; Linux's defaults)
 */
public record PodSettings(
    int mtu,
    Duration arpReachableTime,
    Duration arpStaleTime,
    Duration arpRetransmit,
    int arpMaxProbes,
    int arpQueueFrames,
    int icmpErrorsPerSecond,
    int icmpErrorBurst,
    TcpSettings tcp)
{
    /** Smallest MTU an IPv4 host must accept (RFC 791). */
    public static final int MIN_MTU = 576;
    /** Largest MTU podnet supports (jumbo frames). */
    public static final int MAX_MTU = 9000;
    /** Until the overlay derives it from the underlay, the pod MTU of a plain Ethernet. */
    public static final int DEFAULT_MTU = 1500;

    public PodSettings
    {
        if (mtu < MIN_MTU || mtu > MAX_MTU)
        {
            throw new IllegalArgumentException("pod MTU " + mtu + " outside " + MIN_MTU + ".." + MAX_MTU);
        }
        requirePositive("arpReachableTime", arpReachableTime);
        requirePositive("arpStaleTime", arpStaleTime);
        requirePositive("arpRetransmit", arpRetransmit);
        if (arpMaxProbes < 1 || arpMaxProbes > 100)
        {
            throw new IllegalArgumentException("arpMaxProbes " + arpMaxProbes + " outside 1..100");
        }
        if (arpQueueFrames < 1 || arpQueueFrames > 1024)
        {
            throw new IllegalArgumentException("arpQueueFrames " + arpQueueFrames + " outside 1..1024");
        }
        if (icmpErrorsPerSecond < 1 || icmpErrorBurst < 1)
        {
            throw new IllegalArgumentException("ICMP error rate and burst must be >= 1");
        }
        if (tcp == null)
        {
            throw new IllegalArgumentException("TCP settings are required");
        }
    }

    public PodSettings(
        final int mtu, final Duration arpReachableTime, final Duration arpStaleTime, final Duration arpRetransmit,
        final int arpMaxProbes, final int arpQueueFrames, final int icmpErrorsPerSecond, final int icmpErrorBurst)
    {
        this(mtu, arpReachableTime, arpStaleTime, arpRetransmit, arpMaxProbes, arpQueueFrames, icmpErrorsPerSecond,
            icmpErrorBurst, TcpSettings.defaults());
    }

    public static PodSettings defaults()
    {
        return new PodSettings(
            DEFAULT_MTU, Duration.ofSeconds(30), Duration.ofSeconds(60), Duration.ofSeconds(1), 3, 64, 1000, 50);
    }

    public PodSettings withMtu(final int mtu)
    {
        return new PodSettings(
            mtu, arpReachableTime, arpStaleTime, arpRetransmit, arpMaxProbes, arpQueueFrames,
            icmpErrorsPerSecond, icmpErrorBurst, tcp);
    }

    public PodSettings withArp(final Duration reachable, final Duration retransmit, final int maxProbes)
    {
        return new PodSettings(
            mtu, reachable, arpStaleTime, retransmit, maxProbes, arpQueueFrames, icmpErrorsPerSecond, icmpErrorBurst, tcp);
    }

    public PodSettings withTcp(final TcpSettings tcp)
    {
        return new PodSettings(
            mtu, arpReachableTime, arpStaleTime, arpRetransmit, arpMaxProbes, arpQueueFrames, icmpErrorsPerSecond,
            icmpErrorBurst, tcp);
    }

    private static void requirePositive(final String name, final Duration value)
    {
        if (value == null || value.isNegative() || value.isZero())
        {
            throw new IllegalArgumentException(name + " must be > 0: " + value);
        }
    }
}
