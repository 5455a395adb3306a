package dev.podnet.pod;

import org.agrona.DirectBuffer;

import java.util.concurrent.CompletableFuture;

/**
 * One UDP request/response from a pod: an ephemeral socket that sends one datagram and completes
 * with the first datagram that comes back, an ICMP error about it, or a timeout.
 */
final class UdpCall implements UdpHandler
{
    final int localPort;
    private final CompletableFuture<UdpExchange> future;
    private final long deadline;

    UdpCall(final int localPort, final CompletableFuture<UdpExchange> future, final long deadline)
    {
        this.localPort = localPort;
        this.future = future;
        this.deadline = deadline;
    }

    @Override
    public void onDatagram(
        final Pod pod, final int sourceIp, final int sourcePort, final int localPort,
        final DirectBuffer payload, final int offset, final int length, final long nowNanos)
    {
        final byte[] reply = new byte[length];
        payload.getBytes(offset, reply);
        complete(pod, new UdpExchange(sourceIp, sourcePort, reply, null));
    }

    void onError(final Pod pod, final String type, final int from)
    {
        complete(pod, new UdpExchange(from, 0, null, type));
    }

    /** True when the call is over. */
    boolean onTimer(final Pod pod, final long nowNanos)
    {
        if (nowNanos >= deadline)
        {
            complete(pod, new UdpExchange(0, 0, null, "timeout"));
        }
        return future.isDone();
    }

    boolean isDone()
    {
        return future.isDone();
    }

    void abort(final String reason)
    {
        future.completeExceptionally(new IllegalStateException(reason));
    }

    private void complete(final Pod pod, final UdpExchange exchange)
    {
        if (!future.isDone())
        {
            pod.unbindUdp(localPort);
            future.complete(exchange);
        }
    }
}
