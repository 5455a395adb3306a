package dev.podnet.pod;

import org.agrona.DirectBuffer;

/** An application bound to a UDP port of a pod. Called on the data-plane thread; must not block. */
@FunctionalInterface
public interface UdpHandler
{
    /**
     * One datagram arrived. The payload is only valid during the call.
     */
    void onDatagram(
        Pod pod, int sourceIp, int sourcePort, int localPort, DirectBuffer payload, int offset, int length, long nowNanos);
}
