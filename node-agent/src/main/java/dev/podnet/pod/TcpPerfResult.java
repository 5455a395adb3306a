package dev.podnet.pod;

import java.util.List;

/**
 * What a bulk TCP transfer from a pod achieved ({@code tcp-perf}, like {@code iperf3 -c}).
 *
 * @param remoteIp       where to
 * @param remotePort     which port (the discard service, 9, by default)
 * @param streams        connections sending at once
 * @param durationNanos  how long data was sent: from the first connection's handshake to the end
 * @param bytes          data bytes the receiver acknowledged within that time, all streams together
 * @param retransmits    segments sent again, all streams together
 * @param connectNanos   the slowest handshake of the streams
 * @param samples        the transfer over time: one sample per interval
 * @param error          null when it ran; else why it could not (e.g. {@code connection-refused})
 */
public record TcpPerfResult(
    int remoteIp,
    int remotePort,
    int streams,
    long durationNanos,
    long bytes,
    long retransmits,
    long connectNanos,
    List<Sample> samples,
    String error)
{
    /**
     * The transfer at one moment.
     *
     * @param atNanos     since the start
     * @param bytes       acknowledged so far, all streams
     * @param cwnd        congestion windows summed, bytes
     * @param rttMicros   smoothed round-trip time, the largest of the streams'
     * @param retransmits segments sent again so far
     */
    public record Sample(long atNanos, long bytes, long cwnd, long rttMicros, long retransmits)
    {
    }

    /** @return acknowledged bits per second over the duration. */
    public double bitsPerSecond()
    {
        return durationNanos <= 0 ? 0 : bytes * 8e9 / durationNanos;
    }

    /** @return whether it ran. */
    public boolean ok()
    {
        return error == null;
    }
}
