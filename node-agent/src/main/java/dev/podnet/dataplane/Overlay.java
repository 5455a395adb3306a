package dev.podnet.dataplane;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * What the router needs from the tunnel between nodes (the VXLAN device of this world): send an
 * inner Ethernet frame to another node, and hand over the frames other nodes sent. The data-plane
 * duty cycle drives it, so an implementation must never block.
 */
public interface Overlay extends AutoCloseable
{
    /** {@link #send} results. */
    int SENT = 0;
    int NO_PEER = 1;
    int NOT_CONNECTED = 2;
    int BACK_PRESSURED = 3;
    int TOO_LARGE = 4;
    /**
     * An impaired link to the peer already holds its limit of frames, or the tunnel holds its share of frames for an idle
     * peer coming back: the overlay dropped the frame and counted it; the sender should hold back, as for
     * {@link #BACK_PRESSURED}, until {@link #window} has room again.
     */
    int QUEUE_FULL = 5;

    /** Receives frames from other nodes: {@code sourceNode} is the sender's tunnel address. */
    @FunctionalInterface
    interface Receiver
    {
        void onTunnelFrame(int sourceNode, MutableDirectBuffer buffer, int offset, int length, long nowNanos);
    }

    /** One duty cycle of the tunnel's own work (driver, client, retries) and up to a limit of received frames. */
    int doWork(long nowNanos, Receiver receiver);

    /** Sends one inner Ethernet frame to the node whose tunnel address is {@code peer}. */
    int send(int peer, DirectBuffer frame, int offset, int length);

    /** Bytes the way to the peer accepts now without back-pressure (0 when not connected; an idle peer's: what the hold queue takes). */
    long window(int peer);

    /** Starts (re)connecting to a peer node; resolving its host is retried with back-off. */
    void addPeer(int peer, String host, int port);

    void removePeer(int peer);

    /**
     * Tunnel state of a peer for tables: {@code connected}, {@code idle} (healthy: nothing was sent to the peer for a while,
     * so its publication was closed; the next frame brings it back), {@code connecting}, {@code resolving (why)}, or
     * {@code none}.
     */
    String peerState(int peer);

    /** The largest IPv4 packet a frame may carry through the tunnel (the pod MTU, derived). */
    int innerMtu();

    /**
     * How the data-plane thread may wait when idle so that a frame arriving for it ends the wait; null when
     * the overlay has no such wait (the data plane then parks, and polls the overlay when it wakes).
     */
    default IdleWait idleWait()
    {
        return null;
    }

    /** Frames sent and received, for the tables and metrics. */
    long framesSent(int peer);

    long framesReceived(int peer);

    /** Who the tunnel reports traced frames to (encapsulated, received); by default it reports nothing. */
    default void tracer(final dev.podnet.trace.Tracer tracer)
    {
    }

    @Override
    void close();
}
