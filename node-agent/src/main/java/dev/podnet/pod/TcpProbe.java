package dev.podnet.pod;

import dev.podnet.tcp.CloseReason;
import dev.podnet.tcp.TcpConnection;
import dev.podnet.tcp.TcpHandler;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

/**
 * One long-lived TCP connection from a pod to another pod's echo service, used by continuous probing: each probe
 * sends a short line on the same connection and waits for it to come back. What chaos runs watch: a connection
 * between pods of nodes nobody touched must never be reset and never stall. A probe reports, once, that the
 * connection was reset (or timed out) since the last one, and the next probe opens a new connection; an answer
 * slower than {@link #STALL_NANOS} is a stall. A tool: it allocates per probe.
 */
final class TcpProbe implements TcpHandler
{
    /** An answer later than this is a stall (the bound: connections never stall longer than 1 s). */
    static final long STALL_NANOS = 1_000_000_000L;

    private final PodTcp owner;
    private final int remoteIp;
    private final int remotePort;
    private TcpConnection connection;
    private String lostReason;
    private boolean fresh;
    private long openedAtMs;
    private long sequence;
    private byte[] expected;
    private int matched;
    private long sentAt;
    private long deadline;
    private CompletableFuture<TcpProbeResult> pending;
    private final UnsafeBuffer readBuffer = new UnsafeBuffer(new byte[512]);

    TcpProbe(final PodTcp owner, final int remoteIp, final int remotePort)
    {
        this.owner = owner;
        this.remoteIp = remoteIp;
        this.remotePort = remotePort;
    }

    /** Sends the next probe on the connection (opening one first if there is none). */
    void probe(final long timeoutNanos, final CompletableFuture<TcpProbeResult> result, final long nowNanos)
    {
        if (pending != null)
        {
            if (nowNanos - sentAt > STALL_NANOS)
            {
                // the previous probe is still unanswered after the stall bound
                result.complete(new TcpProbeResult(false, "stalled", nowNanos - sentAt, localPort(), false, openedAtMs));
                return;
            }
            // the previous probe is in flight and not late (rounds come closer than the bound, or bunch up when the
            // prober falls behind): this round's answer is that probe's
            pending.whenComplete((answer, failure) ->
            {
                if (failure != null)
                {
                    result.completeExceptionally(failure);
                }
                else
                {
                    result.complete(answer);
                }
            });
            return;
        }
        if (lostReason != null)
        {
            result.complete(new TcpProbeResult(false, lostReason, 0, localPort(), false, openedAtMs)); // told once; a new one next time
            lostReason = null;
            connection = null;
            return;
        }
        if (connection == null)
        {
            connection = owner.connect(remoteIp, remotePort, this, nowNanos);
            if (connection == null)
            {
                result.complete(new TcpProbeResult(false, "no-free-port", 0, 0, true, 0));
                return;
            }
            fresh = true;
            openedAtMs = System.currentTimeMillis();
        }
        pending = result;
        sentAt = nowNanos;
        deadline = nowNanos + timeoutNanos;
        expected = ("probe " + ++sequence + "\n").getBytes(StandardCharsets.US_ASCII);
        matched = 0;
        if (connection.state().synchronizedState())
        {
            connection.write(new UnsafeBuffer(expected), 0, expected.length);
        }
    }

    @Override
    public void onEstablished(final TcpConnection connection, final long nowNanos)
    {
        connection.nodelay(true);
        if (pending != null)
        {
            connection.write(new UnsafeBuffer(expected), 0, expected.length);
        }
    }

    @Override
    public void onReadable(final TcpConnection connection, final long nowNanos)
    {
        int count;
        while ((count = connection.read(readBuffer, 0, readBuffer.capacity())) > 0)
        {
            for (int i = 0; i < count && pending != null && matched < expected.length; i++)
            {
                matched = readBuffer.getByte(i) == expected[matched] ? matched + 1 : 0;
            }
        }
        if (pending != null && matched == expected.length)
        {
            final long rtt = nowNanos - sentAt;
            final CompletableFuture<TcpProbeResult> done = pending;
            pending = null;
            done.complete(rtt > STALL_NANOS ? new TcpProbeResult(false, "stalled", rtt, connection.localPort(), fresh, openedAtMs) :
                new TcpProbeResult(true, "ok", rtt, connection.localPort(), fresh, openedAtMs));
            fresh = false;
        }
    }

    @Override
    public void onClosed(final TcpConnection connection, final CloseReason reason, final long nowNanos)
    {
        final String outcome = reason == CloseReason.UNREACHABLE && connection.errorDetail() != null ?
            connection.errorDetail() : reason.label();
        if (pending != null)
        {
            final CompletableFuture<TcpProbeResult> done = pending;
            pending = null;
            this.connection = null;
            done.complete(new TcpProbeResult(false, outcome, nowNanos - sentAt, connection.localPort(), fresh, openedAtMs));
        }
        else
        {
            lostReason = outcome;
        }
    }

    /** The probe's timeout, checked by the pod's timer. */
    void onTimer(final long nowNanos)
    {
        if (pending != null && nowNanos >= deadline)
        {
            final CompletableFuture<TcpProbeResult> done = pending;
            pending = null;
            done.complete(new TcpProbeResult(false, "timeout", nowNanos - sentAt, localPort(), fresh, openedAtMs));
            // the answer may still come: the connection stays, and the next probe starts afresh on it
            matched = 0;
        }
    }

    void abort(final String why)
    {
        if (pending != null)
        {
            pending.completeExceptionally(new IllegalStateException(why));
            pending = null;
        }
    }

    private int localPort()
    {
        return connection == null ? 0 : connection.localPort();
    }

    @Override
    public String application()
    {
        return "probe";
    }
}
