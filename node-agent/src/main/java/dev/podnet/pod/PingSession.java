package dev.podnet.pod;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One run of {@code ping} inside a pod: sends the echo requests on schedule and matches replies and
 * ICMP errors to them by identifier and sequence number. Driven by the pod's timer and receive path.
 */
final class PingSession
{
    private static final byte PENDING = 0;
    private static final byte ANSWERED = 1;

    final int identifier;
    private final PingRequest request;
    private final CompletableFuture<PingResult> future;
    private final long intervalNanos;
    private final long timeoutNanos;
    private final long[] sentAt;
    private final byte[] state;
    private final List<PingResult.Reply> replies = new ArrayList<>();
    private final List<PingResult.Error> errors = new ArrayList<>();
    private int sent;
    private int answered;
    private long nextSendAt;

    PingSession(final int identifier, final PingRequest request, final CompletableFuture<PingResult> future, final long nowNanos)
    {
        this.identifier = identifier;
        this.request = request;
        this.future = future;
        this.intervalNanos = request.interval().toNanos();
        this.timeoutNanos = request.timeout().toNanos();
        this.sentAt = new long[request.count()];
        this.state = new byte[request.count()];
        this.nextSendAt = nowNanos;
    }

    /** Sends what is due and times out what is late; true when the session is over. */
    boolean onTimer(final Pod pod, final long nowNanos)
    {
        while (sent < request.count() && nowNanos >= nextSendAt)
        {
            final int seq = sent + 1;
            sentAt[sent] = nowNanos;
            sent++;
            nextSendAt += intervalNanos;
            final int mtu = pod.sendEcho(identifier, seq, request, nowNanos);
            if (mtu > 0)
            {
                onError(seq, "frag-needed", pod.ip(), mtu, nowNanos);
            }
        }
        for (int i = 0; i < sent; i++)
        {
            if (state[i] == PENDING && nowNanos - sentAt[i] >= timeoutNanos)
            {
                onError(i + 1, "timeout", 0, 0, nowNanos);
            }
        }
        return finishIfDone();
    }

    void onReply(final int seq, final int from, final int ttl, final int bytes, final long nowNanos)
    {
        final int i = seq - 1;
        if (i >= 0 && i < sent && state[i] == PENDING)
        {
            state[i] = ANSWERED;
            answered++;
            replies.add(new PingResult.Reply(seq, from, ttl, nowNanos - sentAt[i], bytes));
        }
    }

    void onError(final int seq, final String type, final int from, final int mtu, final long nowNanos)
    {
        final int i = seq - 1;
        if (i >= 0 && i < sent && state[i] == PENDING)
        {
            state[i] = ANSWERED;
            answered++;
            errors.add(new PingResult.Error(seq, type, from, mtu, nowNanos - sentAt[i]));
        }
    }

    boolean finishIfDone()
    {
        if (answered == request.count())
        {
            future.complete(new PingResult(request.target(), sent, replies.size(), List.copyOf(replies), List.copyOf(errors)));
            return true;
        }
        return false;
    }

    void abort(final String reason)
    {
        future.completeExceptionally(new IllegalStateException(reason));
    }
}
