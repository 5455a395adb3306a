package dev.podnet.pod;

import org.agrona.concurrent.UnsafeBuffer;

import java.util.concurrent.CompletableFuture;

/**
 * A pod sending UDP datagrams of one size to one destination as fast as its node lets it, for a
 * while: the load side of a throughput measurement (the receiving pod's {@link Discard} counts).
 * Pumped from every duty cycle, a bounded batch at a time, so it never starves the rest of the node.
 */
final class UdpFlood
{
    /** Datagrams per duty cycle at most. */
    static final int BATCH = 8;

    final int localPort;
    private final int target;
    private final int port;
    private final UnsafeBuffer payload;
    private final long startedAt;
    private final long deadline;
    private final CompletableFuture<UdpFloodResult> result;
    private long sent;

    UdpFlood(
        final int localPort, final int target, final int port, final int size, final long nowNanos, final long durationNanos,
        final CompletableFuture<UdpFloodResult> result)
    {
        this.localPort = localPort;
        this.target = target;
        this.port = port;
        this.payload = new UnsafeBuffer(new byte[size]);
        for (int i = 0; i < size; i++)
        {
            payload.putByte(i, (byte)('a' + i % 26));
        }
        this.startedAt = nowNanos;
        this.deadline = nowNanos + durationNanos;
        this.result = result;
    }

    /** Sends the next batch; true when the flood is over. */
    boolean pump(final Pod pod, final long nowNanos)
    {
        if (nowNanos >= deadline)
        {
            result.complete(new UdpFloodResult(sent, payload.capacity(), nowNanos - startedAt));
            return true;
        }
        // a socket with a full send buffer waits: nothing goes while the way out is congested
        final int batch = pod.congested() ? 0 : BATCH;
        for (int i = 0; i < batch; i++)
        {
            pod.sendUdp(localPort, target, port, payload, 0, payload.capacity(), nowNanos);
            sent++;
        }
        return false;
    }

    void abort(final String reason)
    {
        result.completeExceptionally(new IllegalStateException(reason));
    }
}
