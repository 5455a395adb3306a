package dev.podnet.dataplane;

import org.agrona.MutableDirectBuffer;

/** A device attached to the bridge: a pod's NIC or the gateway. */
interface BridgePort
{
    int id();

    /** Human-readable name for tables: the pod name, or {@code gateway}. */
    String name();

    /** The bridge hands this port a frame. The buffer is only valid during the call. */
    void deliver(MutableDirectBuffer buffer, int offset, int length, long nowNanos);
}
