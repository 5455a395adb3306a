package dev.podnet.dataplane;

import org.agrona.DirectBuffer;

/**
 * Sees frames crossing the bridge, for capture. Called on the data-plane thread: must not block
 * or allocate.
 */
public interface FrameTap
{
    /**
     * @param portName port the frame came in on ({@code ingress}) or is delivered to
     * @param ingress  true when entering the bridge, false when delivered to {@code portName}
     */
    void onFrame(String portName, boolean ingress, DirectBuffer buffer, int offset, int length);
}
