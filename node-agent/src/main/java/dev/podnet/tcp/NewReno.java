package dev.podnet.tcp;

/**
 * NewReno congestion control: RFC 5681 (slow start, congestion avoidance, fast retransmit and fast recovery) with
 * RFC 6582's handling of partial acknowledgments, and byte counting (RFC 3465, L = 2 SMSS in slow start).
 * <ul>
 *   <li>Initial window: {@code initialWindow} segments (RFC 6928's 10, as Linux).</li>
 *   <li>Slow start while cwnd &lt; ssthresh: cwnd grows by the bytes acknowledged, at most 2 SMSS per ACK.</li>
 *   <li>Either grows only while the window is used ({@link #windowUsed}, as Linux's {@code tcp_is_cwnd_limited}).</li>
 *   <li>Congestion avoidance: one SMSS per cwnd of bytes acknowledged.</li>
 *   <li>Third duplicate ACK (RFC 5681 3.2, RFC 6582 3.2 step 2): unless it does not cover more than
 *       {@code recover} (after a timeout), ssthresh = max(FlightSize / 2, 2 SMSS), recover = SND.MAX,
 *       cwnd = ssthresh + 3 SMSS, fast retransmit; each further duplicate inflates cwnd by SMSS.</li>
 *   <li>A partial ACK (below recover) deflates cwnd by the bytes it acknowledged, adds back SMSS if that was at
 *       least SMSS, and asks for the next hole to be retransmitted; a full ACK ends recovery with
 *       cwnd = min(ssthresh, max(FlightSize, SMSS) + SMSS) (RFC 6582 3.2 step 3, option 1).</li>
 *   <li>Timeout: ssthresh = max(FlightSize / 2, 2 SMSS), cwnd = 1 SMSS (the loss window), recover = SND.MAX.</li>
 * </ul>
 */
final class NewReno implements CongestionControl
{
    private static final int MAX_WINDOW = 1 << 30;

    private final int initialWindow;
    private int mss = 536;
    private int cwnd;
    private int ssthresh = MAX_WINDOW;
    private int bytesAcked;
    private int dupAcks;
    private boolean inRecovery;
    private int recover;
    private boolean recoverSet;

    /**
     * @param initialWindow initial window in segments.
     */
    NewReno(final int initialWindow)
    {
        this.initialWindow = initialWindow;
        this.cwnd = initialWindow * mss;
    }

    @Override
    public void onEstablished(final int mss)
    {
        this.mss = mss;
        this.cwnd = initialWindow * mss;
    }

    @Override
    public void onMssChanged(final int mss)
    {
        final int segments = Math.max(1, cwnd / this.mss);
        this.mss = mss;
        this.cwnd = segments * mss;
        if (ssthresh != MAX_WINDOW)
        {
            ssthresh = Math.max(2 * mss, ssthresh);
        }
    }

    @Override
    public AckAction onAck(
        final int ack, final int ackedBytes, final int flightBefore, final int highestSent, final boolean cwndLimited,
        final int maxFlight)
    {
        dupAcks = 0;
        if (inRecovery)
        {
            final int flightAfter = Math.max(0, flightBefore - ackedBytes);
            if (Seq.ge(ack, recover))
            {
                // full acknowledgment: leave fast recovery (RFC 6582 3.2 step 3, option 1)
                inRecovery = false;
                cwnd = Math.min(ssthresh, Math.max(flightAfter, mss) + mss);
                bytesAcked = 0;
                return AckAction.NONE;
            }
            // partial acknowledgment: deflate by what it acknowledged, add back one segment if that was a full one
            cwnd = Math.max(mss, cwnd - ackedBytes + (ackedBytes >= mss ? mss : 0));
            return AckAction.RETRANSMIT_FIRST;
        }
        if (!windowUsed(cwndLimited, maxFlight))
        {
            return AckAction.NONE;
        }
        if (cwnd < ssthresh)
        {
            cwnd = Math.min(MAX_WINDOW, cwnd + Math.min(ackedBytes, 2 * mss));
        }
        else
        {
            bytesAcked += ackedBytes;
            if (bytesAcked >= cwnd)
            {
                bytesAcked -= cwnd;
                cwnd = Math.min(MAX_WINDOW, cwnd + mss);
            }
        }
        return AckAction.NONE;
    }

    /**
     * Whether the window was used, so that it may grow (Linux's {@code tcp_is_cwnd_limited}, RFC 7661's reasoning):
     * when it held the sender back during the last round trip, or, in slow start, while it is less than twice the
     * most that was outstanding. A sender held back by something else (its application, or the tunnel's window:
     * {@code SegmentOutput.canSendData}) would otherwise grow it from ACKs alone, without bound.
     */
    private boolean windowUsed(final boolean cwndLimited, final int maxFlight)
    {
        return cwndLimited || cwnd < ssthresh && cwnd < 2L * maxFlight;
    }

    @Override
    public DupAckAction onDuplicateAck(final int ack, final int flight, final int highestSent)
    {
        if (inRecovery)
        {
            cwnd = Math.min(MAX_WINDOW, cwnd + mss);
            return DupAckAction.NONE;
        }
        dupAcks++;
        if (dupAcks != 3)
        {
            return DupAckAction.NONE;
        }
        if (recoverSet && Seq.le(ack, recover))
        {
            // RFC 6582 3.2 step 2: duplicates of data sent before a timeout are no sign of a new loss
            return DupAckAction.NONE;
        }
        ssthresh = Math.max(flight / 2, 2 * mss);
        recover = highestSent;
        recoverSet = true;
        cwnd = ssthresh + 3 * mss;
        inRecovery = true;
        return DupAckAction.FAST_RETRANSMIT;
    }

    @Override
    public void onRetransmitTimeout(final int flight, final int highestSent)
    {
        ssthresh = Math.max(flight / 2, 2 * mss);
        cwnd = mss;
        bytesAcked = 0;
        dupAcks = 0;
        inRecovery = false;
        recover = highestSent;
        recoverSet = true;
    }

    @Override
    public void undo(final int cwnd, final int ssthresh)
    {
        this.cwnd = Math.max(this.cwnd, cwnd);
        this.ssthresh = Math.max(this.ssthresh, ssthresh);
        this.inRecovery = false;
        this.dupAcks = 0;
        this.recoverSet = false;
    }

    @Override
    public int cwnd()
    {
        return cwnd;
    }

    @Override
    public int ssthresh()
    {
        return ssthresh;
    }

    @Override
    public boolean inRecovery()
    {
        return inRecovery;
    }

    @Override
    public String name()
    {
        return "newreno";
    }
}
