package dev.podnet.tcp;

import org.agrona.MutableDirectBuffer;

/**
 * What a pod's TCP needs from the IP layer below it: a place to write one segment, a way to send it to an address
 * (in an IPv4 packet with DF set: TCP does path MTU discovery, RFC 1191), and whether the way out has room. The
 * engine writes header, options, data and checksum; the IP layer adds the IPv4 header, routes and transmits.
 */
public interface SegmentOutput
{
    /**
     * @return the buffer to write the next segment into; valid until {@link #sendSegment}.
     */
    MutableDirectBuffer segmentBuffer();

    /**
     * @return where in {@link #segmentBuffer()} the TCP header starts; there is room for the largest segment the
     * MTU allows.
     */
    int segmentOffset();

    /**
     * Send the segment written at {@link #segmentOffset()}.
     *
     * @param remoteIp destination address.
     * @param length   TCP header and data in bytes.
     * @param nowNanos the stack's clock.
     */
    void sendSegment(int remoteIp, int length, long nowNanos);

    /**
     * Whether data for {@code remoteIp} may go out now. When the way there is full (the node's frame queue, the
     * tunnel to the destination's node), a connection holds its data back, as Linux's TCP small queues do, rather
     * than have it dropped and retransmitted; {@link TcpStack#pump(long)} lets it try again. ACKs and resets go
     * regardless.
     *
     * @param remoteIp the destination.
     * @return true when there is room.
     */
    boolean canSendData(int remoteIp);
}
