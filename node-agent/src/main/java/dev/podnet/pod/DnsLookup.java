package dev.podnet.pod;

import dev.podnet.dns.StubResolver;
import org.agrona.DirectBuffer;

import java.util.concurrent.CompletableFuture;

/**
 * One name lookup from a pod: an ephemeral UDP socket that sends the {@link StubResolver}'s queries
 * to the pod's name server on port 53 and feeds it what comes back, until it has an answer or has
 * run out of candidates and attempts.
 */
final class DnsLookup implements UdpHandler
{
    static final int DNS_PORT = 53;

    final int localPort;
    private final StubResolver resolver;
    private final int nameserver;
    private final CompletableFuture<StubResolver.Result> future;

    DnsLookup(final int localPort, final StubResolver resolver, final int nameserver, final CompletableFuture<StubResolver.Result> future)
    {
        this.localPort = localPort;
        this.resolver = resolver;
        this.nameserver = nameserver;
        this.future = future;
    }

    void start(final Pod pod, final long nowNanos)
    {
        resolver.start(nowNanos);
        send(pod, nowNanos);
    }

    @Override
    public void onDatagram(
        final Pod pod, final int sourceIp, final int sourcePort, final int localPort,
        final DirectBuffer payload, final int offset, final int length, final long nowNanos)
    {
        if (sourceIp != nameserver || sourcePort != DNS_PORT)
        {
            return; // not from the server asked (RFC 5452)
        }
        if (resolver.onResponse(payload, offset, length, nowNanos))
        {
            send(pod, nowNanos);
        }
        finishIfDone(pod);
    }

    /** An ICMP error about a query: the server is unreachable; the next attempt may fare better. */
    void onError(final Pod pod, final long nowNanos)
    {
        // as glibc: an unreachable server counts as no answer, the timeout decides
    }

    /** True when the lookup is over. */
    boolean onTimer(final Pod pod, final long nowNanos)
    {
        if (resolver.onTimer(nowNanos))
        {
            send(pod, nowNanos);
        }
        finishIfDone(pod);
        return future.isDone();
    }

    void abort(final String reason)
    {
        future.completeExceptionally(new IllegalStateException(reason));
    }

    private void send(final Pod pod, final long nowNanos)
    {
        pod.sendUdp(localPort, nameserver, DNS_PORT, resolver.query(), 0, resolver.queryLength(), nowNanos);
    }

    private void finishIfDone(final Pod pod)
    {
        if (resolver.done() && !future.isDone())
        {
            pod.unbindUdp(localPort);
            future.complete(resolver.result());
        }
    }
}
