package dev.podnet.tcp;

import java.time.Duration;

/**
 * How a pod's TCP behaves. Defaults follow Linux where Linux has a knob, except TIME-WAIT, which an emulator
 * keeps short. Validated once when made; every message names the setting.
 *
 * @param sendBufferMax      bytes a connection buffers for sending at most, unacknowledged included
 *                           (Linux {@code tcp_wmem} max: 4 MiB)
 * @param receiveBufferMax   bytes a connection buffers received at most: its largest window (Linux {@code tcp_rmem}
 *                           max is 6 MiB; 4 MiB gives Linux's window scale of 7)
 * @param bufferInitial      bytes each buffer starts with; buffers double as they fill, up to their maximum, so that
 *                           thousands of idle connections cost little
 * @param timeWait           how long a connection actively closed stays in TIME-WAIT (RFC 9293: 2 MSL; Linux 60 s;
 *                           short here: nothing in an emulated network lives long)
 * @param finWait2Timeout    how long a connection closed by its application waits for the peer's FIN in FIN-WAIT-2
 *                           (Linux {@code tcp_fin_timeout}: 60 s)
 * @param rtoInitial         retransmission timeout before an RTT was measured (RFC 6298 2.1: 1 s)
 * @param rtoMin             lower bound of the retransmission timeout (Linux {@code TCP_RTO_MIN}: 200 ms; RFC 6298 says 1 s)
 * @param rtoMax             upper bound of the retransmission timeout (Linux {@code TCP_RTO_MAX}: 120 s)
 * @param delayedAck         longest an ACK of in-order data waits for more (Linux's delayed-ACK minimum: 40 ms)
 * @param synRetries         SYN retransmissions before a connect fails (Linux {@code tcp_syn_retries}: 6)
 * @param retries            retransmissions of data (or FIN) without progress before the connection times out
 *                           (Linux {@code tcp_retries2}: 15)
 * @param windowScaling      offer window scaling (RFC 7323; Linux {@code tcp_window_scaling}: on)
 * @param sack               offer SACK (RFC 2018; Linux {@code tcp_sack}: on)
 * @param timestamps         offer timestamps (RFC 7323; Linux {@code tcp_timestamps}: on)
 * @param initialWindow      initial congestion window in segments (RFC 6928; Linux: 10)
 * @param maxConnections     connections a pod holds at most, TIME-WAIT included
 * @param backlog            connections a listening port holds at most before its application takes them
 *                           (half-open ones included; Linux {@code somaxconn}: 4096)
 */
public record TcpSettings(
    int sendBufferMax,
    int receiveBufferMax,
    int bufferInitial,
    Duration timeWait,
    Duration finWait2Timeout,
    Duration rtoInitial,
    Duration rtoMin,
    Duration rtoMax,
    Duration delayedAck,
    int synRetries,
    int retries,
    boolean windowScaling,
    boolean sack,
    boolean timestamps,
    int initialWindow,
    int maxConnections,
    int backlog)
{
    /** Largest buffer a connection may have: 64 MiB, within what a window scale of 14 announces (1 GiB). */
    public static final int MAX_BUFFER = 64 << 20;

    public TcpSettings
    {
        requireRange("sendBufferMax", sendBufferMax, 4096, MAX_BUFFER);
        requireRange("receiveBufferMax", receiveBufferMax, 4096, MAX_BUFFER);
        requireRange("bufferInitial", bufferInitial, 1024, Math.min(sendBufferMax, receiveBufferMax));
        requirePositive("timeWait", timeWait);
        requirePositive("finWait2Timeout", finWait2Timeout);
        requirePositive("rtoInitial", rtoInitial);
        requirePositive("rtoMin", rtoMin);
        requirePositive("rtoMax", rtoMax);
        requirePositive("delayedAck", delayedAck);
        if (rtoMin.compareTo(rtoMax) > 0 || rtoInitial.compareTo(rtoMin) < 0 || rtoInitial.compareTo(rtoMax) > 0)
        {
            throw new IllegalArgumentException(
                "TCP RTO bounds: need rtoMin <= rtoInitial <= rtoMax, got " + rtoMin + ", " + rtoInitial + ", " + rtoMax);
        }
        if (delayedAck.compareTo(rtoMin) >= 0)
        {
            throw new IllegalArgumentException("TCP delayedAck " + delayedAck + " must be below rtoMin " + rtoMin);
        }
        requireRange("synRetries", synRetries, 1, 127);
        requireRange("retries", retries, 1, 255);
        requireRange("initialWindow", initialWindow, 1, 64);
        requireRange("maxConnections", maxConnections, 1, 1 << 20);
        requireRange("backlog", backlog, 1, 1 << 20);
    }

    /** @return Linux's behaviour, with a 2-second TIME-WAIT. */
    public static TcpSettings defaults()
    {
        return new TcpSettings(
            4 << 20, 4 << 20, 4096, Duration.ofSeconds(2), Duration.ofSeconds(60), Duration.ofSeconds(1),
            Duration.ofMillis(200), Duration.ofSeconds(120), Duration.ofMillis(40), 6, 15, true, true, true, 10, 16384, 4096);
    }

    /**
     * @param timeWait how long TIME-WAIT lasts.
     * @return these settings with another TIME-WAIT.
     */
    public TcpSettings withTimeWait(final Duration timeWait)
    {
        return new TcpSettings(sendBufferMax, receiveBufferMax, bufferInitial, timeWait, finWait2Timeout, rtoInitial,
            rtoMin, rtoMax, delayedAck, synRetries, retries, windowScaling, sack, timestamps, initialWindow, maxConnections,
            backlog);
    }

    /**
     * @param sendBufferMax    largest send buffer.
     * @param receiveBufferMax largest receive buffer.
     * @return these settings with other buffer bounds.
     */
    public TcpSettings withBuffers(final int sendBufferMax, final int receiveBufferMax)
    {
        return new TcpSettings(sendBufferMax, receiveBufferMax, Math.min(bufferInitial, Math.min(sendBufferMax, receiveBufferMax)),
            timeWait, finWait2Timeout, rtoInitial, rtoMin, rtoMax, delayedAck, synRetries, retries, windowScaling, sack,
            timestamps, initialWindow, maxConnections, backlog);
    }

    /**
     * @param windowScaling offer window scaling.
     * @param sack          offer SACK.
     * @param timestamps    offer timestamps.
     * @return these settings with other options offered.
     */
    public TcpSettings withOptions(final boolean windowScaling, final boolean sack, final boolean timestamps)
    {
        return new TcpSettings(sendBufferMax, receiveBufferMax, bufferInitial, timeWait, finWait2Timeout, rtoInitial,
            rtoMin, rtoMax, delayedAck, synRetries, retries, windowScaling, sack, timestamps, initialWindow, maxConnections,
            backlog);
    }

    /**
     * @param maxConnections connections at most.
     * @param backlog        connections a listener holds at most.
     * @return these settings with other limits.
     */
    public TcpSettings withLimits(final int maxConnections, final int backlog)
    {
        return new TcpSettings(sendBufferMax, receiveBufferMax, bufferInitial, timeWait, finWait2Timeout, rtoInitial,
            rtoMin, rtoMax, delayedAck, synRetries, retries, windowScaling, sack, timestamps, initialWindow, maxConnections,
            backlog);
    }

    /**
     * @param rtoMin lower bound of the retransmission timeout (RFC 6298 2.4 recommends 1 s; Linux uses 200 ms).
     * @return these settings with another RTO minimum; the initial RTO is raised to it if below.
     */
    public TcpSettings withRtoMin(final Duration rtoMin)
    {
        return new TcpSettings(sendBufferMax, receiveBufferMax, bufferInitial, timeWait, finWait2Timeout,
            rtoInitial.compareTo(rtoMin) < 0 ? rtoMin : rtoInitial, rtoMin, rtoMax, delayedAck, synRetries, retries,
            windowScaling, sack, timestamps, initialWindow, maxConnections, backlog);
    }

    /**
     * @param synRetries SYN retransmissions at most.
     * @param retries    data retransmissions at most.
     * @return these settings with other retry limits.
     */
    public TcpSettings withRetries(final int synRetries, final int retries)
    {
        return new TcpSettings(sendBufferMax, receiveBufferMax, bufferInitial, timeWait, finWait2Timeout, rtoInitial,
            rtoMin, rtoMax, delayedAck, synRetries, retries, windowScaling, sack, timestamps, initialWindow, maxConnections,
            backlog);
    }

    /**
     * The window scale this side announces (RFC 7323 2.3): the smallest shift that fits the largest receive window
     * in the 16-bit field.
     *
     * @return 0..14.
     */
    public int receiveWindowScale()
    {
        int shift = 0;
        while (shift < 14 && (receiveBufferMax >> shift) > 0xFFFF)
        {
            shift++;
        }
        return shift;
    }

    private static void requireRange(final String name, final int value, final int min, final int max)
    {
        if (value < min || value > max)
        {
            throw new IllegalArgumentException("TCP " + name + " " + value + " outside " + min + ".." + max);
        }
    }

    private static void requirePositive(final String name, final Duration value)
    {
        if (value == null || value.isNegative() || value.isZero())
        {
            throw new IllegalArgumentException("TCP " + name + " must be > 0: " + value);
        }
    }
}
