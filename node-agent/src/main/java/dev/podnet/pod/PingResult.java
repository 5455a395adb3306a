package dev.podnet.pod;

import java.util.List;

/**
 * What {@code ping} saw: one reply or one error per sequence number.
 *
 * @param target   destination address
 * @param sent     echo requests sent
 * @param received echo replies received
 * @param replies  replies in arrival order
 * @param errors   probes that failed, with why
 */
public record PingResult(int target, int sent, int received, List<Reply> replies, List<Error> errors)
{
    /** One echo reply. */
    public record Reply(int seq, int from, int ttl, long rttNanos, int bytes)
    {
    }

    /**
     * One probe that got no reply. {@code type} is one of {@code timeout}, {@code host-unreachable},
     * {@code net-unreachable}, {@code port-unreachable}, {@code frag-needed}, {@code time-exceeded};
     * {@code from} is the address that reported it (0 for a timeout); {@code mtu} the next-hop MTU of
     * a frag-needed error, else 0; {@code rttNanos} the time until the error arrived.
     */
    public record Error(int seq, String type, int from, int mtu, long rttNanos)
    {
    }
}
