package dev.podnet.pod;

import org.agrona.MutableDirectBuffer;

/**
 * Where a device puts the frames it transmits: its port on the bridge.
 * <p>
 * {@link #claim()} returns a buffer to write exactly one Ethernet frame at index 0, or {@code null}
 * when there is no room (the frame is dropped and counted by the caller); {@link #commit(int)} sends
 * it. Claiming again without committing abandons the previous claim.
 */
public interface FrameSink
{
    MutableDirectBuffer claim();

    void commit(int length);

    /**
     * Whether the way out is congested (the tunnel pushed back and nothing got through since): a
     * well-behaved bulk sender waits, as a UDP socket with a full send buffer would.
     */
    default boolean congested()
    {
        return false;
    }

    /**
     * Whether a bulk sender may queue more frames for {@code destinationIp} now: the node's queue keeps room for
     * everyone else, and the way to the destination (the tunnel to its node) takes what is queued and more. TCP
     * holds its data back while this is false (Linux's TCP small queues).
     */
    default boolean hasRoom(final int destinationIp)
    {
        return !congested();
    }
}
