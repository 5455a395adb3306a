package dev.podnet.tcp;

/**
 * A congestion control algorithm, as a strategy of the connection (Linux's {@code tcp_congestion_ops}). The
 * connection tells it what happened to its segments; it answers with the congestion window and, for loss
 * recovery, what to retransmit. Windows are in bytes.
 */
interface CongestionControl
{
    /** What {@link #onDuplicateAck} asks of the connection. */
    enum DupAckAction
    {
        /** Nothing beyond what the window allows. */
        NONE,
        /** Fast retransmit (RFC 5681 3.2 step 2): retransmit the first unacknowledged segment now. */
        FAST_RETRANSMIT
    }

    /** What {@link #onAck} asks of the connection. */
    enum AckAction
    {
        /** Send what the window allows. */
        NONE,
        /** A partial acknowledgment in recovery (RFC 6582 3.2 step 3): retransmit the first unacknowledged segment. */
        RETRANSMIT_FIRST
    }

    /**
     * The connection is established and knows its segment size: set the initial window.
     *
     * @param mss sender maximum segment size.
     */
    void onEstablished(int mss);

    /**
     * The segment size changed (path MTU): windows in segments keep their meaning.
     *
     * @param mss the new sender maximum segment size.
     */
    void onMssChanged(int mss);

    /**
     * An ACK acknowledged new data.
     *
     * @param ack          the acknowledgment number.
     * @param ackedBytes   bytes newly acknowledged.
     * @param flightBefore bytes outstanding before this ACK.
     * @param highestSent  SND.MAX: the sequence number after the highest one sent.
     * @param cwndLimited  whether the window is what held the sender back during the last round trip (Linux's
     *                     {@code is_cwnd_limited}, kept by the connection)
     * @param maxFlight    the most bytes outstanding during the last round trip (Linux's {@code max_packets_out})
     * @return whether to retransmit the first unacknowledged segment.
     */
    AckAction onAck(int ack, int ackedBytes, int flightBefore, int highestSent, boolean cwndLimited, int maxFlight);

    /**
     * A duplicate ACK (RFC 5681 2: no new data acknowledged, no data, window unchanged, data outstanding).
     *
     * @param ack         the acknowledgment number (SND.UNA).
     * @param flight      bytes outstanding.
     * @param highestSent SND.MAX.
     * @return whether to fast-retransmit.
     */
    DupAckAction onDuplicateAck(int ack, int flight, int highestSent);

    /**
     * The retransmission timer expired (RFC 5681 3.1 equation 4, then a window of one segment).
     *
     * @param flight      bytes outstanding.
     * @param highestSent SND.MAX.
     */
    void onRetransmitTimeout(int flight, int highestSent);

    /**
     * A retransmission timeout turned out spurious (RFC 4015): put back the window and threshold it had before.
     *
     * @param cwnd     the congestion window before the timeout.
     * @param ssthresh the slow-start threshold before the timeout.
     */
    void undo(int cwnd, int ssthresh);

    /** @return the congestion window: bytes the connection may have outstanding. */
    int cwnd();

    /** @return the slow-start threshold. */
    int ssthresh();

    /** @return whether fast recovery is under way. */
    boolean inRecovery();

    /** @return the algorithm's name, as {@code ss} shows it. */
    String name();
}
