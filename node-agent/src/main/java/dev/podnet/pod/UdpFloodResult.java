package dev.podnet.pod;

/**
 * What a UDP flood sent: {@code datagrams} of {@code size} payload bytes in {@code durationNanos}.
 * How many arrived is the receiver's {@link Discard} count.
 */
public record UdpFloodResult(long datagrams, int size, long durationNanos)
{
}
