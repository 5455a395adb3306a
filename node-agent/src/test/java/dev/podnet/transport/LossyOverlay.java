package dev.podnet.transport;

import dev.podnet.dataplane.Overlay;
import org.agrona.DirectBuffer;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntPredicate;

/**
 * A tunnel that loses frames on purpose: the test hook that makes "frames dropped on the way" happen where the
 * issue says, between nodes. Frames the predicate picks (given the frame's ordinal among those offered) are
 * reported sent and never leave; everything else goes to the real tunnel.
 */
final class LossyOverlay implements Overlay
{
    private final Overlay tunnel;
    private final IntPredicate lose;
    private final AtomicLong lost = new AtomicLong();
    private int offered;
    volatile boolean active;

    LossyOverlay(final Overlay tunnel, final IntPredicate lose)
    {
        this.tunnel = tunnel;
        this.lose = lose;
    }

    long lost()
    {
        return lost.get();
    }

    @Override
    public int send(final int peer, final DirectBuffer frame, final int offset, final int length)
    {
        if (active && length > 1000 && lose.test(++offered))
        {
            lost.incrementAndGet();
            return SENT;
        }
        return tunnel.send(peer, frame, offset, length);
    }

    @Override
    public int doWork(final long nowNanos, final Receiver receiver)
    {
        return tunnel.doWork(nowNanos, receiver);
    }

    @Override
    public long window(final int peer)
    {
        return tunnel.window(peer);
    }

    @Override
    public void addPeer(final int peer, final String host, final int port)
    {
        tunnel.addPeer(peer, host, port);
    }

    @Override
    public void removePeer(final int peer)
    {
        tunnel.removePeer(peer);
    }

    @Override
    public String peerState(final int peer)
    {
        return tunnel.peerState(peer);
    }

    @Override
    public int innerMtu()
    {
        return tunnel.innerMtu();
    }

    @Override
    public long framesSent(final int peer)
    {
        return tunnel.framesSent(peer);
    }

    @Override
    public long framesReceived(final int peer)
    {
        return tunnel.framesReceived(peer);
    }

    @Override
    public void close()
    {
        tunnel.close();
    }
}
